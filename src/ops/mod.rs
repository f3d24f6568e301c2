//! Operations: what the commands do, built from the git layer and the pure model.
//!
//! A [`Workspace`] is an open repository with its settings. Each operation loads what it
//! needs, checks it, and either returns values for the commands to render or changes the
//! working tree and history through the git layer. Nothing here prints.

pub mod advance;
pub mod board;
pub mod check;
pub mod diff;
pub mod edit_file;
pub mod editor;
pub mod inbox;
pub mod merge;
pub mod propose;
pub mod query;
pub mod renumber;
pub mod review;
pub mod setters;
pub mod signoffs;
mod trusted;

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::error::{Error, Result};
use crate::git::{worktree, FolderHistory, ProposalStore, Repo};
use crate::model::config::Config;
use crate::model::id;
use crate::model::ledger::Ledger;
use crate::model::proposal::{self, ParseError, Proposal};
use crate::parallel;

/// A blob parsed as a proposal: the proposal, or why it is not one.
pub type ParsedBlob = std::result::Result<Proposal, ParseError>;

/// The name of the settings file at the top of the working tree.
pub const CONFIG_FILE: &str = ".lead.toml";

/// A folder history's tip, folder, and the one proposal it is about (`None`: all).
type HistoryKey = (String, String, Option<u32>);

/// An open repository and the settings in force for it.
pub struct Workspace {
    pub repo: Repo,
    pub config: Config,
    /// Folder histories already walked, by tip, folder and the one proposal they are about
    /// (`None`: all of them): one walk serves every question of a run.
    histories: RefCell<HashMap<HistoryKey, Rc<FolderHistory>>>,
    /// The ledger at HEAD, once read: of every proposal (`None`) or for one.
    ledgers: RefCell<HashMap<Option<u32>, Rc<Ledger>>>,
    /// Proposal versions read from blobs, by blob id: many sign-offs approve the same one.
    blobs: RefCell<HashMap<String, Option<Rc<Proposal>>>>,
    /// Proposals parsed by earlier runs, by blob id; what this run parses is kept when the
    /// workspace is dropped.
    parsed: ProposalStore,
}

impl Drop for Workspace {
    fn drop(&mut self) {
        self.parsed.save();
    }
}

impl Workspace {
    /// Ends a command's use of the workspace: keeps what the run parsed for the next one,
    /// as dropping it does, and leaves the memory of its ledgers, histories and proposals
    /// to the process's exit. Freeing them one allocation at a time only delays the end of
    /// the command (a few milliseconds of a warm `list` or `check`).
    pub fn finish(self) {
        self.parsed.save();
        self.repo.finish_saves();
        std::mem::forget(self);
    }
}

/// A proposal file in the working tree, parsed or not.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Path from the top of the working tree, `/`-separated: `proposals/0001-x.toml`.
    pub rel: String,
    /// The id the file name carries.
    pub name_id: Option<u32>,
    /// The file's text, kept by a scan for one proposal ([`Workspace::find`]); empty
    /// otherwise.
    pub text: String,
    pub parsed: std::result::Result<Proposal, ParseError>,
}

impl Entry {
    /// The id of the proposal: the file's `id`, or the one in its name when it does not parse.
    pub fn id(&self) -> Option<u32> {
        match &self.parsed {
            Ok(p) => Some(p.id),
            Err(_) => self.name_id,
        }
    }
}

/// A proposal found by id, parsed.
#[derive(Debug, Clone)]
pub struct Found {
    pub rel: String,
    pub text: String,
    pub proposal: Proposal,
}

impl Workspace {
    /// Opens the repository of the current directory and reads its settings:
    /// defaults, then `.lead.toml`, then `lead.*` git configuration (including `git -c`).
    pub fn open() -> Result<Workspace> {
        Workspace::open_with(None)
    }

    /// [`Workspace::open`], with history walks reporting to `progress`.
    pub fn open_with(progress: Option<crate::git::Progress>) -> Result<Workspace> {
        let mut repo = Repo::open()?;
        if let Some(p) = progress {
            repo.set_progress(p);
        }
        let path = repo.workdir().join(CONFIG_FILE);
        let mut config = match std::fs::read_to_string(&path) {
            Ok(text) => Config::parse(&text).map_err(|e| Error::Config {
                path: PathBuf::from(CONFIG_FILE),
                line: e.line,
                column: e.column,
                message: e.message,
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Config::default(),
            Err(e) => return Err(Error::io(path, e)),
        };
        for (key, value) in repo.lead_settings()? {
            config.set(&key, &value).map_err(|e| Error::ConfigValue {
                key: format!("lead.{}", e.key),
                message: e.message,
            })?;
        }
        Ok(Workspace {
            parsed: repo.proposal_store(),
            repo,
            config,
            histories: RefCell::default(),
            ledgers: RefCell::default(),
            blobs: RefCell::default(),
        })
    }

    /// The merge base of `base` and HEAD, against which a pull request is judged: from now
    /// on, who is who (`.mailmap`) is read there, as the policy, the roster and the keys
    /// are, never from the head the pull request changes.
    pub fn trust_base(&self, base: &str) -> Result<String> {
        let commit = self.repo.merge_base_with_head(base)?;
        self.repo.identities_from(&commit);
        Ok(commit)
    }

    /// The settings as they are at `commit` (its `.lead.toml`, then git's `lead.*`
    /// configuration): in a pull request, the base's rules, never the head's.
    pub fn config_at(&self, commit: &str) -> Result<Config> {
        let mut config = match self.repo.file_at(commit, CONFIG_FILE)? {
            Some(bytes) => {
                Config::parse(&String::from_utf8_lossy(&bytes)).map_err(|e| Error::Config {
                    path: format!("{CONFIG_FILE} at {}", commit.get(..7).unwrap_or(commit)).into(),
                    line: e.line,
                    column: e.column,
                    message: e.message,
                })?
            }
            None => Config::default(),
        };
        for (key, value) in self.repo.lead_settings()? {
            config.set(&key, &value).map_err(|e| Error::ConfigValue {
                key: format!("lead.{}", e.key),
                message: e.message,
            })?;
        }
        Ok(config)
    }

    /// Which commits changed proposal `id`'s file in `folder`, walking from `tip`: the
    /// history of every proposal when the run has it (from [`Workspace::ledger`] or
    /// `check`), else a walk that keeps only that proposal's changes. Kept for the run.
    pub fn folder_history_of(&self, tip: &str, folder: &str, id: u32) -> Result<Rc<FolderHistory>> {
        for key in [None, Some(id)] {
            let key = (tip.to_string(), folder.to_string(), key);
            if let Some(h) = self.histories.borrow().get(&key) {
                return Ok(Rc::clone(h));
            }
        }
        let (_, history) = self.repo.scan_only(tip, folder, Some(&[id]))?;
        Ok(self.remember_history(tip, folder, Some(id), history))
    }

    /// The history of every proposal of `folder` from `tip`, when this run walked it.
    pub fn whole_history(&self, tip: &str, folder: &str) -> Option<Rc<FolderHistory>> {
        let key = (tip.to_string(), folder.to_string(), None);
        self.histories.borrow().get(&key).cloned()
    }

    /// Keeps a folder history walked elsewhere (by [`Repo::scan`]) for later questions.
    pub fn remember_history(
        &self,
        tip: &str,
        folder: &str,
        only: Option<u32>,
        history: FolderHistory,
    ) -> Rc<FolderHistory> {
        let history = Rc::new(history);
        self.histories.borrow_mut().insert(
            (tip.to_string(), folder.to_string(), only),
            Rc::clone(&history),
        );
        history
    }

    /// Keeps, as the folder history at `base` (an ancestor of `tip`), the whole one known
    /// at `tip` less the commits `since` (those reachable from `tip` and not from `base`),
    /// sparing a walk from `base` (see [`FolderHistory::without`]). Does nothing when the
    /// whole history at `tip` is not known.
    pub fn remember_history_without(
        &self,
        tip: &str,
        base: &str,
        folder: &str,
        since: &std::collections::HashSet<String>,
    ) {
        let key = (tip.to_string(), folder.to_string(), None);
        let derived = self.histories.borrow().get(&key).map(|h| h.without(since));
        if let Some(history) = derived {
            self.remember_history(base, folder, None, history);
        }
    }

    /// [`Workspace::remember_history_without`] for the histories at `tip` of a walk that
    /// knew proposals `ids` only ([`Workspace::ledger_of_many`]): each that is known.
    pub fn remember_histories_without(
        &self,
        tip: &str,
        base: &str,
        folder: &str,
        ids: &[u32],
        since: &std::collections::HashSet<String>,
    ) {
        let mut derived: Vec<(Rc<FolderHistory>, Rc<FolderHistory>)> = Vec::new();
        for id in ids {
            let key = (tip.to_string(), folder.to_string(), Some(*id));
            let Some(known) = self.histories.borrow().get(&key).cloned() else {
                continue;
            };
            // One walk's history serves all its ids: derived once.
            let history = match derived.iter().find(|(k, _)| Rc::ptr_eq(k, &known)) {
                Some((_, h)) => Rc::clone(h),
                None => {
                    let h = Rc::new(known.without(since));
                    derived.push((known, Rc::clone(&h)));
                    h
                }
            };
            self.histories
                .borrow_mut()
                .insert((base.to_string(), folder.to_string(), Some(*id)), history);
        }
    }

    /// [`Workspace::remember_history`] of a walk that knows proposals `ids` only.
    pub fn remember_histories(&self, tip: &str, folder: &str, ids: &[u32], history: FolderHistory) {
        let history = Rc::new(history);
        let mut histories = self.histories.borrow_mut();
        for id in ids {
            histories.insert(
                (tip.to_string(), folder.to_string(), Some(*id)),
                Rc::clone(&history),
            );
        }
    }

    /// The proposal in a blob, parsed once per run; `None` when it does not parse.
    pub fn proposal_blob(&self, blob: &str) -> Result<Option<Rc<Proposal>>> {
        if let Some(p) = self.blobs.borrow().get(blob) {
            return Ok(p.clone());
        }
        let parsed = self.parse_blob(blob)?.ok().map(Rc::new);
        self.blobs
            .borrow_mut()
            .insert(blob.to_string(), parsed.clone());
        Ok(parsed)
    }

    /// The proposals the store of parsed proposals holds for `blobs` (hex), in their order
    /// or parsed from the blob where it holds none, on another thread while `meanwhile`
    /// runs on this one; `None` for a blob that thread could not read.
    pub fn kept_during<T>(
        &self,
        blobs: &[&str],
        meanwhile: impl FnOnce() -> T,
    ) -> (Vec<Option<ParsedBlob>>, T) {
        let store = &self.parsed;
        // A partial clone fetches the blobs it lacks in one go, not one by one below; a
        // blob still missing is reported by the read that needs it.
        let unkept: Vec<&str> = blobs.iter().copied().filter(|b| !store.holds(b)).collect();
        let _ = self.repo.fetch_missing(&unkept);
        parallel::beside(|| kept_or_parsed(store, blobs), meanwhile)
    }

    /// Parses `blobs` (hex) ahead of [`Workspace::proposal_blob`], a part on each core: for
    /// a command that is about to read many versions of many proposals. A blob that
    /// cannot be read is left for `proposal_blob` to report.
    pub fn parse_ahead(&self, blobs: &[&str]) {
        let todo: Vec<&str> = {
            let known = self.blobs.borrow();
            let mut todo: Vec<&str> = blobs
                .iter()
                .copied()
                .filter(|b| !known.contains_key(*b))
                .collect();
            todo.sort_unstable();
            todo.dedup();
            todo
        };
        let store = &self.parsed;
        let parts = parallel::on_every_core(
            &todo,
            64,
            |part| {
                part.iter()
                    .map(|b| self.parse_blob(b).ok())
                    .collect::<Vec<_>>()
            },
            |part| kept_or_parsed(store, part),
        );
        let mut known = self.blobs.borrow_mut();
        for (b, parsed) in todo.iter().zip(parts.into_iter().flatten()) {
            if let Some(parsed) = parsed {
                known.insert(b.to_string(), parsed.ok().map(Rc::new));
            }
        }
    }

    /// Blob `blob` (hex) parsed as a proposal, through the store of parsed proposals.
    pub fn parse_blob(&self, blob: &str) -> Result<std::result::Result<Proposal, ParseError>> {
        Ok(match self.parsed.get(blob) {
            Some(p) => Ok(p),
            None => self.parsed.parse_text_of(blob, &self.repo.blob_text(blob)?),
        })
    }

    /// Reads ahead the blobs that [`Workspace::folder_blob`] will be asked for, for
    /// `wanted` (commit, file name): see [`Repo::read_folder_blobs`].
    pub fn read_folder_blobs(
        &self,
        history: &FolderHistory,
        wanted: &[(&str, &str)],
    ) -> Result<()> {
        self.repo.read_folder_blobs(history, wanted, &self.parsed)
    }

    /// The blob of file `name` of the folder at `commit`, from the folder tree the walk
    /// behind `history` recorded: see [`Repo::folder_blob`].
    pub fn folder_blob(
        &self,
        history: &FolderHistory,
        commit: &str,
        name: &str,
    ) -> Result<Option<Option<String>>> {
        self.repo.folder_blob(history, commit, name, &self.parsed)
    }

    /// The line of `field` in blob `blob` (hex), through the store of parsed proposals;
    /// `text` gives the blob's text when the store does not know.
    pub fn field_line<'t>(
        &self,
        blob: &str,
        field: &str,
        text: impl FnOnce() -> Result<&'t str>,
    ) -> Result<Option<usize>> {
        if let Some(line) = self.parsed.line_in(blob, field) {
            return Ok(line);
        }
        let line = crate::model::proposal::field_line(text()?, field);
        self.parsed.remember_line(blob, field, line);
        Ok(line)
    }

    /// `text` parsed as a proposal, through the store of parsed proposals.
    pub fn parse_text(&self, text: &str) -> std::result::Result<Proposal, ParseError> {
        self.parsed.parse(text)
    }

    /// The absolute path of a path relative to the top of the working tree.
    pub fn abs(&self, rel: &str) -> PathBuf {
        self.repo.workdir().join(rel)
    }

    /// Every `.toml` file in the proposal folder of the working tree, parsed.
    pub fn scan(&self) -> Result<Vec<Entry>> {
        self.scan_where(None)
    }

    /// [`Workspace::scan`] on another thread while `meanwhile` runs on this one: reading
    /// and parsing thousands of files takes as long as a good part of a history walk.
    pub fn scan_during<T>(&self, meanwhile: impl FnOnce() -> T) -> (Result<Vec<Entry>>, T) {
        self.scan_where_during(None, meanwhile)
    }

    /// [`Workspace::scan_where`] on another thread while `meanwhile` runs on this one. The
    /// thread touches only files, never the repository.
    fn scan_where_during<T>(
        &self,
        wanted: Option<u32>,
        meanwhile: impl FnOnce() -> T,
    ) -> (Result<Vec<Entry>>, T) {
        let (top, folder, store) = (
            self.repo.workdir(),
            self.config.folder.as_str(),
            &self.parsed,
        );
        parallel::beside(|| scan_folder(top, folder, store, wanted), meanwhile)
    }

    /// [`Workspace::scan`], or only what finding proposal `wanted` needs: see
    /// [`scan_folder`].
    fn scan_where(&self, wanted: Option<u32>) -> Result<Vec<Entry>> {
        scan_folder(
            self.repo.workdir(),
            &self.config.folder,
            &self.parsed,
            wanted,
        )
    }

    /// Files in HEAD's proposal folder that are gone from the working tree.
    pub fn deleted(&self, entries: &[Entry]) -> Result<Vec<String>> {
        let folder = &self.config.folder;
        let present: std::collections::HashSet<&str> =
            entries.iter().map(|e| e.rel.as_str()).collect();
        Ok(self
            .repo
            .head_file_names(folder)?
            .into_iter()
            .filter(|n| n.ends_with(".toml"))
            .map(|n| format!("{folder}/{n}"))
            .filter(|rel| !present.contains(rel.as_str()))
            .collect())
    }

    /// The proposal with this id, parsed. Errors when it does not exist, exists twice, was
    /// deleted from the working tree, or does not parse.
    pub fn find(&self, wanted: u32) -> Result<Found> {
        let entries = self.scan_where(Some(wanted))?;
        self.find_in(wanted, entries)
    }

    /// [`Workspace::find`], reading the files on another thread while `meanwhile` runs on
    /// this one (typically the history walk).
    pub fn find_during<T>(&self, wanted: u32, meanwhile: impl FnOnce() -> T) -> (Result<Found>, T) {
        let (entries, other) = self.scan_where_during(Some(wanted), meanwhile);
        (entries.and_then(|e| self.find_in(wanted, e)), other)
    }

    fn find_in(&self, wanted: u32, entries: Vec<Entry>) -> Result<Found> {
        let matching: Vec<&Entry> = entries.iter().filter(|e| e.id() == Some(wanted)).collect();
        match matching.as_slice() {
            [] => {
                let deleted = self.deleted(&entries)?;
                match deleted
                    .into_iter()
                    .find(|rel| id::from_file_name(file_name(rel)) == Some(wanted))
                {
                    Some(rel) => Err(Error::ProposalDeleted { path: rel.into() }),
                    None => Err(Error::ProposalNotFound { id: wanted }),
                }
            }
            [one] => {
                let proposal = one.parsed.clone().map_err(|e| parse_error(&one.rel, e))?;
                Ok(Found {
                    rel: one.rel.clone(),
                    text: one.text.clone(),
                    proposal,
                })
            }
            many => Err(Error::DuplicateId {
                id: wanted,
                count: many.len(),
                paths: many.iter().map(|e| PathBuf::from(&e.rel)).collect(),
            }),
        }
    }

    /// The ledger of every proposal, from one walk over the history reachable from HEAD.
    /// Refuses in a shallow clone, whose history would give wrong answers.
    ///
    /// The same walk records which commits changed each proposal file (kept for
    /// [`Workspace::folder_history_of`]), and the ledger is kept for the run: one walk serves
    /// every question of a command.
    pub fn ledger(&self) -> Result<Rc<Ledger>> {
        self.refuse_shallow()?;
        self.scanned(None)
    }

    /// [`Workspace::ledger`] for questions about proposal `id` only: its events (and
    /// perhaps others'), from the commits that name it. With a cache, only those are
    /// decoded; the answers about `id` are the whole ledger's.
    pub fn ledger_of(&self, id: u32) -> Result<Rc<Ledger>> {
        self.refuse_shallow()?;
        self.scanned(Some(id))
    }

    /// [`Workspace::ledger_of`] for several proposals at once, from one walk: its events
    /// answer for each of `ids` (and is kept as each one's), as the whole ledger would.
    /// The whole ledger when the run has it already; none for no ids.
    pub fn ledger_of_many(&self, ids: &[u32]) -> Result<Rc<Ledger>> {
        self.refuse_shallow()?;
        match ids {
            [] => return Ok(Rc::new(Ledger::default())),
            [id] => return self.scanned(Some(*id)),
            _ => {}
        }
        if let Some(l) = self.ledgers.borrow().get(&None) {
            return Ok(Rc::clone(l));
        }
        let Some(head) = self.repo.head_id()? else {
            return Ok(Rc::new(Ledger::default()));
        };
        let folder = &self.config.folder;
        let (ledger, history, walked) = self.scan_following(&head, folder, Some(ids.to_vec()))?;
        self.remember_histories(&head, folder, walked.as_deref().unwrap_or(ids), history);
        let ledger = Rc::new(ledger);
        let mut ledgers = self.ledgers.borrow_mut();
        for id in ids {
            ledgers.insert(Some(*id), Rc::clone(&ledger));
        }
        Ok(ledger)
    }

    /// [`Workspace::ledger_of`] for `show`, which says so instead of refusing in a shallow
    /// clone (see [`Workspace::is_shallow`]).
    pub fn ledger_of_even_if_shallow(&self, id: u32) -> Result<Rc<Ledger>> {
        self.scanned(Some(id))
    }

    /// The ledger for `list`: read from the messages alone (no file history), and its
    /// events carry their commit, time and kind but no author, summary or body
    /// ([`Repo::ledger_of_trailers`]), which is all the steps and findings of a listing
    /// use.
    pub fn ledger_for_listing(&self) -> Result<Ledger> {
        let mut ledger = self.repo.ledger_of_trailers()?;
        self.follow_renumbers(&mut ledger, &self.config.folder)?;
        Ok(ledger)
    }

    fn refuse_shallow(&self) -> Result<()> {
        match self.repo.is_shallow() {
            true => Err(Error::ShallowHistory),
            false => Ok(()),
        }
    }

    fn scanned(&self, only: Option<u32>) -> Result<Rc<Ledger>> {
        // The whole ledger answers for every proposal.
        for key in [None, only] {
            if let Some(l) = self.ledgers.borrow().get(&key) {
                return Ok(Rc::clone(l));
            }
        }
        let ledger = match self.repo.head_id()? {
            Some(head) => {
                let folder = &self.config.folder;
                let ids: Option<Vec<u32>> = only.map(|id| vec![id]);
                let (ledger, history, ids) = self.scan_following(&head, folder, ids)?;
                match ids {
                    Some(ids) if ids.len() > 1 => {
                        self.remember_histories(&head, folder, &ids, history);
                    }
                    _ => {
                        self.remember_history(&head, folder, only, history);
                    }
                }
                Rc::new(ledger)
            }
            None => Rc::new(Ledger::default()),
        };
        self.ledgers.borrow_mut().insert(only, Rc::clone(&ledger));
        Ok(ledger)
    }

    /// The walk of [`Repo::scan_only`] for `ids` (all when `None`), with the renumberings
    /// followed (`follow_renumbers`): when the proposals asked for were once
    /// others, the walk is made again with those too. Also gives the ids walked for.
    pub fn scan_following(
        &self,
        head: &str,
        folder: &str,
        mut ids: Option<Vec<u32>>,
    ) -> Result<(Ledger, crate::git::FolderHistory, Option<Vec<u32>>)> {
        loop {
            let (mut ledger, history) = self.repo.scan_only(head, folder, ids.as_deref())?;
            if let Some(wanted) = &mut ids {
                let before = wanted.len();
                for r in ledger.renumberings() {
                    if wanted.contains(&r.to) && !wanted.contains(&r.from) {
                        wanted.push(r.from);
                    }
                }
                if wanted.len() > before {
                    continue;
                }
            }
            self.follow_renumbers(&mut ledger, folder)?;
            return Ok((ledger, history, ids));
        }
    }

    /// Gives each renumbered proposal the events of its former id that were its own: those
    /// before the renumbering whose commit's tree held the file under its former name
    /// (another proposal that kept the old id had another file). Oldest first, so that
    /// chains (8 -> 12 -> 15) carry everything over.
    fn follow_renumbers(&self, ledger: &mut Ledger, folder: &str) -> Result<()> {
        let renumberings = ledger.renumberings().to_vec();
        if renumberings.is_empty() {
            return Ok(());
        }
        let mut names_of: HashMap<u32, Vec<String>> = HashMap::new();
        for r in &renumberings {
            let mut names = self.repo.names_left(&r.commit, folder, r.from)?;
            if let Some(earlier) = names_of.get(&r.from) {
                names.extend(earlier.iter().cloned());
            }
            let mut commits = std::collections::HashSet::new();
            for commit in ledger.before(r) {
                if self.repo.folder_has_any(commit, folder, &names)? {
                    commits.insert(commit.to_string());
                }
            }
            ledger.rekey(r, &commits, names.clone());
            names_of.entry(r.to).or_default().extend(names);
        }
        Ok(())
    }

    /// Whether the history may be cut short (a shallow clone).
    pub fn is_shallow(&self) -> bool {
        self.repo.is_shallow()
    }

    /// Replaces a proposal file in the working tree (no commit).
    pub fn write(&self, rel: &str, text: &str) -> Result<()> {
        worktree::write_atomic(&self.abs(rel), text.as_bytes())
    }
}

/// `blobs` (hex) parsed, from the store of parsed proposals where it holds them, else read
/// through a repository of this thread's own (opened on first need) and parsed here: the
/// work of a thread beside the one that holds the [`Workspace`]. A blob that cannot be
/// read is `None`, left to the caller, which reports why.
fn kept_or_parsed(store: &ProposalStore, blobs: &[&str]) -> Vec<Option<ParsedBlob>> {
    let mut other: Option<Option<Repo>> = None;
    blobs
        .iter()
        .map(|b| match store.get(b) {
            Some(p) => Some(Ok(p)),
            None => {
                let repo = other.get_or_insert_with(|| Repo::open().ok()).as_ref()?;
                let text = repo.blob_text(b).ok()?;
                Some(store.parse_text_of(b, &text))
            }
        })
        .collect()
}

/// Every `.toml` file of `folder` under `top`, parsed on every core. With `wanted` (finding
/// one proposal among thousands), only the files that may hold it are parsed (by name or
/// [`proposal::quick_id`]) and keep their text; the others come back unparsed (an error
/// saying so). A file whose status the store of parsed proposals knows is not read at
/// all, unless its text is wanted.
fn scan_folder(
    top: &Path,
    folder: &str,
    store: &ProposalStore,
    wanted: Option<u32>,
) -> Result<Vec<Entry>> {
    let dir = top.join(folder);
    let names = worktree::toml_files(&dir)?;
    let dir = &dir;
    // What a file that cannot hold the proposal wanted comes back with.
    let not_read = || Err(ParseError::at("", 0, "not read"));
    let one = |name: &String, buf: &mut Vec<u8>| -> Result<Entry> {
        let path = dir.join(name);
        let rel = format!("{folder}/{name}");
        let name_id = id::from_file_name(name);
        let unread = |parsed| Entry {
            rel: rel.clone(),
            name_id,
            parsed,
            text: String::new(),
        };
        let status = match wanted {
            None => match store.parsed_file(&path) {
                (Some(p), _) => return Ok(unread(Ok(p))),
                (None, status) => status,
            },
            // Only the id matters for a file that does not hold the proposal wanted.
            Some(w) => match store.file_id(&path) {
                (Some(id), _) if id != w && name_id != Some(w) => return Ok(unread(not_read())),
                (_, status) => status,
            },
        };
        read_into(&path, buf)?;
        let text = std::str::from_utf8(buf).unwrap_or_default();
        let may_hold =
            |w: u32| name_id == Some(w) || proposal::quick_id(text).is_none_or(|q| q == w);
        let (parsed, text) = match wanted {
            None => (store.parse_file(&path, status, text), String::new()),
            Some(w) if may_hold(w) => (store.parse_file(&path, status, text), text.to_string()),
            Some(_) => (not_read(), String::new()),
        };
        Ok(Entry {
            rel,
            name_id,
            parsed,
            text,
        })
    };
    // Each core reads and parses its share, in order; the first error in name order wins.
    let share = |part: &[String]| -> Vec<Result<Entry>> {
        // One buffer per share: the files not parsed are not kept.
        let mut buf = Vec::with_capacity(8192);
        part.iter().map(|name| one(name, &mut buf)).collect()
    };
    parallel::on_every_core(&names, READ_ALONE, share, share)
        .into_iter()
        .flatten()
        .collect()
}

/// Below this many files, one thread reads and parses them all.
const READ_ALONE: usize = 128;

/// The last component of a `/`-separated path.
pub fn file_name(rel: &str) -> &str {
    rel.rsplit('/').next().unwrap_or(rel)
}

/// Turns a model parse error into the library error naming the file.
pub fn parse_error(rel: &str, e: ParseError) -> Error {
    Error::Parse {
        path: PathBuf::from(rel),
        line: e.line,
        column: e.column,
        message: e.message,
    }
}

/// Reads a proposal file into `buf` (replacing what it held) and checks that it is UTF-8.
fn read_into(path: &Path, buf: &mut Vec<u8>) -> Result<()> {
    use std::io::Read;
    buf.clear();
    std::fs::File::open(path)
        .and_then(|mut f| f.read_to_end(buf))
        .map_err(|e| Error::io(path, e))?;
    match std::str::from_utf8(buf) {
        Ok(_) => Ok(()),
        Err(e) => Err(Error::Parse {
            path: path.to_path_buf(),
            line: 1,
            column: 1,
            message: format!("the file is not valid UTF-8 (byte {})", e.valid_up_to()),
        }),
    }
}

//! The git layer: the only module that uses git2.
//!
//! It opens the repository as git would (working directory, `GIT_DIR`, `GIT_WORK_TREE`),
//! reads configuration including `git -c` settings, reads files at HEAD, walks the history
//! once reading commit messages only, and writes commits that touch exactly one file. It
//! never prints.

mod cache;
mod commit;
mod findings;
pub use findings::{Checked, CheckedFile};
mod folders;
mod graph;
mod history;
mod ids;
mod packs;
mod parsed;
mod promisor;
pub use parsed::ProposalStore;
pub mod params;
pub use history::FolderHistory;
mod revs;
mod sign;
pub mod textmerge;
pub mod worktree;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::model::person::Person;

impl From<git2::Error> for Error {
    fn from(e: git2::Error) -> Self {
        // libgit2 says `object not found - no match for id (<hex>)` for an object the
        // database lacks: a damaged repository or a partial clone.
        let missing = (e.code() == git2::ErrorCode::NotFound && e.class() == git2::ErrorClass::Odb)
            .then(|| {
                e.message()
                    .split_once("no match for id (")?
                    .1
                    .split(')')
                    .next()
            })
            .flatten()
            .filter(|id| id.len() >= 40 && id.bytes().all(|b| b.is_ascii_hexdigit()));
        match missing {
            Some(id) => Error::MissingObject { id: id.to_string() },
            None => Error::Git {
                message: e.message().to_string(),
            },
        }
    }
}

/// An open, non-bare repository.
pub struct Repo {
    inner: git2::Repository,
    workdir: PathBuf,
    params: Vec<(String, String)>,
    config: git2::Config,
    progress: Option<Progress>,
    /// Where this run stands with [`Notice::NoCommitGraph`].
    hint: std::cell::Cell<Hint>,
    /// Whether walks read and keep the cache under `.git/lead/` (`lead.cache`, on unless
    /// set to false).
    cache: bool,
    /// Writes of the cache still going on in the background; waited for before the next
    /// walk and when the repository is closed.
    saves: std::cell::RefCell<Vec<std::thread::JoinHandle<()>>>,
    /// git's commit-graph with its Bloom filters, read on first use (`graph.rs`).
    graph: std::cell::OnceCell<Option<graph::Graph>>,
    /// Whether this is a partial clone (`promisor.rs`), found out on first use.
    partial: std::cell::OnceCell<bool>,
    /// A reader of the repository's own packs that a walk with nothing cached opened,
    /// kept for the blobs and folder trees the rest of the run reads (libgit2 rebuilt
    /// each from its deltas anew, and searched the alternates' indexes first: most of the
    /// time a cold `check` spent judging its proposals). See [`packs::Packs::own`].
    kept_packs: std::cell::RefCell<Option<packs::Later>>,
    /// The blobs [`Repo::folder_blob`] found in folder trees this run, by tree and name.
    folder_names: std::cell::RefCell<HashMap<(git2::Oid, String), Option<git2::Oid>>>,
    /// The commit whose `.mailmap` says who is who, once a command judges a pull request
    /// against its base ([`Repo::identities_from`]); else the working tree's, as git reads it.
    identities: std::cell::RefCell<Option<String>>,
    /// Every author of a `Lead-` commit the walks mapped: as recorded, and as mapped.
    mapped: std::cell::RefCell<std::collections::HashMap<Person, Person>>,
}

impl Drop for Repo {
    fn drop(&mut self) {
        self.finish_saves();
    }
}

/// The git directory a repository that libgit2 could not open has: `GIT_DIR` when set,
/// else the nearest `.git` at or above `cwd`, else `cwd` itself (for messages only).
fn git_dir_above(cwd: &Path) -> PathBuf {
    if let Some(dir) = std::env::var_os("GIT_DIR").filter(|d| !d.is_empty()) {
        return cwd.join(dir);
    }
    cwd.ancestors()
        .map(|d| d.join(".git"))
        .find(|d| d.exists())
        .unwrap_or_else(|| cwd.to_path_buf())
}

/// What a history walk tells the command that runs it (this layer never prints).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// How many commits the walk has read so far.
    Reading(usize),
    /// The walk is over.
    Done,
    /// The walk just over looked the proposal folder up in the root trees of `commits`
    /// commits, one by one, for want of a commit-graph with changed-path Bloom filters that
    /// would have let it skip most of them. Told at most once a run, after
    /// [`Notice::Done`], for walks of [`HINT_COMMITS`] commits or more, and not when
    /// `advice.leadCommitGraph` is false or git would not read such a graph anyway.
    NoCommitGraph { commits: usize },
}

/// [`Notice::NoCommitGraph`] in a run: not due, left by a walk for when it is over (with
/// the walk's count), or told already (at most once a run).
#[derive(Debug, Clone, Copy, Default)]
enum Hint {
    #[default]
    None,
    Due(usize),
    Told,
}

/// How many commits a walk looks its folder up in, without a commit-graph, before it
/// tells [`Notice::NoCommitGraph`]: about a second of work on a laptop.
pub const HINT_COMMITS: usize = 20_000;

/// Told what a walk does (see [`Notice`]).
pub type Progress = Box<dyn Fn(Notice)>;

impl Repo {
    /// Opens the repository of the current directory, honouring `GIT_DIR`, `GIT_WORK_TREE`,
    /// `GIT_CEILING_DIRECTORIES` and the `-c` settings git passes down.
    pub fn open() -> Result<Repo> {
        // git does not re-hash every object it reads (that is fsck's job); neither do we.
        // With verification on, SHA-1 took a quarter of the time of a history walk.
        git2::opts::strict_hash_verification(false);
        // Each walk visits every commit once; libgit2's object cache kept them all, doubling
        // peak memory (179 MB against 98 MB for list on 100,000 commits) for no gain in time.
        git2::opts::enable_caching(false);
        let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
        let inner = git2::Repository::open_from_env().map_err(|e| match e.code() {
            git2::ErrorCode::NotFound => Error::NotARepository { path: cwd.clone() },
            _ => match e.message().strip_prefix("unknown object format '") {
                Some(rest) => Error::ObjectFormat {
                    path: git_dir_above(&cwd),
                    format: rest.trim_end_matches('\'').to_string(),
                },
                None => Error::from(e),
            },
        })?;
        if inner.is_bare() {
            return Err(Error::BareRepository {
                path: inner.path().to_path_buf(),
            });
        }
        let workdir =
            inner
                .workdir()
                .map(Path::to_path_buf)
                .ok_or_else(|| Error::BareRepository {
                    path: inner.path().to_path_buf(),
                })?;
        let config = inner.config()?.snapshot()?;
        let mut repo = Repo {
            inner,
            workdir,
            params: params::from_env(),
            config,
            progress: None,
            hint: Default::default(),
            cache: true,
            saves: Default::default(),
            graph: Default::default(),
            partial: Default::default(),
            kept_packs: Default::default(),
            folder_names: Default::default(),
            identities: Default::default(),
            mapped: Default::default(),
        };
        repo.cache = repo.config_bool("lead.cache")?.unwrap_or(true);
        Ok(repo)
    }

    /// Reports the progress of history walks to `progress` (the commands show it on a
    /// terminal; this layer never prints).
    pub fn set_progress(&mut self, progress: Progress) {
        self.progress = Some(progress);
    }

    /// Runs `save` on a thread of its own, to be waited for by [`Repo::finish_saves`]. When
    /// no thread can be started, nothing is written.
    fn save_aside(&self, save: impl FnOnce() + Send + 'static) {
        if let Ok(handle) = std::thread::Builder::new().spawn(save) {
            self.saves.borrow_mut().push(handle);
        }
    }

    /// Waits for the writes of the cache still going on in the background. Dropping the
    /// repository waits for them too.
    pub fn finish_saves(&self) {
        let saves = std::mem::take(&mut *self.saves.borrow_mut());
        for save in saves {
            // A write that failed, or panicked, leaves the cache as it was: not an error.
            let _ = save.join();
        }
    }

    fn report_progress(&self, commits: Option<usize>) {
        if let Some(p) = &self.progress {
            match commits {
                Some(n) => p(Notice::Reading(n)),
                None => {
                    p(Notice::Done);
                    if let Hint::Due(commits) = self.hint.get() {
                        self.hint.set(Hint::Told);
                        p(Notice::NoCommitGraph { commits });
                    }
                }
            }
        }
    }

    /// Leaves [`Notice::NoCommitGraph`] for the end of the walk, if the run has not told it
    /// yet and the user has not turned it off.
    fn hint_commit_graph(&self, commits: usize) {
        let told = matches!(self.hint.get(), Hint::Told);
        if !told && self.config_bool("advice.leadCommitGraph").ok().flatten() != Some(false) {
            self.hint.set(Hint::Due(commits));
        }
    }

    /// The parsed proposals earlier runs kept (see `parsed.rs`); one that keeps nothing when
    /// `lead.cache` is false or in a shallow clone (which keeps no cache at all: it is
    /// usually a CI checkout, used once).
    pub fn proposal_store(&self) -> ProposalStore {
        ProposalStore::open(
            self.inner.commondir(),
            self.cache && !self.inner.is_shallow(),
        )
    }

    /// The top of the working tree.
    pub fn workdir(&self) -> &Path {
        &self.workdir
    }

    /// The `.git` folder.
    pub fn git_dir(&self) -> &Path {
        self.inner.path()
    }

    /// What the mapping of `.mailmap` is made of, as libgit2 reads it: the working tree's
    /// `.mailmap`, the `mailmap.file` setting and that file, and the `mailmap.blob` setting
    /// and the blob it names. Two runs with the same sources map authors alike.
    pub fn mailmap_sources(&self) -> Result<Vec<u8>> {
        let read = |path: &Path| match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) => format!("{:?}", e.kind()).into_bytes(),
        };
        let mut out = read(&self.workdir.join(".mailmap"));
        let file = self.config_string("mailmap.file")?;
        out.extend(format!("\nmailmap.file={file:?}\n").bytes());
        if let Some(file) = file {
            out.extend(read(&self.workdir.join(file)));
        }
        let blob = self.config_string("mailmap.blob")?;
        let named = blob
            .as_deref()
            .and_then(|b| self.inner.revparse_single(b).ok())
            .map(|o| hex(o.id()));
        out.extend(format!("\nmailmap.blob={blob:?} {named:?}").bytes());
        Ok(out)
    }

    /// A configuration value: `git -c` settings first, then git's configuration files.
    pub fn config_string(&self, key: &str) -> Result<Option<String>> {
        let lower = key.to_ascii_lowercase();
        if let Some((_, v)) = self.params.iter().rev().find(|(k, _)| *k == lower) {
            return Ok(Some(v.clone()));
        }
        match self.config.get_string(key) {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(Error::ConfigValue {
                key: key.to_string(),
                message: e.message().to_string(),
            }),
        }
    }

    /// The `*.toml` files directly inside `folder` that the index holds in conflict (a
    /// merge, rebase, cherry-pick or stash pop that stopped), by path from the top.
    pub fn conflicted_paths(&self, folder: &str) -> Result<Vec<String>> {
        let index = self.inner.index()?;
        if !index.has_conflicts() {
            return Ok(Vec::new());
        }
        let prefix = format!("{}/", folder.trim_matches('/'));
        let mut out = Vec::new();
        for conflict in index.conflicts()? {
            let conflict = conflict?;
            let entry = conflict.our.or(conflict.their).or(conflict.ancestor);
            let Some(path) = entry.and_then(|e| String::from_utf8(e.path).ok()) else {
                continue;
            };
            let inside = path
                .strip_prefix(&prefix)
                .is_some_and(|name| !name.contains('/') && name.ends_with(".toml"));
            if inside && !out.contains(&path) {
                out.push(path);
            }
        }
        out.sort();
        Ok(out)
    }

    /// Sets `key` to `value` in this repository's own configuration (`.git/config`), as
    /// `git config <key> <value>` does.
    pub fn set_local_config(&self, key: &str, value: &str) -> Result<()> {
        let mut local = self.inner.config()?.open_level(git2::ConfigLevel::Local)?;
        local.set_str(key, value)?;
        Ok(())
    }

    /// A boolean configuration value, read as git reads booleans.
    pub fn config_bool(&self, key: &str) -> Result<Option<bool>> {
        let Some(text) = self.config_string(key)? else {
            return Ok(None);
        };
        match text.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "1" | "" => Ok(Some(true)),
            "false" | "no" | "off" | "0" => Ok(Some(false)),
            _ => Err(Error::ConfigValue {
                key: key.to_string(),
                message: format!("'{text}' is not a boolean"),
            }),
        }
    }

    /// Every `lead.*` setting, configuration files first and `git -c` last, so that later
    /// entries win. Keys are returned without the `lead.` prefix, lowercased; `lead.cache`,
    /// which this layer reads itself, is left out.
    pub fn lead_settings(&self) -> Result<Vec<(String, String)>> {
        let mut out = Vec::new();
        let mut entries = self.config.entries(Some("lead\\..*"))?;
        while let Some(entry) = entries.next() {
            let entry = entry?;
            if let (Ok(name), Ok(value)) = (entry.name(), entry.value()) {
                push_lead(&mut out, name, value);
            }
        }
        for (k, v) in &self.params {
            push_lead(&mut out, k, v);
        }
        Ok(out)
    }

    /// The operation in progress that a commit must not interrupt, if any.
    pub fn operation_in_progress(&self) -> Option<&'static str> {
        use git2::RepositoryState as S;
        match self.inner.state() {
            S::Clean => None,
            S::Merge => Some("a merge"),
            S::Revert | S::RevertSequence => Some("a revert"),
            S::CherryPick | S::CherryPickSequence => Some("a cherry-pick"),
            S::Bisect => Some("a bisect"),
            S::Rebase | S::RebaseInteractive | S::RebaseMerge => Some("a rebase"),
            S::ApplyMailbox | S::ApplyMailboxOrRebase => Some("an am session"),
        }
    }

    /// The file at `path` (relative to the top, `/`-separated) in HEAD's tree, if any.
    pub fn read_head_file(&self, path: &str) -> Result<Option<Vec<u8>>> {
        let Some(tree) = self.head_tree()? else {
            return Ok(None);
        };
        match tree.get_path(Path::new(path)) {
            Ok(entry) => self.entry_blob(&entry),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Names of the `.toml` files directly inside `folder` in HEAD's tree.
    pub fn head_file_names(&self, folder: &str) -> Result<Vec<String>> {
        let Some(head) = self.head_id()? else {
            return Ok(Vec::new());
        };
        Ok(self
            .folder_files(&head, folder)?
            .into_iter()
            .map(|(name, _)| name)
            .collect())
    }

    /// The tree at `folder` inside `tree`, if there is one.
    fn subtree(&self, tree: &git2::Tree<'_>, folder: &str) -> Result<Option<git2::Tree<'_>>> {
        match tree.get_path(Path::new(folder)) {
            Ok(entry) if entry.kind() == Some(git2::ObjectType::Tree) => {
                Ok(Some(self.inner.find_tree(entry.id())?))
            }
            Ok(_) => Ok(None),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn head_tree(&self) -> Result<Option<git2::Tree<'_>>> {
        match self.inner.head() {
            Ok(head) => Ok(Some(head.peel_to_tree()?)),
            Err(e)
                if matches!(
                    e.code(),
                    git2::ErrorCode::UnbornBranch | git2::ErrorCode::NotFound
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The commit HEAD points at, or `None` on an unborn branch.
    fn head_commit(&self) -> Result<Option<git2::Commit<'_>>> {
        match self.inner.head() {
            Ok(head) => Ok(Some(head.peel_to_commit()?)),
            Err(e)
                if matches!(
                    e.code(),
                    git2::ErrorCode::UnbornBranch | git2::ErrorCode::NotFound
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(e.into()),
        }
    }
}

fn push_lead(out: &mut Vec<(String, String)>, key: &str, value: &str) {
    let lower = key.to_ascii_lowercase();
    // `lead.cache` is this layer's own (see [`Repo::walk`]), not a repository setting.
    if let Some(rest) = lower.strip_prefix("lead.").filter(|k| *k != "cache") {
        out.push((rest.to_string(), value.to_string()));
    }
}

/// An object id in hexadecimal, as `to_string` gives it without going through
/// formatting (20,000 of them in a warm walk).
pub(crate) fn hex(id: git2::Oid) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(2 * id.as_bytes().len());
    for b in id.as_bytes() {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    #[test]
    fn hex_is_what_git2_prints() {
        for bytes in [
            [0u8; 20],
            [0xff; 20],
            *b"\x01\x23\x45\x67\x89\xab\xcd\xef\x10\x32\x54\x76\x98\xba\xdc\xfe\x0f\xf0\x5a\xa5",
        ] {
            let id = git2::Oid::from_bytes(&bytes).unwrap();
            assert_eq!(super::hex(id), id.to_string());
        }
    }
}

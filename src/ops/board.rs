//! `board`: what a static site of the proposals shows, read from HEAD, and writing that
//! site into a folder without touching what the board did not write there.
//!
//! [`build`] gathers, for every proposal file at HEAD, what `show`, `log`, `signoffs` and
//! `diff --feedback` report; `render::html` turns that into pages; [`Site::write`] puts the
//! pages in the output folder with a manifest (`.lead-board`) that names every file the
//! board wrote, with a hash of its content and the key of what it was built from. A later
//! run replaces and removes those files only, refuses a folder that holds others (unless
//! forced, and even then never removes them), and does nothing when the key and every
//! file are as the manifest says.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::git::worktree;
use crate::model::check::{self, Finding};
use crate::model::diff::{self, Change, FeedbackEvent, FeedbackKind, Revision};
use crate::model::gate::{self, Gate};
use crate::model::id;
use crate::model::ledger::{Event, EventKind, Ledger};
use crate::model::person::Person;
use crate::model::proposal::{ParseError, Proposal};
use crate::model::signoff::{Matrix, Standing};
use crate::model::step::Step;

use super::{signoffs, ParsedBlob, Workspace};

/// Everything the site shows.
#[derive(Debug, Clone, Default)]
pub struct Board {
    /// The commit the site was built from, and its time; `None` in a repository with no
    /// commits yet.
    pub head: Option<(String, i64)>,
    /// Where a commit id links to: `{forge}/commit/{id}`.
    pub forge: Option<String>,
    /// The proposal folder.
    pub folder: String,
    pub pages: Vec<Page>,
    /// Files of the folder that do not parse as proposals.
    pub broken: Vec<Broken>,
    pub people: Vec<PersonPage>,
}

/// One proposal's page.
#[derive(Debug, Clone)]
pub struct Page {
    pub rel: String,
    /// The page's name: the file's, without `.toml`.
    pub slug: String,
    pub proposal: Proposal,
    /// Each of the eight steps with its gate.
    pub gates: Vec<(Step, Gate)>,
    pub findings: Vec<Finding>,
    /// The recorded events: transitions, sign-offs, concerns.
    pub events: Vec<Event>,
    /// The sign-off matrix, or why it cannot be built.
    pub signoffs: std::result::Result<Matrix, String>,
    /// Feedback given and answered, from the file's history.
    pub feedback: Vec<FeedbackEvent>,
    /// For each answered feedback entry, what changed from where it was given to where it
    /// was answered.
    pub diffs: Vec<FeedbackDiff>,
    /// Another file at HEAD carries the same id.
    pub clash: bool,
}

/// The changes between the revision where a feedback entry was given and the one where it
/// was first answered, as `git lead diff ID --feedback F` shows them.
#[derive(Debug, Clone)]
pub struct FeedbackDiff {
    pub id: String,
    /// The commit of the older side (`None`: the proposal did not exist before).
    pub from: Option<String>,
    pub to: String,
    pub changes: Vec<Change>,
}

/// A file of the proposal folder that does not parse.
#[derive(Debug, Clone)]
pub struct Broken {
    pub rel: String,
    pub slug: String,
    pub name_id: Option<u32>,
    pub error: ParseError,
}

/// One person's page: what they wrote, signed and owe.
#[derive(Debug, Clone)]
pub struct PersonPage {
    pub person: Person,
    pub slug: String,
    /// Pages (indexes into [`Board::pages`]) of the proposals they wrote.
    pub authored: Vec<usize>,
    /// Sign-offs that stand: the page, the commit, its time, and whether it is current.
    pub signed: Vec<(usize, String, i64, bool)>,
    /// Sign-offs owed: the page and what is needed.
    pub owed: Vec<(usize, String)>,
    /// Concerns they raised: the page, the name, and whether it is still open.
    pub concerns: Vec<(usize, String, bool)>,
    /// Feedback they gave: the page, the entry id, and whether it is answered.
    pub feedback: Vec<(usize, String, bool)>,
}

/// Reads the proposals of HEAD and everything their pages show. `base_url` overrides the
/// forge that commit links go to (otherwise the `origin` remote's, when it is one that
/// browsers can open).
pub fn build(ws: &Workspace, base_url: Option<&str>) -> Result<Board> {
    let folder = ws.config.folder.clone();
    let forge = match base_url {
        Some(url) => Some(url.trim_end_matches('/').to_string()),
        None => ws
            .repo
            .config_string("remote.origin.url")?
            .as_deref()
            .and_then(forge_of),
    };
    let Some(head) = ws.repo.head_id()? else {
        return Ok(Board {
            folder,
            forge,
            ..Board::default()
        });
    };
    let head_time = ws.repo.commit_meta(&head)?.1;
    let files = ws.repo.folder_files(&head, &folder)?;
    let blobs: Vec<&str> = files.iter().map(|(_, b)| b.as_str()).collect();
    // The files are parsed while the history is walked.
    let (parsed, ledger) = ws.kept_during(&blobs, || ws.ledger());
    let ledger = ledger?;
    let mut parsed_files = Vec::new();
    for ((name, blob), p) in files.iter().zip(parsed) {
        let p = match p {
            Some(p) => p,
            None => ws.parse_blob(blob)?,
        };
        parsed_files.push((name.clone(), p));
    }
    let mut ids: HashMap<u32, usize> = HashMap::new();
    for (_, p) in &parsed_files {
        if let Ok(p) = p {
            *ids.entry(p.id).or_default() += 1;
        }
    }
    // Who made each commit the ledger knows, which is nearly every commit that changed a
    // proposal: spares reading them again for the feedback timelines.
    let mut authors: HashMap<&str, (&Person, i64, i32)> = HashMap::new();
    for e in ledger.events() {
        authors.insert(&e.commit, (&e.author, e.time, e.offset));
    }
    read_ahead(ws, &head, &ledger, &parsed_files)?;
    let mut board = Board {
        head: Some((head.clone(), head_time)),
        forge,
        folder: folder.clone(),
        ..Board::default()
    };
    for (name, parsed) in parsed_files {
        let rel = format!("{folder}/{name}");
        let slug = name.trim_end_matches(".toml").to_string();
        match parsed {
            Err(error) => board.broken.push(Broken {
                name_id: id::from_file_name(&name),
                rel,
                slug,
                error,
            }),
            Ok(p) => {
                let clash = ids.get(&p.id).is_some_and(|n| *n > 1);
                let page = page(ws, &head, &ledger, &authors, rel, slug, p, clash)?;
                board.pages.push(page);
            }
        }
    }
    board.people = people(&board.pages);
    Ok(board)
}

/// Reads, before the pages are built one by one, what they will ask for: the folder trees
/// at every sign-off (in one pass) and every version of every proposal (parsed on every
/// core). Nothing to do when the run did not walk the whole folder history.
fn read_ahead(
    ws: &Workspace,
    head: &str,
    ledger: &Ledger,
    files: &[(String, ParsedBlob)],
) -> Result<()> {
    let Some(history) = ws.whole_history(head, &ws.config.folder) else {
        return Ok(());
    };
    let proposals = || {
        files
            .iter()
            .filter_map(|(name, p)| Some((name, p.as_ref().ok()?)))
    };
    // The versions the sign-offs approved.
    let wanted: Vec<(&str, &str)> = proposals()
        .flat_map(|(name, p)| {
            ledger
                .of(p.id)
                .filter(|e| e.kind == EventKind::Signoff)
                .map(move |e| (e.commit.as_str(), name.as_str()))
        })
        .collect();
    ws.read_folder_blobs(&history, &wanted)?;
    // Every version, which the sign-offs and the feedback diffs compare.
    let versions: Vec<String> = proposals()
        .flat_map(|(_, p)| {
            history
                .changes_after_start(p.id)
                .filter_map(|(_, blob)| blob)
        })
        .collect();
    ws.parse_ahead(&versions.iter().map(String::as_str).collect::<Vec<_>>());
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn page(
    ws: &Workspace,
    head: &str,
    ledger: &Ledger,
    authors: &HashMap<&str, (&Person, i64, i32)>,
    rel: String,
    slug: String,
    proposal: Proposal,
    clash: bool,
) -> Result<Page> {
    let id = proposal.id;
    let signoffs = signoffs::matrix_for(ws, &rel, &proposal, ledger, None, Some(head))
        .map_err(|e| e.to_string());
    let gates = Step::STEPS
        .iter()
        .map(|s| (*s, gate::check(&proposal, *s, &ws.config.gates)))
        .collect();
    let (feedback, diffs) = match proposal.feedback.is_empty() || clash {
        // A clashing id mixes two files' histories; the pages say so instead.
        true => (Vec::new(), Vec::new()),
        false => {
            let known = |c: &str| authors.get(c).map(|(a, t, o)| ((*a).clone(), *t, *o));
            let revisions = super::diff::revisions_at(ws, head, id, known)?;
            let timeline = diff::feedback_timeline(&revisions);
            let diffs = feedback_diffs(&revisions, &timeline);
            (timeline, diffs)
        }
    };
    Ok(Page {
        findings: check::cross_check(&proposal, ledger, &ws.config.gates),
        events: ledger.of(id).cloned().collect(),
        gates,
        signoffs,
        feedback,
        diffs,
        rel,
        slug,
        proposal,
        clash,
    })
}

/// For each feedback entry answered in the history, the changes from the revision where it
/// was given to the one where it was first answered (from the revision before, when both
/// happened in one commit).
fn feedback_diffs(revisions: &[Revision], timeline: &[FeedbackEvent]) -> Vec<FeedbackDiff> {
    let mut out = Vec::new();
    let at = |commit: &str| revisions.iter().position(|r| r.commit == commit);
    for given in timeline.iter().filter(|e| e.kind == FeedbackKind::Given) {
        if out.iter().any(|d: &FeedbackDiff| d.id == given.id) {
            continue;
        }
        let Some(answered) = timeline
            .iter()
            .find(|e| e.id == given.id && matches!(e.kind, FeedbackKind::Answered { .. }))
        else {
            continue;
        };
        let (Some(g), Some(a)) = (at(&given.commit), at(&answered.commit)) else {
            continue;
        };
        let Some(new) = revisions[a].proposal.as_ref() else {
            continue;
        };
        let old = match g == a {
            true => revisions[..g].iter().rev().find(|r| r.proposal.is_some()),
            false => Some(&revisions[g]),
        };
        out.push(FeedbackDiff {
            id: given.id.clone(),
            from: old.map(|r| r.commit.clone()),
            to: answered.commit.clone(),
            changes: diff::diff(old.and_then(|r| r.proposal.as_deref()), new),
        });
    }
    out
}

/// The people the pages name, by email (case aside), in the order of their addresses.
pub fn people(pages: &[Page]) -> Vec<PersonPage> {
    let mut by_email: BTreeMap<String, PersonPage> = BTreeMap::new();
    let mut entry = |who: &Person| -> String {
        let key = who.email.to_ascii_lowercase();
        by_email.entry(key.clone()).or_insert_with(|| PersonPage {
            person: who.clone(),
            slug: String::new(),
            authored: Vec::new(),
            signed: Vec::new(),
            owed: Vec::new(),
            concerns: Vec::new(),
            feedback: Vec::new(),
        });
        key
    };
    let mut facts: Vec<(String, Fact)> = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        let p = &page.proposal;
        facts.push((entry(&p.author), Fact::Authored(i)));
        for s in &p.stakeholders {
            entry(&s.who);
        }
        for f in &p.feedback {
            let answered = f.answer != crate::model::proposal::Answer::Open;
            facts.push((entry(&f.from), Fact::Feedback(i, f.id.clone(), answered)));
        }
        let Ok(m) = &page.signoffs else { continue };
        for c in &m.concerns {
            let fact = Fact::Concern(i, c.name.clone(), c.resolved.is_none());
            facts.push((entry(&c.raised_by), fact));
        }
        for row in m.rows.iter().filter(|r| !r.is_author) {
            let key = entry(&row.who);
            match &row.standing {
                Standing::Signed {
                    commit,
                    time,
                    changed_by,
                    ..
                } => {
                    let fact = Fact::Signed(i, commit.clone(), *time, changed_by.is_none());
                    facts.push((key.clone(), fact));
                    if changed_by.is_some() && !p.step.is_ending() {
                        let why = crate::model::signoff::why_not(&row.standing);
                        facts.push((key, Fact::Owed(i, format!("renew: {why}"))));
                    }
                }
                standing if p.step == Step::Socialize || p.step == Step::Implement => {
                    let need = match row.required {
                        true => "a required sign-off",
                        false => "a sign-off",
                    };
                    let why = crate::model::signoff::why_not(standing);
                    facts.push((key, Fact::Owed(i, format!("{need} ({why})"))));
                }
                _ => {}
            }
        }
    }
    for (key, fact) in facts {
        let Some(page) = by_email.get_mut(&key) else {
            continue;
        };
        match fact {
            Fact::Authored(i) => page.authored.push(i),
            Fact::Signed(i, c, t, current) => page.signed.push((i, c, t, current)),
            Fact::Owed(i, what) => page.owed.push((i, what)),
            Fact::Concern(i, name, open) => page.concerns.push((i, name, open)),
            Fact::Feedback(i, f, answered) => page.feedback.push((i, f, answered)),
        }
    }
    let mut taken: HashMap<String, usize> = HashMap::new();
    let mut out: Vec<PersonPage> = by_email.into_values().collect();
    for page in &mut out {
        let base = slug_of(&page.person.email);
        let n = taken.entry(base.clone()).or_default();
        *n += 1;
        page.slug = match *n {
            1 => base,
            n => format!("{base}-{n}"),
        };
    }
    out
}

enum Fact {
    Authored(usize),
    Signed(usize, String, i64, bool),
    Owed(usize, String),
    Concern(usize, String, bool),
    Feedback(usize, String, bool),
}

/// A file name for an address: lower-case letters, digits and dashes.
fn slug_of(email: &str) -> String {
    let mut out = String::new();
    for c in email.chars().flat_map(char::to_lowercase) {
        match c {
            'a'..='z' | '0'..='9' => out.push(c),
            _ if !out.ends_with('-') => out.push('-'),
            _ => {}
        }
    }
    let out = out.trim_matches('-').to_string();
    match out.is_empty() {
        true => "someone".into(),
        false => out,
    }
}

/// The web address of a repository from a remote URL a browser can follow: `https://`
/// (without credentials), or an `ssh://` or `git@host:path` address of a host that also
/// serves the web. `None` for a local path or anything else.
pub fn forge_of(url: &str) -> Option<String> {
    let url = url.trim();
    let (host, path) = if let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    {
        let (authority, path) = rest.split_once('/')?;
        let host = authority.rsplit('@').next()?;
        (host.to_string(), path)
    } else if let Some(rest) = url.strip_prefix("ssh://") {
        let (authority, path) = rest.split_once('/')?;
        let host = authority.rsplit('@').next()?;
        // A port is the ssh daemon's, not the web server's.
        let host = host.split(':').next()?;
        (host.to_string(), path)
    } else if let Some((user_host, path)) = url.split_once(':') {
        // scp-like `git@github.com:owner/repo.git`; not `C:\...` or `/path`.
        let host = user_host.rsplit('@').next()?;
        if !user_host.contains('@') || host.is_empty() || path.starts_with('/') {
            return None;
        }
        (host.to_string(), path)
    } else {
        return None;
    };
    let path = path.trim_end_matches('/').trim_end_matches(".git");
    let valid = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._~/".contains(c))
    };
    (valid(&host) && valid(path) && !path.contains("..")).then(|| format!("https://{host}/{path}"))
}

/// The name of the manifest the board keeps in its output folder.
pub const MANIFEST: &str = ".lead-board";

/// The first line of a manifest.
const MANIFEST_HEADER: &str = "# git lead board: the files it wrote here; do not edit";

/// The pages of a site, by path inside the output folder (`/`-separated), and the key of
/// what they were built from.
pub struct Site {
    pub key: String,
    pub files: Vec<(String, Vec<u8>)>,
}

/// What the manifest of an output folder says.
#[derive(Debug, Default)]
pub struct Manifest {
    pub key: String,
    /// Files the board wrote, with the hash of what it wrote.
    pub files: BTreeMap<String, u64>,
}

/// What writing a site did.
#[derive(Debug, Default)]
pub struct Written {
    /// Files written (new or changed), left as they were, and removed.
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
    /// Files the board wrote earlier and would remove, left because they were changed since.
    pub kept: Vec<String>,
}

/// The key of what a site is built from: the commit, the settings, who is who, the link
/// target and the version of git lead. Two runs with the same key write the same files.
pub fn key(ws: &Workspace, base_url: Option<&str>) -> Result<String> {
    let head = ws.repo.head_id()?.unwrap_or_default();
    let mut h = Fnv::default();
    h.write(format!("{:?}", ws.config).as_bytes());
    h.write(&ws.repo.mailmap_sources()?);
    if !ws.config.signoff.allowed_signers.is_empty() {
        let path = ws.abs(&ws.config.signoff.allowed_signers);
        h.write(&std::fs::read(path).unwrap_or_default());
    }
    h.write(base_url.unwrap_or("").as_bytes());
    h.write(
        ws.repo
            .config_string("remote.origin.url")?
            .unwrap_or_default()
            .as_bytes(),
    );
    Ok(format!(
        "{} {head} {:016x}",
        env!("CARGO_PKG_VERSION"),
        h.finish()
    ))
}

/// Reads the manifest of `dir`, and refuses a folder that holds files the board did not
/// write, unless `force`. A folder that does not exist yet is fine.
pub fn prepare(dir: &Path, force: bool) -> Result<Manifest> {
    match std::fs::metadata(dir) {
        Ok(m) if !m.is_dir() => {
            return Err(Error::state(format!(
                "{} is a file, not a folder; name another output folder with -o",
                dir.display()
            )))
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Manifest::default()),
        Err(e) => return Err(Error::io(dir, e)),
    }
    let manifest = read_manifest(dir)?;
    if force {
        return Ok(manifest);
    }
    let mut others = Vec::new();
    walk(dir, dir, &mut others)?;
    others.retain(|f| f != MANIFEST && !manifest.files.contains_key(f));
    if others.is_empty() {
        return Ok(manifest);
    }
    others.sort();
    let shown: Vec<&str> = others.iter().take(3).map(String::as_str).collect();
    let more = match others.len() {
        n @ 4.. => format!(" and {} more", n - 3),
        _ => String::new(),
    };
    Err(Error::state(format!(
        "{} holds files the board did not write ({}{more}); name an empty or new folder \
         with -o, or pass --force to write beside them (they are never removed)",
        dir.display(),
        shown.join(", ")
    )))
}

fn read_manifest(dir: &Path) -> Result<Manifest> {
    let path = dir.join(MANIFEST);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Manifest::default()),
        Err(e) => return Err(Error::io(path, e)),
    };
    let mut manifest = Manifest::default();
    for line in text.lines() {
        if let Some(key) = line.strip_prefix("key ") {
            manifest.key = key.to_string();
        } else if let Some((hash, file)) = line.split_once(' ') {
            let safe = !file.is_empty()
                && !file.starts_with('/')
                && file.split('/').all(|c| !c.is_empty() && c != "..");
            if let (Ok(hash), true) = (u64::from_str_radix(hash, 16), safe) {
                manifest.files.insert(file.to_string(), hash);
            }
        }
    }
    Ok(manifest)
}

/// Every file under `dir`, as paths relative to `top`.
fn walk(top: &Path, dir: &Path, out: &mut Vec<String>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        let kind = entry.file_type().map_err(|e| Error::io(&path, e))?;
        if kind.is_dir() {
            walk(top, &path, out)?;
        } else {
            let rel = path.strip_prefix(top).unwrap_or(&path);
            let rel: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            out.push(rel.join("/"));
        }
    }
    Ok(())
}

/// Whether every file the manifest names is there with the content it wrote, and the
/// manifest is of `key`: then the folder holds what building again would write.
pub fn up_to_date(dir: &Path, manifest: &Manifest, key: &str) -> bool {
    !manifest.files.is_empty()
        && manifest.key == key
        && manifest
            .files
            .iter()
            .all(|(file, hash)| hash_file(&dir.join(file)) == Some(*hash))
}

fn hash_file(path: &Path) -> Option<u64> {
    std::fs::read(path).ok().map(|b| hash(&b))
}

/// The hash of a file's content in the manifest (64-bit FNV-1a: stable across builds).
pub fn hash(bytes: &[u8]) -> u64 {
    let mut h = Fnv::default();
    h.write(bytes);
    h.finish()
}

struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
        // A separator, so that ("ab", "c") and ("a", "bc") differ.
        self.0 = self.0.rotate_left(5) ^ 0xff;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl Site {
    /// Writes the site into `dir`: each file whose content differs from what is there
    /// (through a temporary file and a rename), then the manifest; removes the files an
    /// earlier run wrote that this one does not, unless they were changed since.
    pub fn write(&self, dir: &Path, old: &Manifest) -> Result<Written> {
        let mut done = Written::default();
        let mut manifest = format!("{MANIFEST_HEADER}\nkey {}\n", self.key);
        let mut new: BTreeMap<&str, u64> = BTreeMap::new();
        for (file, content) in &self.files {
            let h = hash(content);
            new.insert(file, h);
            let path = dir.join(file);
            let same = old.files.get(file.as_str()) == Some(&h) && hash_file(&path) == Some(h);
            if same {
                done.unchanged += 1;
            } else {
                worktree::write_replacing(&path, content)?;
                done.written += 1;
            }
        }
        for (file, h) in &new {
            manifest.push_str(&format!("{h:016x} {file}\n"));
        }
        for (file, h) in &old.files {
            if new.contains_key(file.as_str()) {
                continue;
            }
            let path: PathBuf = dir.join(file);
            match hash_file(&path) {
                Some(now) if now == *h => {
                    std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
                    done.removed += 1;
                    remove_empty_parents(dir, &path);
                }
                Some(_) => done.kept.push(file.clone()),
                None => {}
            }
        }
        worktree::write_atomic(&dir.join(MANIFEST), manifest.as_bytes())?;
        Ok(done)
    }
}

/// Removes the folders between `path` and `top` that are left empty.
fn remove_empty_parents(top: &Path, path: &Path) {
    let mut dir = path.parent();
    while let Some(d) = dir {
        if d == top || std::fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forges_are_web_addresses_of_remotes() {
        let cases = [
            ("https://github.com/o/r.git", Some("https://github.com/o/r")),
            (
                "https://user:token@gitlab.com/g/s/r",
                Some("https://gitlab.com/g/s/r"),
            ),
            ("git@github.com:o/r.git", Some("https://github.com/o/r")),
            (
                "ssh://git@host.example:2222/o/r.git",
                Some("https://host.example/o/r"),
            ),
            ("/srv/git/r.git", None),
            ("file:///srv/r", None),
            ("../r", None),
            ("https://evil.example/a\"onmouseover=x", None),
        ];
        for (url, want) in cases {
            assert_eq!(forge_of(url).as_deref(), want, "{url}");
        }
    }

    #[test]
    fn slugs_are_safe_file_names() {
        assert_eq!(slug_of("Ada.L@Example.com"), "ada-l-example-com");
        assert_eq!(slug_of("<>"), "someone");
        assert_eq!(slug_of("../../etc"), "etc");
    }

    #[test]
    fn hashes_tell_contents_apart() {
        assert_ne!(hash(b"a"), hash(b"b"));
        assert_eq!(hash(b"page"), hash(b"page"));
    }
}

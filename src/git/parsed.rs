//! Parsed proposals, kept under `.git/lead/proposals` by blob id for the next run.
//!
//! Reading a proposal's TOML costs about 60 µs, and `list` and `check` read every proposal
//! on every run. A blob never changes, so what it parses to stays true: this store keeps the
//! parsed proposal of every blob a run read, in a compact binary form that decodes many
//! times faster, under the blob's id (the id git gives the file's bytes, so a file in the
//! working tree and the same file in a commit share it).
//!
//! Like the history cache it is never authoritative: a file that is unreadable, fails its
//! checksum or was written by another version is ignored, an entry that does not decode is
//! parsed again, and only proposals that parse are kept (an error is always read anew, so
//! its message is the parser's own). `lead.cache=false` turns it off with the history cache.
//!
//! It also keeps which blob a file name has in a folder tree, for the same reason: a
//! sign-off approves the file as it was in its commit, and reading a folder tree of
//! thousands of proposals for each of thousands of sign-offs was most of a warm `check`.
//! And the line of a field in a blob, where `check` placed a finding: finding it means
//! reading the blob and parsing it again, with spans.
//!
//! And, as git's index does, the blob of each working-tree file a run read, with the
//! file's size, times, inode and device: a file whose status is unchanged is not read and
//! hashed again. A file changed within two seconds of being read is not kept (a change in
//! the same tick of the clock could leave its status as it was), and every change since
//! moves its change time (`ctime`), which no one can set back.
//!
//! # Layout
//!
//! Little-endian: magic, format number, the version that wrote it, the number of proposals,
//! then each (blob id, length, the encoded proposal), the number of tree entries, then each
//! (tree id, name, 1 and the blob id, or 0 when the tree has no such file), the number of
//! field lines, then each (blob id, field, 1 and the line, or 0 when the field is not
//! there), the number of files, then each (path, status, blob id), then a checksum of all
//! before.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use crate::model::person::Person;
use crate::model::proposal::{
    Answer, Closing, Critique, Feedback, Idea, ParseError, Problem, Proposal, Stakeholder, Verdict,
};
use crate::model::step::Step;

use super::cache::{checksum, put_str, write_atomically, Reader};

const MAGIC: &[u8] = b"git-lead proposals\n";
const FORMAT: u32 = 4;

/// How many new proposals make writing the store worth it, when it holds some already.
const WORTH_WRITING: usize = 32;

/// How many proposals a store keeps at least; more when one run reads more than half of it.
const KEEP: usize = 4096;

/// How many tree entries a store keeps at most.
const KEEP_NAMES: usize = 1 << 16;

/// How many working-tree files a store keeps at most: those this run read first, then
/// those of other worktrees and earlier runs (a moved checkout leaves its old paths).
const KEEP_FILES: usize = 1 << 14;

type BlobId = [u8; 20];

/// A file name in a tree: the tree's id and the name; or a field in a blob.
type NameIn = (BlobId, String);

/// The parsed proposals of earlier runs, and those this run adds. The file is read when
/// first needed, by whichever thread needs it first: a command that reads the working tree
/// while it walks the history reads the store on the reading thread.
#[derive(Default)]
pub struct ProposalStore {
    /// Where it is kept; `None` when the cache is off.
    path: Option<PathBuf>,
    kept: OnceLock<Kept>,
    /// What this run parsed, and which kept entries it used: the next file keeps those
    /// first.
    fresh: Mutex<Vec<(BlobId, Vec<u8>)>>,
    used: Mutex<HashSet<BlobId>>,
    fresh_names: Mutex<Vec<(NameIn, Option<BlobId>)>>,
    fresh_lines: Mutex<Vec<(NameIn, Option<u32>)>>,
    fresh_files: Mutex<Vec<(String, (FileStatus, BlobId))>>,
}

/// What earlier runs kept, as read from the file.
#[derive(Default)]
struct Kept {
    bytes: Vec<u8>,
    /// Where each proposal's encoding is in `bytes`, by blob id.
    index: HashMap<BlobId, (usize, usize)>,
    /// The blob of a name in a folder tree (`None`: no such file).
    names: HashMap<NameIn, Option<BlobId>>,
    /// The line of a field in a blob (`None`: not there).
    lines: HashMap<NameIn, Option<u32>>,
    /// The blob of a working-tree file (by path) with the status it had.
    files: HashMap<String, (FileStatus, BlobId)>,
}

/// What a working-tree file's status says of its content: size, modification and change
/// times (seconds and nanoseconds), inode and device. Equal statuses mean the same content
/// unless the file changed in the tick of the clock it was read in (see [`FileStatus::settled`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStatus([u64; 7]);

impl FileStatus {
    /// The status of the file at `path`; `None` where it cannot be had (or off Unix).
    pub fn of(path: &Path) -> Option<FileStatus> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let m = std::fs::metadata(path).ok()?;
            Some(FileStatus([
                m.size(),
                m.mtime() as u64,
                m.mtime_nsec() as u64,
                m.ctime() as u64,
                m.ctime_nsec() as u64,
                m.ino(),
                m.dev(),
            ]))
        }
        #[cfg(not(unix))]
        {
            let _ = path;
            None
        }
    }

    /// Whether the file last changed two seconds or more before `now` (seconds since the
    /// epoch): any later change then gives it another change time.
    fn settled(&self, now: u64) -> bool {
        self.0[3].saturating_add(2) <= now
    }
}

impl ProposalStore {
    /// The store kept in the common git folder `common_dir`; a store that keeps nothing
    /// when `keep` is false.
    pub(super) fn open(common_dir: &Path, keep: bool) -> ProposalStore {
        ProposalStore {
            path: keep.then(|| common_dir.join("lead").join("proposals")),
            ..ProposalStore::default()
        }
    }

    /// What earlier runs kept: the file, read the first time (nothing when the cache is off
    /// or the file is missing, damaged or of another version).
    fn kept(&self) -> &Kept {
        self.kept.get_or_init(|| {
            self.path
                .as_ref()
                .and_then(|path| std::fs::read(path).ok())
                .and_then(Kept::from_bytes)
                .unwrap_or_default()
        })
    }
}

impl Kept {
    fn from_bytes(bytes: Vec<u8>) -> Option<Kept> {
        let mut r = Reader::sealed(&bytes, MAGIC, FORMAT)?;
        let body = r.bytes.len();
        let count = r.u32()? as usize;
        let mut index = HashMap::with_capacity(count.min(1 << 16));
        for _ in 0..count {
            let id: BlobId = r.take(20)?.try_into().ok()?;
            let len = r.u32()? as usize;
            let at = r.at;
            r.take(len)?;
            index.insert(id, (at, len));
        }
        let count = r.u32()? as usize;
        let mut names = HashMap::with_capacity(count.min(KEEP_NAMES));
        for _ in 0..count {
            let tree: BlobId = r.take(20)?.try_into().ok()?;
            let name = r.str()?;
            let blob = match r.u8()? {
                0 => None,
                1 => Some(r.take(20)?.try_into().ok()?),
                _ => return None,
            };
            names.insert((tree, name), blob);
        }
        let count = r.u32()? as usize;
        let mut lines = HashMap::with_capacity(count.min(KEEP_NAMES));
        for _ in 0..count {
            let blob: BlobId = r.take(20)?.try_into().ok()?;
            let field = r.str()?;
            let line = match r.u8()? {
                0 => None,
                1 => Some(r.u32()?),
                _ => return None,
            };
            lines.insert((blob, field), line);
        }
        let count = r.u32()? as usize;
        let mut files = HashMap::with_capacity(count.min(KEEP_NAMES));
        for _ in 0..count {
            let path = r.str()?;
            let mut status = [0u64; 7];
            for v in &mut status {
                *v = r.u64()?;
            }
            let blob: BlobId = r.take(20)?.try_into().ok()?;
            files.insert(path, (FileStatus(status), blob));
        }
        if r.at != body {
            return None;
        }
        Some(Kept {
            bytes,
            index,
            names,
            lines,
            files,
        })
    }
}

impl ProposalStore {
    /// The blob of file `name` in tree `tree`, if a run kept it: `Some(None)` when the
    /// tree has no such file.
    pub(super) fn name_in(&self, tree: git2::Oid, name: &str) -> Option<Option<git2::Oid>> {
        let tree: BlobId = tree.as_bytes().try_into().ok()?;
        let blob = self.kept().names.get(&(tree, name.to_string()))?;
        Some(blob.and_then(|b| git2::Oid::from_bytes(&b).ok()))
    }

    /// Keeps what [`ProposalStore::name_in`] did not know.
    pub(super) fn remember_name(&self, tree: git2::Oid, name: &str, blob: Option<git2::Oid>) {
        let (Some(_), Ok(tree)) = (&self.path, tree.as_bytes().try_into()) else {
            return;
        };
        let blob = blob.and_then(|b| b.as_bytes().try_into().ok());
        if let Ok(mut fresh) = self.fresh_names.lock() {
            fresh.push(((tree, name.to_string()), blob));
        }
    }

    /// The line of `field` in blob `blob` (hex), if a run kept it: `Some(None)` when the
    /// field is not there.
    pub fn line_in(&self, blob: &str, field: &str) -> Option<Option<usize>> {
        let line = self
            .kept()
            .lines
            .get(&(blob_bytes(blob)?, field.to_string()))?;
        Some(line.map(|l| l as usize))
    }

    /// Keeps what [`ProposalStore::line_in`] did not know.
    pub fn remember_line(&self, blob: &str, field: &str, line: Option<usize>) {
        let (Some(_), Some(blob)) = (&self.path, blob_bytes(blob)) else {
            return;
        };
        let line = line.and_then(|l| u32::try_from(l).ok());
        if let Ok(mut fresh) = self.fresh_lines.lock() {
            fresh.push(((blob, field.to_string()), line));
        }
    }

    /// The proposal blob `blob` (hex) parses to, if a run kept it.
    pub fn get(&self, blob: &str) -> Option<Proposal> {
        self.lookup(&blob_bytes(blob)?)
    }

    /// Whether a run kept the proposal blob `blob` (hex) parses to (nothing decoded).
    pub fn holds(&self, blob: &str) -> bool {
        blob_bytes(blob).is_some_and(|id| self.kept().index.contains_key(&id))
    }

    fn lookup(&self, id: &BlobId) -> Option<Proposal> {
        let kept = self.kept();
        let &(at, len) = kept.index.get(id)?;
        let proposal = decode(kept.bytes.get(at..at + len)?)?;
        if let Ok(mut used) = self.used.lock() {
            used.insert(*id);
        }
        Some(proposal)
    }

    /// `text` parsed as a proposal: from the store when it holds these bytes, else parsed
    /// and kept for the next run.
    pub fn parse(&self, text: &str) -> Result<Proposal, ParseError> {
        let id = blob_id(text.as_bytes());
        self.parse_blob(id, text)
    }

    /// The proposal in the working-tree file at `path` without reading it, when a run
    /// kept the file's blob with the status the file still has. Also gives the status,
    /// for [`ProposalStore::parse_file`].
    pub fn parsed_file(&self, path: &Path) -> (Option<Proposal>, Option<FileStatus>) {
        let (blob, status) = self.kept_blob(path);
        (blob.and_then(|b| self.lookup(&b)), status)
    }

    /// [`ProposalStore::parsed_file`], the proposal's id only (nothing else decoded).
    pub fn file_id(&self, path: &Path) -> (Option<u32>, Option<FileStatus>) {
        let (blob, status) = self.kept_blob(path);
        let id = blob.and_then(|b| {
            let kept = self.kept();
            let &(at, len) = kept.index.get(&b)?;
            encoded_id(kept.bytes.get(at..at + len)?)
        });
        (id, status)
    }

    /// The blob kept for the file at `path`, when its status is still the one kept with it;
    /// and the status.
    fn kept_blob(&self, path: &Path) -> (Option<BlobId>, Option<FileStatus>) {
        let status = match &self.path {
            Some(_) => FileStatus::of(path),
            None => None,
        };
        let blob = status
            .zip(path.to_str())
            .and_then(|(now, key)| self.kept().files.get(key).filter(|(was, _)| *was == now))
            .map(|(_, blob)| *blob);
        (blob, status)
    }

    /// [`ProposalStore::parse`] for the text of the working-tree file at `path`, read after
    /// its status was taken: keeps the file's blob with that status for the next run when
    /// it parses and the file had settled.
    pub fn parse_file(
        &self,
        path: &Path,
        status: Option<FileStatus>,
        text: &str,
    ) -> Result<Proposal, ParseError> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        self.parse_file_at(path, status, text, now)
    }

    /// [`ProposalStore::parse_file`] at time `now` (seconds since the epoch).
    fn parse_file_at(
        &self,
        path: &Path,
        status: Option<FileStatus>,
        text: &str,
        now: u64,
    ) -> Result<Proposal, ParseError> {
        let id = blob_id(text.as_bytes());
        let parsed = self.parse_blob(id, text)?;
        let settled = status.filter(|s| s.settled(now));
        if let (Some(status), Some(id), Some(key)) = (settled, id, path.to_str()) {
            let known = self.kept().files.get(key) == Some(&(status, id));
            if let (false, Ok(mut fresh)) = (known, self.fresh_files.lock()) {
                fresh.push((key.to_string(), (status, id)));
            }
        }
        Ok(parsed)
    }

    /// [`ProposalStore::parse`] for the text of blob `blob` (hex), read by the caller.
    pub fn parse_text_of(&self, blob: &str, text: &str) -> Result<Proposal, ParseError> {
        self.parse_blob(blob_bytes(blob), text)
    }

    fn parse_blob(&self, id: Option<BlobId>, text: &str) -> Result<Proposal, ParseError> {
        if let Some(p) = id.and_then(|id| self.lookup(&id)) {
            return Ok(p);
        }
        let parsed = Proposal::parse(text)?;
        if let (Some(id), Some(_), Ok(mut fresh)) = (id, &self.path, self.fresh.lock()) {
            fresh.push((id, encode(&parsed)));
        }
        Ok(parsed)
    }

    /// Writes the store when this run parsed enough that is new (see `WORTH_WRITING`):
    /// what it parsed, then what it used, then older entries up to `KEEP` (or twice what
    /// it read). Errors are ignored: the answers are out already.
    pub fn save(&self) {
        let Some(path) = &self.path else {
            return;
        };
        let (Ok(fresh), Ok(used), Ok(fresh_names), Ok(fresh_lines), Ok(fresh_files)) = (
            self.fresh.lock(),
            self.used.lock(),
            self.fresh_names.lock(),
            self.fresh_lines.lock(),
            self.fresh_files.lock(),
        ) else {
            return;
        };
        // A few new ones are read again next time sooner than the whole file is written.
        let new = fresh.len() + fresh_names.len() + fresh_lines.len() + fresh_files.len();
        if new == 0 {
            return;
        }
        let kept = self.kept();
        let empty = kept.index.is_empty()
            && kept.names.is_empty()
            && kept.lines.is_empty()
            && kept.files.is_empty();
        if new < WORTH_WRITING && !empty {
            return;
        }
        let limit = KEEP.max(2 * (fresh.len() + used.len()));
        let mut seen = HashSet::new();
        let entry = |id: &BlobId| {
            kept.index
                .get(id)
                .map(|&(at, len)| (*id, &kept.bytes[at..at + len]))
        };
        let mut others: Vec<(BlobId, &[u8])> = kept
            .index
            .keys()
            .filter(|id| !used.contains(*id))
            .filter_map(entry)
            .collect();
        // The file's own order: the entries written earlier were the more recent.
        others.sort_by_key(|(_, bytes)| bytes.as_ptr() as usize);
        let entries: Vec<(BlobId, &[u8])> = fresh
            .iter()
            .map(|(id, bytes)| (*id, bytes.as_slice()))
            .chain(used.iter().filter_map(entry))
            .chain(others)
            .filter(|(id, _)| seen.insert(*id))
            .take(limit)
            .collect();
        let mut body = Vec::new();
        body.extend_from_slice(MAGIC);
        body.extend_from_slice(&FORMAT.to_le_bytes());
        put_str(&mut body, env!("CARGO_PKG_VERSION"));
        body.extend_from_slice(&(entries.len() as u32).to_le_bytes());
        for (id, bytes) in entries {
            body.extend_from_slice(&id);
            body.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
            body.extend_from_slice(bytes);
        }
        put_table(
            &mut body,
            &fresh_names,
            &kept.names,
            KEEP_NAMES,
            |body, (tree, name), blob| {
                body.extend_from_slice(tree);
                put_str(body, name);
                match blob {
                    Some(b) => {
                        body.push(1);
                        body.extend_from_slice(b);
                    }
                    None => body.push(0),
                }
            },
        );
        put_table(
            &mut body,
            &fresh_lines,
            &kept.lines,
            KEEP_NAMES,
            |body, (blob, field), line| {
                body.extend_from_slice(blob);
                put_str(body, field);
                match line {
                    Some(l) => {
                        body.push(1);
                        body.extend_from_slice(&l.to_le_bytes());
                    }
                    None => body.push(0),
                }
            },
        );
        put_table(
            &mut body,
            &fresh_files,
            &kept.files,
            KEEP_FILES,
            |body, path, (status, blob)| {
                put_str(body, path);
                for v in status.0 {
                    body.extend_from_slice(&v.to_le_bytes());
                }
                body.extend_from_slice(blob);
            },
        );
        let sum = checksum(&body);
        let _ = write_atomically(path, |out| {
            use std::io::Write;
            out.write_all(&body)?;
            out.write_all(&sum.to_le_bytes())
        });
    }
}

/// Writes a table of the store: its length, then this run's rows first and the kept ones
/// after, each key once, up to `limit` rows.
fn put_table<K: Eq + std::hash::Hash, V>(
    body: &mut Vec<u8>,
    fresh: &[(K, V)],
    kept: &HashMap<K, V>,
    limit: usize,
    put: impl Fn(&mut Vec<u8>, &K, &V),
) {
    let mut seen = HashSet::new();
    let rows: Vec<(&K, &V)> = fresh
        .iter()
        .map(|(key, value)| (key, value))
        .chain(kept)
        .filter(|(key, _)| seen.insert(*key))
        .take(limit)
        .collect();
    body.extend_from_slice(&(rows.len() as u32).to_le_bytes());
    for (key, value) in rows {
        put(body, key, value);
    }
}

/// The id git gives a blob with these bytes.
fn blob_id(bytes: &[u8]) -> Option<BlobId> {
    let id = git2::Oid::hash_object(git2::ObjectType::Blob, bytes).ok()?;
    id.as_bytes().try_into().ok()
}

fn blob_bytes(hex: &str) -> Option<BlobId> {
    git2::Oid::from_str(hex).ok()?.as_bytes().try_into().ok()
}

/// The compact form of a proposal. Every field is written, in the order of the structs
/// (destructured whole, so that a new field does not compile until it is written here).
pub(crate) fn encode(p: &Proposal) -> Vec<u8> {
    let Proposal {
        id,
        title,
        author,
        created,
        area,
        step,
        problem: Problem {
            statement,
            affected,
        },
        ideas,
        objections,
        critiques,
        chosen,
        why,
        stakeholders,
        feedback,
        plan,
        closing: Closing {
            reason,
            superseded_by,
        },
    } = p;
    let mut w = Writer(Vec::with_capacity(1024));
    w.u32(*id);
    w.str(title);
    w.person(author);
    w.str(created);
    w.str(area);
    w.u32(Step::ALL.iter().position(|s| s == step).unwrap_or(0) as u32);
    w.str(statement);
    w.str(affected);
    w.u32(ideas.len() as u32);
    for Idea { id, summary } in ideas {
        w.str(id);
        w.str(summary);
    }
    w.u32(objections.len() as u32);
    for o in objections {
        w.str(o);
    }
    w.u32(critiques.len() as u32);
    for Critique {
        idea,
        verdict,
        reason,
    } in critiques
    {
        w.str(idea);
        w.u32(match verdict {
            None => 0,
            Some(Verdict::RootCause) => 1,
            Some(Verdict::BandAid) => 2,
        });
        w.str(reason);
    }
    w.str(chosen);
    w.str(why);
    w.u32(stakeholders.len() as u32);
    for Stakeholder {
        key,
        who,
        role,
        perspective,
        required,
        pain,
        pitch,
    } in stakeholders
    {
        w.str(key);
        w.person(who);
        w.str(role);
        w.str(perspective);
        w.u32(u32::from(*required));
        w.str(pain);
        w.str(pitch);
    }
    w.u32(feedback.len() as u32);
    for Feedback {
        id,
        from,
        date,
        text,
        answer,
    } in feedback
    {
        w.str(id);
        w.person(from);
        w.str(date);
        w.str(text);
        match answer {
            Answer::Open => w.u32(0),
            Answer::Incorporated(a) => {
                w.u32(1);
                w.str(a);
            }
            Answer::Declined(a) => {
                w.u32(2);
                w.str(a);
            }
        }
    }
    w.str(plan);
    w.str(reason);
    match superseded_by {
        None => w.u32(0),
        Some(n) => {
            w.u32(1);
            w.u32(*n);
        }
    }
    w.0
}

/// The id of an encoded proposal, without decoding the rest: [`encode`] writes it first.
fn encoded_id(bytes: &[u8]) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(..4)?.try_into().ok()?))
}

/// The proposal [`encode`] wrote; `None` for anything else.
pub(crate) fn decode(bytes: &[u8]) -> Option<Proposal> {
    let mut r = Reader { bytes, at: 0 };
    let person = |r: &mut Reader<'_>| -> Option<Person> { Some(Person::new(r.str()?, r.str()?)) };
    // Each element takes at least four bytes: a count beyond that is not from `encode`.
    let count = |r: &mut Reader<'_>| -> Option<usize> {
        let n = r.u32()? as usize;
        (n <= r.bytes.len().saturating_sub(r.at) / 4).then_some(n)
    };
    let id = r.u32()?;
    let title = r.str()?;
    let author = person(&mut r)?;
    let created = r.str()?;
    let area = r.str()?;
    let step = *Step::ALL.get(r.u32()? as usize)?;
    let problem = Problem {
        statement: r.str()?,
        affected: r.str()?,
    };
    let ideas = (0..count(&mut r)?)
        .map(|_| {
            Some(Idea {
                id: r.str()?,
                summary: r.str()?,
            })
        })
        .collect::<Option<_>>()?;
    let objections = (0..count(&mut r)?)
        .map(|_| r.str())
        .collect::<Option<_>>()?;
    let critiques = (0..count(&mut r)?)
        .map(|_| {
            Some(Critique {
                idea: r.str()?,
                verdict: match r.u32()? {
                    0 => None,
                    1 => Some(Verdict::RootCause),
                    2 => Some(Verdict::BandAid),
                    _ => return None,
                },
                reason: r.str()?,
            })
        })
        .collect::<Option<_>>()?;
    let chosen = r.str()?;
    let why = r.str()?;
    let stakeholders = (0..count(&mut r)?)
        .map(|_| {
            Some(Stakeholder {
                key: r.str()?,
                who: person(&mut r)?,
                role: r.str()?,
                perspective: r.str()?,
                required: match r.u32()? {
                    0 => false,
                    1 => true,
                    _ => return None,
                },
                pain: r.str()?,
                pitch: r.str()?,
            })
        })
        .collect::<Option<_>>()?;
    let feedback = (0..count(&mut r)?)
        .map(|_| {
            Some(Feedback {
                id: r.str()?,
                from: person(&mut r)?,
                date: r.str()?,
                text: r.str()?,
                answer: match r.u32()? {
                    0 => Answer::Open,
                    1 => Answer::Incorporated(r.str()?),
                    2 => Answer::Declined(r.str()?),
                    _ => return None,
                },
            })
        })
        .collect::<Option<_>>()?;
    let plan = r.str()?;
    let closing = Closing {
        reason: r.str()?,
        superseded_by: match r.u32()? {
            0 => None,
            1 => Some(r.u32()?),
            _ => return None,
        },
    };
    (r.at == bytes.len()).then_some(Proposal {
        id,
        title,
        author,
        created,
        area,
        step,
        problem,
        ideas,
        objections,
        critiques,
        chosen,
        why,
        stakeholders,
        feedback,
        plan,
        closing,
    })
}

struct Writer(Vec<u8>);

impl Writer {
    fn u32(&mut self, n: u32) {
        self.0.extend_from_slice(&n.to_le_bytes());
    }

    fn str(&mut self, s: &str) {
        put_str(&mut self.0, s);
    }

    fn person(&mut self, p: &Person) {
        self.str(&p.name);
        self.str(&p.email);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const EXAMPLES: [&str; 2] = [
        include_str!("../../docs/examples/0001-release-notes-are-written-the-night-before-a.toml"),
        include_str!("../../docs/examples/0002-new-contributors-wait-days-for-their-first.toml"),
    ];

    /// The examples, and variants with every kind of value the format has.
    fn proposals() -> Vec<Proposal> {
        let mut out: Vec<Proposal> = EXAMPLES
            .iter()
            .map(|t| Proposal::parse(t).unwrap())
            .collect();
        let mut odd = out[0].clone();
        odd.step = Step::Superseded;
        odd.closing = Closing {
            reason: "Folded into another".into(),
            superseded_by: Some(7),
        };
        odd.critiques[0].verdict = None;
        odd.stakeholders[0].required = false;
        odd.title = "Ünïcode — and \"quotes\"".into();
        odd.objections = vec![String::new(), "Two".into()];
        let mut answers = odd.feedback[0].clone();
        answers.answer = Answer::Declined("Not now".into());
        odd.feedback.push(answers.clone());
        answers.answer = Answer::Open;
        odd.feedback.push(answers);
        out.push(odd);
        let mut empty = out[1].clone();
        empty.ideas.clear();
        empty.critiques.clear();
        empty.stakeholders.clear();
        empty.feedback.clear();
        empty.objections.clear();
        out.push(empty);
        out
    }

    #[test]
    fn every_proposal_decodes_to_itself() {
        for p in proposals() {
            assert_eq!(encoded_id(&encode(&p)), Some(p.id));
            assert_eq!(decode(&encode(&p)), Some(p));
        }
    }

    #[test]
    fn a_damaged_encoding_is_refused_or_read_without_panicking() {
        for p in proposals() {
            let bytes = encode(&p);
            for cut in 0..bytes.len() {
                assert_eq!(decode(&bytes[..cut]), None, "cut at {cut}");
            }
            let mut longer = bytes.clone();
            longer.push(0);
            assert_eq!(decode(&longer), None);
            // Any byte changed any way: some other proposal, or none, never a panic.
            for at in 0..bytes.len() {
                for flip in [0x01, 0x80, 0xff] {
                    let mut bad = bytes.clone();
                    bad[at] ^= flip;
                    let _ = decode(&bad);
                }
            }
        }
    }

    #[test]
    fn a_table_keeps_this_runs_rows_first_each_key_once_up_to_its_limit() {
        let fresh = vec![(3u32, 30u32), (1, 11)];
        let kept: HashMap<u32, u32> = [(1, 10), (2, 20), (4, 40)].into_iter().collect();
        let rows = |limit: usize| {
            let mut body = Vec::new();
            put_table(&mut body, &fresh, &kept, limit, |body, k, v| {
                body.push(*k as u8);
                body.push(*v as u8);
            });
            let mut r = Reader {
                bytes: &body,
                at: 0,
            };
            let n = r.u32().unwrap() as usize;
            let mut out: Vec<(u8, u8)> =
                (0..n).map(|_| (r.u8().unwrap(), r.u8().unwrap())).collect();
            // The kept rows come in the map's order.
            out[2..].sort_unstable();
            out
        };
        assert_eq!(rows(10), [(3, 30), (1, 11), (2, 20), (4, 40)]);
        assert_eq!(rows(2), [(3, 30), (1, 11)]);
    }

    #[cfg(unix)]
    #[test]
    fn a_file_is_known_by_its_status_until_it_changes() {
        let dir = std::env::temp_dir().join(format!("git-lead-status-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("0001-a.toml");
        let later = |status: Option<FileStatus>| status.unwrap().0[3] + 60;
        std::fs::write(&file, EXAMPLES[0]).unwrap();
        let status = FileStatus::of(&file);
        // Just written: not kept, as a change in the same tick could keep its status.
        let store = ProposalStore::open(&dir, true);
        assert_eq!(store.parsed_file(&file).0, None);
        let now = status.unwrap().0[3];
        store
            .parse_file_at(&file, status, EXAMPLES[0], now)
            .unwrap();
        assert!(store.fresh_files.lock().unwrap().is_empty());
        // Settled: kept, and the next run knows the file without reading it.
        store
            .parse_file_at(&file, status, EXAMPLES[0], later(status))
            .unwrap();
        store.save();
        let store = ProposalStore::open(&dir, true);
        assert_eq!(
            store.parsed_file(&file),
            (Proposal::parse(EXAMPLES[0]).ok(), status)
        );
        // The same size and modification time, other content: the change time tells.
        let mtime = std::fs::metadata(&file).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(50));
        let edited = EXAMPLES[0]
            .replacen("title = \"", "title = \"X", 1)
            .replacen(' ', "", 1);
        assert_eq!(edited.len(), EXAMPLES[0].len());
        std::fs::write(&file, &edited).unwrap();
        let f = std::fs::File::options().write(true).open(&file).unwrap();
        f.set_modified(mtime).unwrap();
        drop(f);
        assert_eq!(std::fs::metadata(&file).unwrap().modified().unwrap(), mtime);
        let (kept, now) = store.parsed_file(&file);
        assert_eq!(kept, None);
        assert_ne!(now, status);
        // Off: no status is taken or kept.
        let off = ProposalStore::open(&dir, false);
        assert_eq!(off.parsed_file(&file), (None, None));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_store_keeps_what_parsed_and_ignores_a_damaged_file() {
        let dir = std::env::temp_dir().join(format!("git-lead-parsed-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let store = ProposalStore::open(&dir, true);
        assert_eq!(store.parse(EXAMPLES[0]), Proposal::parse(EXAMPLES[0]));
        assert!(store.parse("not = [toml").is_err());
        store.save();
        let file = dir.join("lead").join("proposals");
        let store = ProposalStore::open(&dir, true);
        assert_eq!(store.kept().index.len(), 1, "only what parsed is kept");
        let id = blob_id(EXAMPLES[0].as_bytes()).unwrap();
        let hex = git2::Oid::from_bytes(&id).unwrap().to_string();
        assert_eq!(store.get(&hex), Proposal::parse(EXAMPLES[0]).ok());
        // Nothing new: nothing written.
        std::fs::remove_file(&file).unwrap();
        store.save();
        assert!(!file.exists());
        // A flipped byte fails the checksum: an empty store.
        let store = ProposalStore::open(&dir, true);
        store.parse(EXAMPLES[1]).unwrap();
        store.save();
        let mut bytes = std::fs::read(&file).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x10;
        std::fs::write(&file, &bytes).unwrap();
        assert!(ProposalStore::open(&dir, true).kept().index.is_empty());
        // With a store in place, a few new proposals are not worth a write; more are.
        let store = ProposalStore::open(&dir, true);
        store.parse(EXAMPLES[0]).unwrap();
        store.save();
        let before = std::fs::read(&file).unwrap();
        let variant = |n: usize| EXAMPLES[1].replacen("title = \"", &format!("title = \"{n} "), 1);
        let store = ProposalStore::open(&dir, true);
        store.parse(&variant(0)).unwrap();
        store.save();
        assert_eq!(
            std::fs::read(&file).unwrap(),
            before,
            "written for one new proposal"
        );
        for n in 0..WORTH_WRITING {
            store.parse(&variant(n)).unwrap();
        }
        store.save();
        assert_eq!(
            ProposalStore::open(&dir, true).kept().index.len(),
            WORTH_WRITING + 1
        );
        // Names in trees: a file's blob, and a file that is not there.
        std::fs::remove_file(&file).unwrap();
        let (tree, blob) = (
            git2::Oid::from_bytes(&[3; 20]).unwrap(),
            git2::Oid::from_bytes(&[4; 20]).unwrap(),
        );
        let store = ProposalStore::open(&dir, true);
        assert_eq!(store.name_in(tree, "0001-a.toml"), None);
        store.remember_name(tree, "0001-a.toml", Some(blob));
        store.remember_name(tree, "0002-b.toml", None);
        store.save();
        let store = ProposalStore::open(&dir, true);
        assert_eq!(store.name_in(tree, "0001-a.toml"), Some(Some(blob)));
        assert_eq!(store.name_in(tree, "0002-b.toml"), Some(None));
        assert_eq!(store.name_in(blob, "0001-a.toml"), None);
        // Lines of fields in blobs, kept beside the names.
        let hex = blob.to_string();
        std::fs::remove_file(&file).unwrap();
        let store = ProposalStore::open(&dir, true);
        assert_eq!(store.line_in(&hex, "stakeholders"), None);
        store.remember_line(&hex, "stakeholders", Some(12));
        store.remember_line(&hex, "plan", None);
        store.save();
        let store = ProposalStore::open(&dir, true);
        assert_eq!(store.line_in(&hex, "stakeholders"), Some(Some(12)));
        assert_eq!(store.line_in(&hex, "plan"), Some(None));
        assert_eq!(store.line_in(&tree.to_string(), "stakeholders"), None);
        // Off: nothing read, nothing written.
        std::fs::remove_file(&file).unwrap();
        let off = ProposalStore::open(&dir, false);
        off.parse(EXAMPLES[1]).unwrap();
        off.save();
        assert!(!file.exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}

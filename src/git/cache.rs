//! What history walks learn, kept under `.git/lead/cache` for the next run.
//!
//! A commit never changes, so what a walk reads of one (its parents, its time, its tree, the
//! `Lead-` trailers of its message, which proposal files it changed) stays true for as long
//! as the commit exists. The cache holds that for every commit reachable from the tip of the
//! last walk that learned something, in the walk's canonical order; the next walk reads from
//! the object database only the commits the cache does not hold.
//!
//! The cache is never authoritative. Every walk starts from the commit it is asked about and
//! uses a cached commit only when it reaches it by id, so a rebased or force-pushed branch
//! simply leads to commits the cache does not know: they are read, and the next cache holds
//! what is reachable now, dropping the rest. A file that is unreadable, truncated, fails a
//! checksum, is inconsistent, or was written by another version is ignored and replaced.
//! Writes go to a temporary file renamed into place, so two processes at once each see a
//! whole cache or none, and the last writer wins. Failing to write is not an error: the
//! command has its answer already.
//!
//! # Layout
//!
//! Little-endian. A header, then parts. The header holds the magic, the format number, the
//! version that wrote it, the folder whose changes the cache records, the number of commits,
//! the id of the last one (the tip), the length and checksum of each part, and last its own
//! checksum. The parts follow it in this order, those whose size the number of commits
//! gives first, so that a write streams them to their places:
//!
//! - flags: one byte a commit (has `Lead-` trailers, knows its folder, changed it);
//! - ids: the commits' ids, in canonical order;
//! - index: positions, sorted by id;
//! - graph: time, tree and (start, count) of the parents of each commit;
//! - folders: the folder's tree in each commit;
//! - leads: for the `Lead-` commits only, their details, then (position, id, start,
//!   length) of each, sorted by position, then how many;
//! - parents: positions, always earlier;
//! - changes: as the leads, for the commits that changed a proposal file.
//!
//! A walk reads the header, then only the parts it needs, each when first asked for, and
//! checks each part's checksum as it reads it. A warm walk that finds a few new commits on
//! top of the cached tip needs no lookup by id (see [`Snapshot::find`]): it reads the
//! flags and the leads, and for a folder the folders and changes, a quarter of the file.

use std::cell::{Cell, OnceCell, RefCell};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::model::ledger::{self, CommitInfo};
use crate::model::person::Person;
use crate::model::trailer::Trailer;

use super::folders::FolderInfo;
use super::history::{Detail, Few, Node};

/// The first bytes of a cache file, then the format number: a file from another version of
/// the format is ignored whole.
const MAGIC: &[u8] = b"git-lead cache\n";
const FORMAT: u32 = 5;

/// The parts after the header, in the order of the file: those of a size known from the
/// number of commits first, so that a write can stream them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    Flags,
    Ids,
    Index,
    Graph,
    Folders,
    Leads,
    Parents,
    Changes,
}

pub(crate) const PARTS: [Part; 8] = [
    Part::Flags,
    Part::Ids,
    Part::Index,
    Part::Graph,
    Part::Folders,
    Part::Leads,
    Part::Parents,
    Part::Changes,
];

/// A commit in the graph part: time, tree, then (start, count) of its parents in the
/// parents part.
const NODE: usize = 8 + 20 + 4 + 4;
/// An entry of the changes and leads parts: position, id, then (start, length) of its bytes.
const SPARSE: usize = 4 + 20 + 4 + 4;
/// A change: proposal id, whether a blob follows (else the file was deleted), blob.
const CHANGE: usize = 4 + 1 + 20;
/// The longest header read: a folder name longer than this leaves the cache unused.
const HEADER_MAX: u64 = 4096;

/// Commit flags.
const KNOWS_FOLDER: u8 = 1;
const HAS_FOLDER_TREE: u8 = 2;
const HAS_LEAD: u8 = 4;
const HAS_CHANGES: u8 = 8;

/// Where the cache of a repository lives: shared by its worktrees, like its objects.
pub(crate) fn path(common_dir: &Path) -> PathBuf {
    common_dir.join("lead").join("cache")
}

/// Where the parts come from: the file, or bytes in memory (tests).
#[derive(Default)]
enum Source {
    #[default]
    Nothing,
    File(RefCell<std::fs::File>),
    #[cfg(test)]
    Bytes(Vec<u8>),
}

/// A cache as read: the commits reachable from its tip, in canonical order (the tip last).
/// Parts are read when first used; one that cannot be read, fails its checksum or is
/// inconsistent marks the snapshot broken and reads as empty, so lookups find nothing.
#[derive(Default)]
pub(crate) struct Snapshot {
    source: Source,
    count: usize,
    tip: Option<git2::Oid>,
    /// The folder whose changes the records describe.
    folder: Option<String>,
    /// Whether to act as if no record knew its folder changes (they describe another one).
    forget_folders: bool,
    /// Set when a part turned out unreadable or inconsistent, or an index entry did not
    /// name its commit: the walk must not use what it read through this snapshot.
    broken: Cell<bool>,
    /// Where each part starts in the source, its length and its checksum.
    spans: [(u64, u64, u64); PARTS.len()],
    parts: [OnceCell<Vec<u8>>; PARTS.len()],
}

impl Snapshot {
    /// Reads the header of the cache at `path`; an empty snapshot when there is none or its
    /// header is damaged or of another version. The parts are read when used.
    pub fn load(path: &Path) -> Snapshot {
        let Ok(mut file) = std::fs::File::open(path) else {
            return Snapshot::default();
        };
        let mut head = Vec::new();
        if (&mut file).take(HEADER_MAX).read_to_end(&mut head).is_err() {
            return Snapshot::default();
        }
        Snapshot::with_header(&head, Source::File(RefCell::new(file))).unwrap_or_default()
    }

    /// A snapshot of a whole file in memory.
    #[cfg(test)]
    pub(crate) fn from_bytes(bytes: Vec<u8>) -> Option<Snapshot> {
        let head = bytes.clone();
        let snap = Snapshot::with_header(&head, Source::Bytes(bytes))?;
        // Read every part now, as tests expect a damaged file to be refused at once.
        for part in PARTS {
            snap.part(part);
        }
        (!snap.is_broken()).then_some(snap)
    }

    fn with_header(bytes: &[u8], source: Source) -> Option<Snapshot> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(MAGIC.len())? != MAGIC || r.u32()? != FORMAT {
            return None;
        }
        if r.str()? != env!("CARGO_PKG_VERSION") {
            return None;
        }
        let folder = match r.u8()? {
            0 => None,
            1 => Some(r.str()?),
            _ => return None,
        };
        let count = r.u32()? as usize;
        let tip = git2::Oid::from_bytes(r.take(20)?).ok();
        let mut lengths = [(0u64, 0u64); PARTS.len()];
        for l in &mut lengths {
            *l = (r.u64()?, r.u64()?);
        }
        let end = r.at;
        if r.u64()? != checksum(&bytes[..end]) {
            return None;
        }
        let mut spans = [(0, 0, 0); PARTS.len()];
        let mut at = r.at as u64;
        for (span, (len, sum)) in spans.iter_mut().zip(lengths) {
            *span = (at, len, sum);
            at = at.checked_add(len)?;
        }
        Some(Snapshot {
            source,
            count,
            tip: tip.filter(|_| count > 0),
            folder,
            spans,
            ..Snapshot::default()
        })
    }

    /// The bytes of `part`, read and checked the first time; empty when it cannot be used
    /// (and the snapshot is then broken).
    fn part(&self, part: Part) -> &[u8] {
        let k = part as usize;
        self.parts[k].get_or_init(|| match self.read_part(part) {
            Some(bytes) => bytes,
            None => {
                self.broken.set(true);
                Vec::new()
            }
        })
    }

    fn read_part(&self, part: Part) -> Option<Vec<u8>> {
        let (at, len, sum) = self.spans[part as usize];
        let bytes = match &self.source {
            Source::Nothing => return Some(Vec::new()),
            Source::File(file) => {
                let mut file = file.try_borrow_mut().ok()?;
                file.seek(SeekFrom::Start(at)).ok()?;
                // Room for the whole part at once, as long as the file holds it: grown as it
                // was read, a 3 MB part was copied a dozen times into fresh memory.
                let there = file.metadata().ok()?.len().saturating_sub(at);
                let mut bytes = Vec::with_capacity(usize::try_from(len.min(there)).ok()?);
                // Not more than the length asked for, however long the file claims to be.
                (&mut *file).take(len).read_to_end(&mut bytes).ok()?;
                bytes
            }
            #[cfg(test)]
            Source::Bytes(all) => all
                .get(usize::try_from(at).ok()?..usize::try_from(at + len).ok()?)?
                .to_vec(),
        };
        (bytes.len() as u64 == len && checksum(&bytes) == sum && self.consistent(part, &bytes))
            .then_some(bytes)
    }

    /// Whether `bytes` can be `part` of this snapshot: everything a lookup follows stays
    /// within the part and points back, so that no later read can fail or loop.
    fn consistent(&self, part: Part, bytes: &[u8]) -> bool {
        let n = self.count;
        match part {
            Part::Flags => bytes.len() == n,
            Part::Ids | Part::Folders => Some(bytes.len()) == n.checked_mul(20),
            Part::Index => {
                // Sorted by id, strictly: then it also names every commit once.
                let ids = self.part(Part::Ids);
                let id = |p: &[u8]| {
                    let at = u32_at(p, 0) as usize * 20;
                    ids.get(at..at + 20)
                };
                Some(bytes.len()) == n.checked_mul(4)
                    && bytes.chunks_exact(4).all(|p| id(p).is_some())
                    && bytes
                        .chunks_exact(4)
                        .zip(bytes.chunks_exact(4).skip(1))
                        .all(|(a, b)| id(a) < id(b))
            }
            Part::Parents => bytes.len() % 4 == 0,
            Part::Graph => {
                let parents = self.part(Part::Parents);
                Some(bytes.len()) == n.checked_mul(NODE)
                    && (0..n).all(|i| {
                        let (start, len) = span_at(bytes, i * NODE + 28);
                        (start as usize)
                            .checked_add(len as usize)
                            .and_then(|end| end.checked_mul(4))
                            .is_some_and(|end| end <= parents.len())
                            && (0..len as usize)
                                .all(|k| (u32_at(parents, (start as usize + k) * 4) as usize) < i)
                    })
            }
            Part::Changes | Part::Leads => {
                let Some(entries) = sparse_entries(bytes) else {
                    return false;
                };
                // The data comes first; every span must stay within it.
                let data = bytes.len() - 4 - entries.len();
                let mut last = None;
                entries.chunks_exact(SPARSE).all(|e| {
                    let pos = u32_at(e, 0);
                    let (start, len) = span_at(e, 24);
                    let ordered = last.is_none_or(|l| l < pos) && (pos as usize) < n;
                    last = Some(pos);
                    ordered
                        && (start as usize)
                            .checked_add(len as usize)
                            .is_some_and(|end| end <= data)
                })
            }
        }
    }

    /// Reads the parts given now, so that a damaged one shows before anything is visited.
    pub fn read_now(&self, parts: &[Part]) {
        for &p in parts {
            self.part(p);
        }
    }

    /// Whether a part or a lookup found the cache at odds with itself (see [`Snapshot::part`],
    /// [`Snapshot::find`]).
    pub fn is_broken(&self) -> bool {
        self.broken.get()
    }

    /// How many commits the cache holds.
    pub fn len(&self) -> usize {
        self.count
    }

    /// The last commit of the cache: every other one is its ancestor.
    pub fn tip(&self) -> Option<git2::Oid> {
        self.tip
    }

    /// The folder whose changes the records describe.
    pub fn folder(&self) -> Option<&str> {
        self.folder.as_deref()
    }

    /// Acts from now on as if no record said how it changed a folder: they describe another.
    pub fn forget_folders(&mut self) {
        self.forget_folders = true;
        self.folder = None;
    }

    fn flags(&self, i: usize) -> u8 {
        self.part(Part::Flags).get(i).copied().unwrap_or(0)
    }

    /// The position of commit `id`, if the cache holds it. The tip is known from the header;
    /// any other commit is looked up in the index (checked sorted when read, so that a
    /// commit it does not find is not in the cache).
    pub fn find(&self, id: git2::Oid) -> Option<u32> {
        if self.count == 0 {
            return None;
        }
        if Some(id) == self.tip {
            return Some(self.count as u32 - 1);
        }
        let index = self.part(Part::Index);
        let ids = self.part(Part::Ids);
        let key = |k: usize| {
            let pos = u32_at(index, k * 4);
            let at = pos as usize * 20;
            (ids.get(at..at + 20).unwrap_or(&[0; 20]), pos)
        };
        let (mut lo, mut hi) = (0, index.len() / 4);
        while lo < hi {
            let mid = (lo + hi) / 2;
            let (key, pos) = key(mid);
            match key.cmp(id.as_bytes()) {
                std::cmp::Ordering::Equal => return Some(pos),
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
            }
        }
        None
    }

    pub fn id(&self, i: usize) -> git2::Oid {
        if self.parts[Part::Ids as usize].get().is_none() {
            // A commit with an entry in the leads or changes part: no need to read every id.
            let flags = self.flags(i);
            for (flag, part) in [(HAS_LEAD, Part::Leads), (HAS_CHANGES, Part::Changes)] {
                if let Some(e) = self.sparse(part, i).filter(|_| flags & flag != 0) {
                    return oid_at(e, 4);
                }
            }
        }
        oid_at(self.part(Part::Ids), i * 20)
    }

    pub fn time(&self, i: usize) -> i64 {
        let graph = self.part(Part::Graph);
        let mut b = [0u8; 8];
        if let Some(s) = graph.get(i * NODE..i * NODE + 8) {
            b.copy_from_slice(s);
        }
        i64::from_le_bytes(b)
    }

    pub fn tree(&self, i: usize) -> git2::Oid {
        oid_at(self.part(Part::Graph), i * NODE + 8)
    }

    /// The positions of commit `i`'s parents, in the commit's order.
    pub fn parent_positions(&self, i: usize) -> impl Iterator<Item = u32> + '_ {
        let (start, len) = span_at(self.part(Part::Graph), i * NODE + 28);
        let parents = self.part(Part::Parents);
        let at = start as usize * 4;
        (0..len as usize).map(move |k| {
            parents
                .get(at + k * 4..at + k * 4 + 4)
                .map_or(u32::MAX, |b| u32_at(b, 0))
        })
    }

    /// The folder tree of commit `i`, when the cache knows how it changed the folder.
    pub fn folder_tree(&self, i: usize) -> Option<Option<git2::Oid>> {
        let flags = self.flags(i);
        if self.forget_folders || flags & KNOWS_FOLDER == 0 {
            return None;
        }
        let folders = self.part(Part::Folders);
        Some((flags & HAS_FOLDER_TREE != 0).then(|| oid_at(folders, i * 20)))
    }

    /// How commit `i` changed the folder, when the cache knows.
    pub fn folder_info(&self, i: usize) -> Option<FolderInfo> {
        let tree = self.folder_tree(i)?;
        let changes = match self.has_changes(i) {
            true => self
                .sparse_bytes(Part::Changes, i)
                .chunks_exact(CHANGE)
                .map(|c| {
                    let blob = (c[4] == 1)
                        .then(|| git2::Oid::from_bytes(&c[5..25]).ok())
                        .flatten();
                    (u32_at(c, 0), blob)
                })
                .collect(),
            false => Vec::new(),
        };
        Some(FolderInfo { tree, changes })
    }

    /// Whether the cache says commit `i` changed a proposal file of the folder.
    pub fn has_changes(&self, i: usize) -> bool {
        let flags = self.flags(i);
        !self.forget_folders && flags & KNOWS_FOLDER != 0 && flags & HAS_CHANGES != 0
    }

    /// Whether commit `i` carries `Lead-` trailers.
    pub fn has_lead(&self, i: usize) -> bool {
        self.flags(i) & HAS_LEAD != 0
    }

    /// Whether commit `i` carries `Lead-` trailers that name one of proposals `ids`
    /// ([`ledger::named`]).
    pub fn names_any(&self, i: usize, ids: &[u32]) -> bool {
        let bytes = self.lead_bytes(i);
        let count = (u32_at(bytes, 0) as usize).min(bytes.len() / 4);
        (0..count).any(|k| ids.contains(&u32_at(bytes, 4 + 4 * k)))
    }

    fn lead_bytes(&self, i: usize) -> &[u8] {
        self.sparse_bytes(Part::Leads, i)
    }

    /// The entry of commit `i` in the changes or leads part.
    fn sparse(&self, part: Part, i: usize) -> Option<&[u8]> {
        let entries = sparse_entries(self.part(part))?;
        let (mut lo, mut hi) = (0, entries.len() / SPARSE);
        while lo < hi {
            let mid = (lo + hi) / 2;
            let e = &entries[mid * SPARSE..(mid + 1) * SPARSE];
            match (u32_at(e, 0) as usize).cmp(&i) {
                std::cmp::Ordering::Equal => return Some(e),
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
            }
        }
        None
    }

    /// The bytes of commit `i` in the changes or leads part (none when it has no entry).
    fn sparse_bytes(&self, part: Part, i: usize) -> &[u8] {
        let bytes = self.part(part);
        let Some(e) = self.sparse(part, i) else {
            return &[];
        };
        let (start, len) = span_at(e, 24);
        bytes
            .get(start as usize..start as usize + len as usize)
            .unwrap_or_default()
    }

    /// The details of commit `i`, when it carries `Lead-` trailers (the author as
    /// recorded), decoded as far as `detail` asks. A walk decodes them one at a time as
    /// it visits the commits: decoded ahead on every core, they filled 3 MB more of fresh
    /// memory, and a warm run is mostly the first touch of each page it fills.
    pub fn lead(&self, i: usize, detail: Detail) -> Option<CommitInfo> {
        if !self.has_lead(i) {
            return None;
        }
        let entry = self.sparse(Part::Leads, i)?;
        let mut r = Reader {
            bytes: self.lead_bytes(i),
            at: 0,
        };
        decode_lead(&mut r, oid_at(entry, 4), detail)
    }
}

/// The entries of a changes or leads part: after the data, before their count (the part's
/// last four bytes).
fn sparse_entries(bytes: &[u8]) -> Option<&[u8]> {
    let end = bytes.len().checked_sub(4)?;
    let n = u32_at(bytes, end) as usize;
    bytes.get(end.checked_sub(n.checked_mul(SPARSE)?)?..end)
}

fn oid_at(bytes: &[u8], at: usize) -> git2::Oid {
    bytes
        .get(at..at + 20)
        .and_then(|b| git2::Oid::from_bytes(b).ok())
        .unwrap_or(git2::Oid::ZERO_SHA1)
}

fn span_at(bytes: &[u8], at: usize) -> (u32, u32) {
    (u32_at(bytes, at), u32_at(bytes, at + 4))
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    let mut b = [0u8; 4];
    if let Some(s) = bytes.get(at..at + 4) {
        b.copy_from_slice(s);
    }
    u32::from_le_bytes(b)
}

/// One commit of a walk, as the cache is to hold it.
pub(crate) struct Entry<'a> {
    pub id: git2::Oid,
    pub time: i64,
    pub tree: git2::Oid,
    /// Positions of the parents in the walk.
    pub parents: Few<u32>,
    pub folder: Option<FolderInfo>,
    pub lead: Lead<'a>,
}

/// The details of a `Lead-` commit, decoded, or encoded already: as the old cache wrote
/// them, or as [`Leads`] keeps them.
pub(crate) enum Lead<'a> {
    None,
    Info(&'a CommitInfo),
    Cached(&'a Snapshot, usize),
    Encoded(&'a [u8]),
}

/// The `Lead-` commits of a walk's fresh nodes, encoded as the cache holds them, for a
/// write that happens after the visits took the nodes' details.
pub(crate) struct Leads {
    bytes: Vec<u8>,
    /// Where each node's lead starts and ends in `bytes`, by the node's place; the same
    /// place twice for a node without one.
    bounds: Vec<usize>,
}

impl Leads {
    pub fn of(fresh: &[Node]) -> Leads {
        let mut bytes = Vec::new();
        let mut bounds = Vec::with_capacity(fresh.len() + 1);
        bounds.push(0);
        for node in fresh {
            if let Some(c) = &node.lead {
                encode_lead(&mut bytes, c);
            }
            bounds.push(bytes.len());
        }
        Leads { bytes, bounds }
    }

    /// The lead of the node at `at`, if it has one.
    pub fn of_node(&self, at: usize) -> Option<&[u8]> {
        let (start, end) = (*self.bounds.get(at)?, *self.bounds.get(at + 1)?);
        (start < end).then(|| self.bytes.get(start..end))?
    }
}

/// Writes the commits of a walk (the commits reachable from the last one, in canonical
/// order) as the cache at `path`. Errors are for the caller to ignore.
pub(crate) fn save<'a>(
    path: &Path,
    folder: Option<&str>,
    entries: impl ExactSizeIterator<Item = Entry<'a>>,
) -> std::io::Result<()> {
    // The parts go straight to the file, each at its place: nothing passes the buffer.
    write_atomically(path, |out| encode(folder, entries, out.get_ref()))
}

/// Writes a file under `.git/lead/` through a temporary file renamed into place, so that
/// readers see the whole file or none; removes what killed runs left behind.
pub(super) fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    // A name no other process uses: the pid, and the time for two writes of one process.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let tmp = dir.join(format!(".cache.tmp-{}-{nanos}", std::process::id()));
    let written = std::fs::File::create(&tmp)
        .and_then(|f| {
            let mut out = std::io::BufWriter::with_capacity(1 << 18, f);
            write(&mut out)?;
            out.flush()
        })
        .and_then(|()| std::fs::rename(&tmp, path));
    match written {
        Ok(()) => remove_stale_temporaries(dir),
        Err(_) => {
            let _ = std::fs::remove_file(&tmp);
        }
    }
    written
}

/// Removes the temporary files of runs that were killed while writing: those older than ten
/// minutes (a write takes well under a second).
fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let ours = entry
            .file_name()
            .to_string_lossy()
            .starts_with(".cache.tmp-");
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > std::time::Duration::from_secs(600));
        if ours && stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// [`encode`] into memory (through a temporary file).
#[cfg(test)]
pub(crate) fn encoded<'a>(
    folder: Option<&str>,
    entries: impl ExactSizeIterator<Item = Entry<'a>>,
) -> Option<Vec<u8>> {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("git-lead-encoded-{}-{n}", std::process::id()));
    let file = std::fs::File::create(&path).ok()?;
    let written = encode(folder, entries, &file);
    let bytes = std::fs::read(&path).ok();
    let _ = std::fs::remove_file(&path);
    written.ok().and(bytes)
}

/// Writes the cache of `entries` to `file`, streaming the parts of a known size to their
/// places; fails when the entries are not a whole walk (a parent that does not come first).
pub(crate) fn encode<'a>(
    folder: Option<&str>,
    entries: impl ExactSizeIterator<Item = Entry<'a>>,
    file: &std::fs::File,
) -> std::io::Result<()> {
    let not_whole = || std::io::Error::other("not a whole walk");
    let u32_of = |n: usize| u32::try_from(n).map_err(|_| not_whole());
    let count = entries.len();
    // The header's length does not depend on what it says: the parts start after it.
    let start = header(folder, count, git2::Oid::ZERO_SHA1, &[(0, 0); PARTS.len()]).len() + 8;
    // Bytes per commit of the parts whose size the count gives, in the order of the file;
    // the leads come right after them.
    let fixed = [
        (Part::Flags, 1),
        (Part::Ids, 20),
        (Part::Index, 4),
        (Part::Graph, NODE),
        (Part::Folders, 20),
    ];
    let at = |part: Part| {
        let before = fixed.iter().take_while(|(p, _)| *p != part);
        start as u64 + before.map(|(_, size)| (size * count) as u64).sum::<u64>()
    };
    let mut flags = PartWriter::new(file, at(Part::Flags));
    let mut ids = PartWriter::new(file, at(Part::Ids));
    let mut graph = PartWriter::new(file, at(Part::Graph));
    let mut folders = PartWriter::new(file, at(Part::Folders));
    let mut leads = PartWriter::new(file, at(Part::Leads));
    // Kept for the index, and the parts of a size known only at the end.
    let mut all_ids = Vec::with_capacity(count * 20);
    let mut parents = Vec::new();
    let (mut changes, mut change_entries) = (Vec::new(), Vec::new());
    let (mut lead, mut lead_entries, mut lead_len) = (Vec::new(), Vec::new(), 0);
    let mut tip = git2::Oid::ZERO_SHA1;
    // An entry of the changes or leads part.
    let sparse = |to: &mut Vec<u8>, pos: usize, id: git2::Oid, start: usize, end: usize| {
        to.extend_from_slice(&u32_of(pos)?.to_le_bytes());
        to.extend_from_slice(id.as_bytes());
        to.extend_from_slice(&u32_of(start)?.to_le_bytes());
        to.extend_from_slice(&u32_of(end - start)?.to_le_bytes());
        Ok::<(), std::io::Error>(())
    };
    for (pos, e) in entries.enumerate() {
        let mut f = 0;
        let mut folder_tree = [0u8; 20];
        if let Some(info) = &e.folder {
            f |= KNOWS_FOLDER;
            if let Some(t) = info.tree {
                f |= HAS_FOLDER_TREE;
                folder_tree.copy_from_slice(t.as_bytes());
            }
            if !info.changes.is_empty() {
                f |= HAS_CHANGES;
                let start = changes.len();
                for (id, blob) in &info.changes {
                    changes.extend_from_slice(&id.to_le_bytes());
                    match blob {
                        Some(b) => {
                            changes.push(1);
                            changes.extend_from_slice(b.as_bytes());
                        }
                        None => changes.extend_from_slice(&[0; 21]),
                    }
                }
                sparse(&mut change_entries, pos, e.id, start, changes.len())?;
            }
        }
        lead.clear();
        match e.lead {
            Lead::None => {}
            Lead::Info(c) => encode_lead(&mut lead, c),
            Lead::Cached(snap, i) => lead.extend_from_slice(snap.lead_bytes(i)),
            Lead::Encoded(bytes) => lead.extend_from_slice(bytes),
        }
        if !matches!(e.lead, Lead::None) {
            f |= HAS_LEAD;
            sparse(
                &mut lead_entries,
                pos,
                e.id,
                lead_len,
                lead_len + lead.len(),
            )?;
            lead_len += lead.len();
            leads.put(&lead)?;
        }
        graph.put(&e.time.to_le_bytes())?;
        graph.put(e.tree.as_bytes())?;
        graph.put(&u32_of(parents.len() / 4)?.to_le_bytes())?;
        graph.put(&u32_of(e.parents.len())?.to_le_bytes())?;
        for p in e.parents.iter() {
            // Parents come first: anything else is not a whole history.
            if *p as usize >= pos {
                return Err(not_whole());
            }
            parents.extend_from_slice(&p.to_le_bytes());
        }
        flags.put(&[f])?;
        ids.put(e.id.as_bytes())?;
        all_ids.extend_from_slice(e.id.as_bytes());
        folders.put(&folder_tree)?;
        tip = e.id;
    }
    leads.put(&lead_entries)?;
    leads.put(&u32_of(lead_entries.len() / SPARSE)?.to_le_bytes())?;
    // Sorting by the first eight bytes first is several times faster than comparing ids
    // whole, and ids rarely share them.
    let id = |p: u32| &all_ids[p as usize * 20..p as usize * 20 + 20];
    let mut sorted: Vec<(u64, u32)> = (0..u32_of(count)?)
        .map(|p| {
            let mut key = [0u8; 8];
            key.copy_from_slice(&id(p)[..8]);
            (u64::from_be_bytes(key), p)
        })
        .collect();
    sorted.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| id(a.1).cmp(id(b.1))));
    let mut index = PartWriter::new(file, at(Part::Index));
    for (_, p) in &sorted {
        index.put(&p.to_le_bytes())?;
    }
    let leads = leads.finish()?;
    let mut rest = PartWriter::new(file, at(Part::Leads) + leads.0);
    rest.put(&parents)?;
    let parents = rest.finish()?;
    let mut rest = PartWriter::new(file, at(Part::Leads) + leads.0 + parents.0);
    rest.put(&changes)?;
    rest.put(&change_entries)?;
    rest.put(&u32_of(change_entries.len() / SPARSE)?.to_le_bytes())?;
    let spans = [
        flags.finish()?,
        ids.finish()?,
        index.finish()?,
        graph.finish()?,
        folders.finish()?,
        leads,
        parents,
        rest.finish()?,
    ];
    let head = header(folder, count, tip, &spans);
    let mut top = PartWriter::new(file, 0);
    top.put(&head)?;
    top.put(&checksum(&head).to_le_bytes())?;
    top.finish().map(|_| ())
}

/// The header: what the file is, the number of commits and the tip, then the length and
/// checksum of each part.
fn header(folder: Option<&str>, count: usize, tip: git2::Oid, spans: &[(u64, u64)]) -> Vec<u8> {
    let mut head = Vec::new();
    head.extend_from_slice(MAGIC);
    head.extend_from_slice(&FORMAT.to_le_bytes());
    put_str(&mut head, env!("CARGO_PKG_VERSION"));
    match folder {
        Some(f) => {
            head.push(1);
            put_str(&mut head, f);
        }
        None => head.push(0),
    }
    head.extend_from_slice(&(count as u32).to_le_bytes());
    head.extend_from_slice(tip.as_bytes());
    for (len, sum) in spans {
        head.extend_from_slice(&len.to_le_bytes());
        head.extend_from_slice(&sum.to_le_bytes());
    }
    head
}

/// A part written at its place in the file through a buffer, with its length and checksum.
struct PartWriter<'f> {
    file: &'f std::fs::File,
    at: u64,
    buf: Vec<u8>,
    len: u64,
    sum: Checksum,
}

impl<'f> PartWriter<'f> {
    fn new(file: &'f std::fs::File, at: u64) -> Self {
        PartWriter {
            file,
            at,
            buf: Vec::with_capacity(1 << 16),
            len: 0,
            sum: Checksum::default(),
        }
    }

    fn put(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.len += bytes.len() as u64;
        self.buf.extend_from_slice(bytes);
        match self.buf.len() >= 1 << 16 {
            true => self.flush(),
            false => Ok(()),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        // Summed here, whole buffers at a time: most puts are a few bytes.
        self.sum.update(&self.buf);
        let mut file = self.file;
        file.seek(SeekFrom::Start(self.at))?;
        file.write_all(&self.buf)?;
        self.at += self.buf.len() as u64;
        self.buf.clear();
        Ok(())
    }

    /// The part's length and checksum, once all of it is written.
    fn finish(mut self) -> std::io::Result<(u64, u64)> {
        self.flush()?;
        Ok((self.len, self.sum.finish()))
    }
}

pub(super) fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn encode_lead(out: &mut Vec<u8>, c: &CommitInfo) {
    // The proposals it names come first, to be asked without decoding the rest.
    let named = ledger::named(c);
    out.extend_from_slice(&(named.len() as u32).to_le_bytes());
    for id in named {
        out.extend_from_slice(&id.to_le_bytes());
    }
    put_str(out, &c.author.name);
    put_str(out, &c.author.email);
    out.extend_from_slice(&c.time.to_le_bytes());
    out.extend_from_slice(&i64::from(c.offset).to_le_bytes());
    put_str(out, &c.summary);
    put_str(out, &c.body);
    out.extend_from_slice(&(c.trailers.len() as u32).to_le_bytes());
    for t in &c.trailers {
        put_str(out, &t.key);
        put_str(out, &t.value);
    }
    out.extend_from_slice(&(c.stranded.len() as u32).to_le_bytes());
    for (line, t) in &c.stranded {
        out.extend_from_slice(&(*line as u32).to_le_bytes());
        put_str(out, &t.key);
        put_str(out, &t.value);
    }
}

fn decode_lead(r: &mut Reader<'_>, id: git2::Oid, detail: Detail) -> Option<CommitInfo> {
    let named = r.u32()? as usize;
    r.take(named.checked_mul(4)?)?;
    let full = detail == Detail::Full;
    let author = Person::new(r.str_if(full)?, r.str_if(full)?);
    let time = r.i64()?;
    let offset = i32::try_from(r.i64()?).ok()?;
    let summary = r.str_if(full)?;
    let body = r.str_if(full)?;
    let mut trailers = Vec::new();
    for _ in 0..r.u32()? {
        trailers.push(r.trailer()?);
    }
    let mut stranded = Vec::new();
    for _ in 0..r.u32()? {
        stranded.push((r.u32()? as usize, r.trailer()?));
    }
    Some(CommitInfo {
        id: super::hex(id),
        author,
        time,
        offset,
        summary,
        body,
        trailers,
        stranded,
    })
}

/// A 64-bit checksum, 32 bytes at a time: catches a torn or damaged file, not an attack
/// (whoever can write `.git/` can write the objects too).
pub(super) fn checksum(bytes: &[u8]) -> u64 {
    let mut sum = Checksum::default();
    sum.update(bytes);
    sum.finish()
}

#[derive(Default)]
struct Checksum {
    lanes: [u64; 4],
    pending: Vec<u8>,
    len: u64,
}

impl Checksum {
    const K: u64 = 0x0000_0100_0000_01b3;

    /// Mixes 32 bytes into four independent lanes, so that the processor can work on them
    /// at once.
    fn block(&mut self, b: &[u8]) {
        for (lane, w) in self.lanes.iter_mut().zip(b.chunks_exact(8)) {
            let mut word = [0u8; 8];
            word.copy_from_slice(w);
            *lane = (*lane ^ u64::from_le_bytes(word))
                .wrapping_mul(Self::K)
                .rotate_left(29);
        }
    }

    fn update(&mut self, mut bytes: &[u8]) {
        self.len += bytes.len() as u64;
        if !self.pending.is_empty() {
            let need = (32 - self.pending.len()).min(bytes.len());
            self.pending.extend_from_slice(&bytes[..need]);
            bytes = &bytes[need..];
            if self.pending.len() < 32 {
                return;
            }
            let mut b = [0; 32];
            b.copy_from_slice(&self.pending);
            self.pending.clear();
            self.block(&b);
        }
        let mut chunks = bytes.chunks_exact(32);
        for c in &mut chunks {
            self.block(c);
        }
        self.pending.extend_from_slice(chunks.remainder());
    }

    fn finish(self) -> u64 {
        let mut h = self.len;
        for lane in self.lanes {
            h = (h ^ lane).wrapping_mul(Self::K).rotate_left(29);
        }
        for b in &self.pending {
            h = (h ^ u64::from(*b)).wrapping_mul(Self::K).rotate_left(29);
        }
        h.wrapping_mul(0x9e37_79b9_7f4a_7c15)
    }
}

pub(super) struct Reader<'a> {
    pub bytes: &'a [u8],
    pub at: usize,
}

impl<'a> Reader<'a> {
    /// A reader of a file under `.git/lead/` after its header, when the file is whole (its
    /// checksum is right), has the magic and format asked for and was written by this
    /// version; it reads up to the checksum.
    pub fn sealed(bytes: &'a [u8], magic: &[u8], format: u32) -> Option<Reader<'a>> {
        let body = bytes.len().checked_sub(8)?;
        let sum = u64::from_le_bytes(bytes.get(body..)?.try_into().ok()?);
        if checksum(bytes.get(..body)?) != sum {
            return None;
        }
        let mut r = Reader {
            bytes: bytes.get(..body)?,
            at: 0,
        };
        if r.take(magic.len())? != magic || r.u32()? != format {
            return None;
        }
        (r.str()? == env!("CARGO_PKG_VERSION")).then_some(r)
    }

    pub fn take(&mut self, n: usize) -> Option<&[u8]> {
        let s = self.bytes.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(s)
    }
    pub fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }
    pub fn u32(&mut self) -> Option<u32> {
        Some(u32_at(self.take(4)?, 0))
    }
    pub fn i64(&mut self) -> Option<i64> {
        Some(i64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    pub fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    pub fn str(&mut self) -> Option<String> {
        let n = self.u32()? as usize;
        String::from_utf8(self.take(n)?.to_vec()).ok()
    }
    /// [`Reader::str`], or the string passed over (and left empty) when not `wanted`.
    fn str_if(&mut self, wanted: bool) -> Option<String> {
        match wanted {
            true => self.str(),
            false => {
                let n = self.u32()? as usize;
                self.take(n).map(|_| String::new())
            }
        }
    }
    fn trailer(&mut self) -> Option<Trailer> {
        Some(Trailer {
            key: self.str()?,
            value: self.str()?,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn oid(b: u8) -> git2::Oid {
        git2::Oid::from_bytes(&[b; 20]).unwrap()
    }

    fn info() -> CommitInfo {
        CommitInfo {
            id: oid(2).to_string(),
            author: Person::new("Ada", "ada@example.com"),
            time: 1_700_000_000,
            offset: -90,
            summary: "lead(0001): sign off".into(),
            body: "Looks right.".into(),
            trailers: vec![Trailer {
                key: "Lead-Signoff".into(),
                value: "1".into(),
            }],
            stranded: vec![(
                3,
                Trailer {
                    key: "Lead-Step".into(),
                    value: "idea".into(),
                },
            )],
        }
    }

    fn sample(folder: &FolderInfo, lead: &CommitInfo) -> Vec<u8> {
        let entries = vec![
            Entry {
                id: oid(9),
                time: 10,
                tree: oid(8),
                parents: Few::Other(vec![]),
                folder: None,
                lead: Lead::None,
            },
            Entry {
                id: oid(2),
                time: 20,
                tree: oid(7),
                parents: Few::One(0),
                folder: Some(folder.clone()),
                lead: Lead::Info(lead),
            },
        ];
        encoded(Some("proposals"), entries.into_iter()).unwrap()
    }

    fn folder() -> FolderInfo {
        FolderInfo {
            tree: Some(oid(6)),
            changes: vec![(1, Some(oid(5))), (2, None)],
        }
    }

    #[test]
    fn details_decoded_without_author_summary_or_body_are_the_full_ones_emptied() {
        // Each commit with its own author, summary and body; every third carries nothing.
        let id = |n: usize| git2::Oid::hash_object(git2::ObjectType::Blob, &n.to_le_bytes());
        let infos: Vec<CommitInfo> = (0..40usize)
            .map(|n| CommitInfo {
                id: id(n).unwrap().to_string(),
                author: Person::new(format!("P{n}"), format!("p{n}@example.com")),
                summary: format!("lead({n:04}): sign off"),
                body: format!("Body {n}"),
                ..info()
            })
            .collect();
        let entries = infos.iter().enumerate().map(|(n, c)| Entry {
            id: id(n).unwrap(),
            time: n as i64,
            tree: oid(1),
            parents: match n {
                0 => Few::Other(vec![]),
                _ => Few::One(n as u32 - 1),
            },
            folder: None,
            lead: match n % 3 {
                2 => Lead::None,
                _ => Lead::Info(c),
            },
        });
        let snap = Snapshot::from_bytes(encoded(None, entries).unwrap()).unwrap();
        let full: Vec<Option<CommitInfo>> = (0..infos.len())
            .map(|i| snap.lead(i, Detail::Full))
            .collect();
        for (n, c) in full.iter().enumerate() {
            match n % 3 {
                2 => assert!(c.is_none()),
                _ => assert_eq!(format!("{c:?}"), format!("{:?}", Some(&infos[n]))),
            }
        }
        // Trailers only: the same but for the author, summary and body, left empty.
        let lean: Vec<Option<CommitInfo>> = (0..infos.len())
            .map(|i| snap.lead(i, Detail::Trailers))
            .collect();
        let emptied: Vec<Option<CommitInfo>> = full
            .into_iter()
            .map(|c| {
                c.map(|c| CommitInfo {
                    author: Person::new(String::new(), String::new()),
                    summary: String::new(),
                    body: String::new(),
                    ..c
                })
            })
            .collect();
        assert_eq!(format!("{lean:?}"), format!("{emptied:?}"));
        assert!(lean.iter().flatten().all(|c| !c.trailers.is_empty()));
    }

    #[test]
    fn what_is_written_reads_back_the_same() {
        let snap = Snapshot::from_bytes(sample(&folder(), &info())).unwrap();
        assert_eq!((snap.len(), snap.folder()), (2, Some("proposals")));
        assert_eq!(
            (snap.find(oid(9)), snap.find(oid(2)), snap.find(oid(3))),
            (Some(0), Some(1), None)
        );
        assert_eq!(
            (snap.id(1), snap.time(1), snap.tree(1)),
            (oid(2), 20, oid(7))
        );
        assert_eq!(snap.parent_positions(1).collect::<Vec<_>>(), [0]);
        assert!(snap.folder_info(0).is_none() && snap.lead(0, Detail::Full).is_none());
        assert_eq!(
            format!("{:?}", snap.folder_info(1)),
            format!("{:?}", Some(folder()))
        );
        assert_eq!(
            format!("{:?}", snap.lead(1, Detail::Full)),
            format!("{:?}", Some(info()))
        );
        // Copied from a snapshot into a new cache, the details are the same.
        let again = encoded(
            None,
            (0..2).map(|i| Entry {
                id: snap.id(i),
                time: snap.time(i),
                tree: snap.tree(i),
                parents: snap.parent_positions(i).collect(),
                folder: None,
                lead: if snap.has_lead(i) {
                    Lead::Cached(&snap, i)
                } else {
                    Lead::None
                },
            }),
        )
        .unwrap();
        let again = Snapshot::from_bytes(again).unwrap();
        assert_eq!(
            format!("{:?}", again.lead(1, Detail::Full)),
            format!("{:?}", Some(info()))
        );
        let mut forgetful = again;
        forgetful.forget_folders();
        assert!(forgetful.folder_info(1).is_none());
    }

    /// Where the header's table of parts is, and where the parts start.
    fn layout(bytes: &[u8]) -> (usize, usize) {
        let mut r = Reader { bytes, at: 0 };
        r.take(MAGIC.len() + 4).unwrap();
        r.str().unwrap();
        if r.u8().unwrap() == 1 {
            r.str().unwrap();
        }
        r.take(4 + 20).unwrap();
        let table = r.at;
        (table, table + PARTS.len() * 16 + 8)
    }

    /// `bytes` with every checksum made right again, after a change to a part or the header.
    fn reseal(mut bytes: Vec<u8>) -> Vec<u8> {
        let (table, mut at) = layout(&bytes);
        for k in 0..PARTS.len() {
            let len = u64::from_le_bytes(bytes[table + 16 * k..][..8].try_into().unwrap());
            let sum = checksum(&bytes[at..at + len as usize]);
            bytes[table + 16 * k + 8..][..8].copy_from_slice(&sum.to_le_bytes());
            at += len as usize;
        }
        let end = table + PARTS.len() * 16;
        let sum = checksum(&bytes[..end]);
        bytes[end..end + 8].copy_from_slice(&sum.to_le_bytes());
        bytes
    }

    /// Where `part` starts in `bytes`.
    fn part_at(bytes: &[u8], part: Part) -> usize {
        let (table, start) = layout(bytes);
        start
            + (0..part as usize)
                .map(|k| u64::from_le_bytes(bytes[table + 16 * k..][..8].try_into().unwrap()))
                .sum::<u64>() as usize
    }

    #[test]
    fn a_damaged_file_or_another_version_is_not_read() {
        let bytes = sample(&folder(), &info());
        assert_eq!(reseal(bytes.clone()), bytes);
        for cut in [0, 1, MAGIC.len(), bytes.len() / 2, bytes.len() - 1] {
            assert!(
                Snapshot::from_bytes(bytes[..cut].to_vec()).is_none(),
                "cut at {cut}"
            );
        }
        // Every byte, in the header or any part.
        for flip in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[flip] ^= 0x20;
            assert!(Snapshot::from_bytes(bad).is_none(), "byte {flip} flipped");
        }
        // The checksums are right, but the format number is not, or a parent comes later,
        // or the index is not sorted, or a change lies past the end of its part.
        let mut other = bytes.clone();
        other[MAGIC.len()] = 9;
        assert!(Snapshot::from_bytes(reseal(other)).is_none());
        let parents = part_at(&bytes, Part::Parents);
        let mut later = bytes.clone();
        later[parents..][..4].copy_from_slice(&1u32.to_le_bytes());
        assert!(Snapshot::from_bytes(reseal(later)).is_none());
        let index = part_at(&bytes, Part::Index);
        let mut unsorted = bytes.clone();
        unsorted[index..index + 8].rotate_left(4);
        assert!(Snapshot::from_bytes(reseal(unsorted)).is_none());
        // The changes part comes last: its one entry, then the count.
        let entry = bytes.len() - 4 - SPARSE;
        assert!(entry > part_at(&bytes, Part::Changes));
        let mut past = bytes.clone();
        past[entry + 28..][..4].copy_from_slice(&99u32.to_le_bytes());
        assert!(Snapshot::from_bytes(reseal(past)).is_none());
    }

    #[test]
    fn a_warm_walk_reads_only_the_parts_it_needs() {
        let bytes = sample(&folder(), &info());
        let (_, start) = layout(&bytes);
        let snap = Snapshot::with_header(&bytes[..start], Source::Bytes(bytes.clone())).unwrap();
        // The tip is known without the index; the details of a `Lead-` commit without
        // the ids.
        assert_eq!(snap.find(oid(2)), Some(1));
        assert_eq!(snap.id(1), oid(2));
        assert_eq!(
            format!("{:?}", snap.lead(1, Detail::Full)),
            format!("{:?}", Some(info()))
        );
        let read: Vec<bool> = snap.parts.iter().map(|p| p.get().is_some()).collect();
        assert_eq!(read, [true, false, false, false, false, true, false, false]);
        assert_eq!(snap.find(oid(9)), Some(0));
        assert!(snap.parts[Part::Index as usize].get().is_some() && !snap.is_broken());
    }

    #[test]
    fn a_part_damaged_after_the_header_was_read_breaks_the_snapshot() {
        let bytes = sample(&folder(), &info());
        let (_, start) = layout(&bytes);
        let mut bad = bytes.clone();
        let leads = part_at(&bytes, Part::Leads);
        bad[leads + 10] ^= 1;
        let snap = Snapshot::with_header(&bytes[..start], Source::Bytes(bad)).unwrap();
        assert!(!snap.is_broken());
        assert!(snap.lead(1, Detail::Full).is_none() && snap.is_broken());
    }

    #[test]
    fn a_write_removes_what_killed_writes_left_behind() {
        let dir = std::env::temp_dir().join(format!("git-lead-cache-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let old = dir.join(".cache.tmp-1-2");
        let recent = dir.join(".cache.tmp-3-4");
        let other = dir.join("PROPOSAL-7.toml");
        for f in [&old, &recent, &other] {
            std::fs::write(f, b"x").unwrap();
        }
        let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        for f in [&old, &other] {
            std::fs::File::options()
                .write(true)
                .open(f)
                .unwrap()
                .set_modified(hour_ago)
                .unwrap();
        }
        let (folder, lead) = (folder(), info());
        let entries = vec![Entry {
            id: oid(1),
            time: 0,
            tree: oid(1),
            parents: Few::Other(vec![]),
            folder: Some(folder),
            lead: Lead::Info(&lead),
        }];
        save(&dir.join("cache"), None, entries.into_iter()).unwrap();
        assert!(Snapshot::load(&dir.join("cache")).len() == 1);
        assert!(!old.exists() && recent.exists() && other.exists());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_parent_that_does_not_come_first_is_not_written() {
        let entries = vec![Entry {
            id: oid(1),
            time: 0,
            tree: oid(1),
            parents: Few::One(0),
            folder: None,
            lead: Lead::None,
        }];
        assert!(encoded(None, entries.into_iter()).is_none());
    }
}

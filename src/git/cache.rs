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
//! what is reachable now, dropping the rest. A file that is unreadable, truncated, fails its
//! checksum, is inconsistent, or was written by another version is ignored and replaced.
//! Writes go to a temporary file renamed into place, so two processes at once each see a
//! whole cache or none, and the last writer wins. Failing to write is not an error: the
//! command has its answer already.
//!
//! # Layout
//!
//! Little-endian. A header (magic, format number, the version that wrote it, the folder whose
//! changes it records, the number of commits), then fixed-size records in canonical order,
//! an index of (id, position) sorted by id, and tables the records point into: parents (by
//! position, always earlier), proposal-file changes, and the `Lead-` commits' details. A
//! checksum of everything before it ends the file. A warm run reads the file and looks at
//! the records it needs; nothing is decoded up front.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::model::ledger::{self, CommitInfo};
use crate::model::person::Person;
use crate::model::trailer::Trailer;

use super::folders::FolderInfo;

/// The first bytes of a cache file, then the format number: a file from another version of
/// the format is ignored whole.
const MAGIC: &[u8] = b"git-lead cache\n";
const FORMAT: u32 = 3;

/// A record: id, commit time, tree, folder tree, flags, then (start, length) of the
/// commit's parents, changes and details in their tables.
const RECORD: usize = 20 + 8 + 20 + 20 + 1 + 6 * 4;
/// An index entry: id, position.
const ENTRY: usize = 20 + 4;
/// A change: proposal id, whether a blob follows (else the file was deleted), blob.
const CHANGE: usize = 4 + 1 + 20;

/// Record flags.
const KNOWS_FOLDER: u8 = 1;
const HAS_FOLDER_TREE: u8 = 2;
const HAS_LEAD: u8 = 4;

/// Where the cache of a repository lives: shared by its worktrees, like its objects.
pub(crate) fn path(common_dir: &Path) -> PathBuf {
    common_dir.join("lead").join("cache")
}

/// A cache as read: the commits reachable from its tip, in canonical order (the tip last).
#[derive(Default)]
pub(crate) struct Snapshot {
    bytes: Vec<u8>,
    count: usize,
    /// The folder whose changes the records describe.
    folder: Option<String>,
    /// Whether to act as if no record knew its folder changes (they describe another one).
    forget_folders: bool,
    /// Set when an index entry turned out not to name its record: the file is not one this
    /// code wrote, and the walk must not use it.
    broken: std::cell::Cell<bool>,
    records: usize,
    index: usize,
    parents: usize,
    changes: usize,
    leads: usize,
}

impl Snapshot {
    /// Reads the cache at `path`; an empty snapshot when there is none or it cannot be
    /// trusted to be whole, consistent and of this version.
    pub fn load(path: &Path) -> Snapshot {
        std::fs::read(path)
            .ok()
            .and_then(Snapshot::from_bytes)
            .unwrap_or_default()
    }

    pub(crate) fn from_bytes(bytes: Vec<u8>) -> Option<Snapshot> {
        let mut r = Reader::sealed(&bytes, MAGIC, FORMAT)?;
        let body = r.bytes.len();
        let folder = match r.u8()? {
            0 => None,
            1 => Some(r.str()?),
            _ => return None,
        };
        let count = r.u32()? as usize;
        let records = r.at;
        r.take(count.checked_mul(RECORD)?)?;
        let index = r.at;
        r.take(count.checked_mul(ENTRY)?)?;
        let table = |r: &mut Reader<'_>, size: usize| -> Option<(usize, usize)> {
            let n = r.u32()? as usize;
            let at = r.at;
            r.take(n.checked_mul(size)?)?;
            Some((at, n))
        };
        let (parents, n_parents) = table(&mut r, 4)?;
        let (changes, n_changes) = table(&mut r, CHANGE)?;
        let (leads, n_leads) = table(&mut r, 1)?;
        if r.at != body {
            return None;
        }
        let snap = Snapshot {
            bytes,
            count,
            folder,
            forget_folders: false,
            broken: std::cell::Cell::new(false),
            records,
            index,
            parents,
            changes,
            leads,
        };
        // Everything a record points at must be there, parents must come first and the index
        // must be sorted and point at records: then no later read can fail or loop.
        for i in 0..count {
            let rec = snap.record(i);
            let within = |(start, len): (u32, u32), n: usize| {
                (start as usize)
                    .checked_add(len as usize)
                    .is_some_and(|end| end <= n)
            };
            let parents_ok = within(rec.span(0), n_parents)
                && snap.parent_positions(i).all(|p| (p as usize) < i);
            if !parents_ok || !within(rec.span(1), n_changes) || !within(rec.span(2), n_leads) {
                return None;
            }
            // That each entry names its record is checked when it is looked up (`find`):
            // checking all of them here would visit the records out of order.
            let (id, pos) = snap.entry(i);
            if pos as usize >= count || i > 0 && snap.entry(i - 1).0 >= id {
                return None;
            }
        }
        Some(snap)
    }

    /// Whether a lookup found the index and the records at odds (see [`Snapshot::find`]).
    pub fn is_broken(&self) -> bool {
        self.broken.get()
    }

    /// How many commits the cache holds.
    pub fn len(&self) -> usize {
        self.count
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

    fn record(&self, i: usize) -> Record<'_> {
        let at = self.records + i * RECORD;
        Record(self.bytes.get(at..at + RECORD).unwrap_or(&[0; RECORD]))
    }

    fn entry(&self, i: usize) -> (&[u8], u32) {
        let at = self.index + i * ENTRY;
        let e = self.bytes.get(at..at + ENTRY).unwrap_or(&[0; ENTRY]);
        (&e[..20], u32_at(e, 20))
    }

    /// The position of commit `id`, if the cache holds it. An index entry that does not
    /// name its record marks the snapshot broken and counts as not found.
    pub fn find(&self, id: git2::Oid) -> Option<u32> {
        let (mut lo, mut hi) = (0, self.count);
        while lo < hi {
            let mid = (lo + hi) / 2;
            let (key, pos) = self.entry(mid);
            match key.cmp(id.as_bytes()) {
                std::cmp::Ordering::Equal => {
                    if self.record(pos as usize).id_bytes() != id.as_bytes() {
                        self.broken.set(true);
                        return None;
                    }
                    return Some(pos);
                }
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
            }
        }
        None
    }

    pub fn id(&self, i: usize) -> git2::Oid {
        self.record(i).id()
    }

    pub fn time(&self, i: usize) -> i64 {
        self.record(i).time()
    }

    pub fn tree(&self, i: usize) -> git2::Oid {
        self.record(i).oid(28)
    }

    /// The positions of commit `i`'s parents, in the commit's order.
    pub fn parent_positions(&self, i: usize) -> impl Iterator<Item = u32> + '_ {
        let (start, len) = self.record(i).span(0);
        let at = self.parents + start as usize * 4;
        (0..len as usize).map(move |k| {
            self.bytes
                .get(at + k * 4..at + k * 4 + 4)
                .map_or(u32::MAX, |b| u32_at(b, 0))
        })
    }

    /// The folder tree of commit `i`, when the record knows how it changed the folder.
    pub fn folder_tree(&self, i: usize) -> Option<Option<git2::Oid>> {
        let rec = self.record(i);
        if self.forget_folders || rec.flags() & KNOWS_FOLDER == 0 {
            return None;
        }
        Some((rec.flags() & HAS_FOLDER_TREE != 0).then(|| rec.oid(48)))
    }

    /// How commit `i` changed the folder, when the record knows.
    pub fn folder_info(&self, i: usize) -> Option<FolderInfo> {
        let tree = self.folder_tree(i)?;
        let (start, len) = self.record(i).span(1);
        let at = self.changes + start as usize * CHANGE;
        let changes = (0..len as usize)
            .filter_map(|k| {
                let c = self.bytes.get(at + k * CHANGE..at + (k + 1) * CHANGE)?;
                let blob = match c[4] {
                    1 => Some(git2::Oid::from_bytes(&c[5..25]).ok()?),
                    _ => None,
                };
                Some((u32_at(c, 0), blob))
            })
            .collect();
        Some(FolderInfo { tree, changes })
    }

    /// Whether the record says commit `i` changed a proposal file of the folder.
    pub fn has_changes(&self, i: usize) -> bool {
        self.folder_tree(i).is_some() && self.record(i).span(1).1 > 0
    }

    /// Whether commit `i` carries `Lead-` trailers.
    pub fn has_lead(&self, i: usize) -> bool {
        self.record(i).flags() & HAS_LEAD != 0
    }

    /// Whether commit `i` carries `Lead-` trailers that name proposal `id`
    /// ([`ledger::named`]).
    pub fn names(&self, i: usize, id: u32) -> bool {
        let bytes = self.lead_bytes(i);
        let count = (u32_at(bytes, 0) as usize).min(bytes.len() / 4);
        (0..count).any(|k| u32_at(bytes, 4 + 4 * k) == id)
    }

    fn lead_bytes(&self, i: usize) -> &[u8] {
        let (start, len) = self.record(i).span(2);
        let at = self.leads + start as usize;
        self.bytes.get(at..at + len as usize).unwrap_or_default()
    }

    /// The details of commit `i`, when it carries `Lead-` trailers (author as recorded).
    pub fn lead(&self, i: usize) -> Option<CommitInfo> {
        if !self.has_lead(i) {
            return None;
        }
        let mut r = Reader {
            bytes: self.lead_bytes(i),
            at: 0,
        };
        decode_lead(&mut r, self.id(i))
    }
}

/// A record of the cache, as bytes.
struct Record<'a>(&'a [u8]);

impl Record<'_> {
    fn id(&self) -> git2::Oid {
        self.oid(0)
    }
    fn id_bytes(&self) -> &[u8] {
        &self.0[..20]
    }
    fn oid(&self, at: usize) -> git2::Oid {
        git2::Oid::from_bytes(&self.0[at..at + 20]).unwrap_or(git2::Oid::ZERO_SHA1)
    }
    fn time(&self) -> i64 {
        let mut b = [0u8; 8];
        b.copy_from_slice(&self.0[20..28]);
        i64::from_le_bytes(b)
    }
    fn flags(&self) -> u8 {
        self.0[68]
    }
    /// (start, length) in the table of parents (0), changes (1) or details (2).
    fn span(&self, table: usize) -> (u32, u32) {
        let at = 69 + table * 8;
        (u32_at(self.0, at), u32_at(self.0, at + 4))
    }
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
    pub parents: Vec<u32>,
    pub folder: Option<FolderInfo>,
    pub lead: Lead<'a>,
}

/// The details of a `Lead-` commit, decoded or still as the old cache wrote them.
pub(crate) enum Lead<'a> {
    None,
    Info(&'a CommitInfo),
    Cached(&'a Snapshot, usize),
}

/// Writes the commits of a walk (the commits reachable from the last one, in canonical
/// order) as the cache at `path`. Errors are for the caller to ignore.
pub(crate) fn save<'a>(
    path: &Path,
    folder: Option<&str>,
    entries: impl ExactSizeIterator<Item = Entry<'a>>,
) -> std::io::Result<()> {
    write_atomically(path, |out| encode(folder, entries, out))
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

/// [`encode`] into memory.
#[cfg(test)]
pub(crate) fn encoded<'a>(
    folder: Option<&str>,
    entries: impl ExactSizeIterator<Item = Entry<'a>>,
) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    encode(folder, entries, &mut out).ok().map(|()| out)
}

/// Writes the cache of `entries` to `w`, record by record; fails when the entries are not a
/// whole walk (a parent that does not come first).
pub(crate) fn encode<'a>(
    folder: Option<&str>,
    entries: impl ExactSizeIterator<Item = Entry<'a>>,
    w: impl Write,
) -> std::io::Result<()> {
    let not_whole = || std::io::Error::other("not a whole walk");
    let count = entries.len();
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
    head.extend_from_slice(&u32::try_from(count).map_err(|_| not_whole())?.to_le_bytes());
    // The records are written as they come; the index and tables follow once all are known.
    let mut records = Summed::new(w);
    records.put(&head)?;
    let mut record = Vec::with_capacity(RECORD);
    let mut index: Vec<([u8; 20], u32)> = Vec::with_capacity(count);
    let (mut parents, mut changes, mut leads) = (Vec::new(), Vec::new(), Vec::new());
    for (pos, e) in entries.enumerate() {
        let mut flags = 0;
        let mut folder_tree = [0u8; 20];
        if let Some(f) = &e.folder {
            flags |= KNOWS_FOLDER;
            if let Some(t) = f.tree {
                flags |= HAS_FOLDER_TREE;
                folder_tree.copy_from_slice(t.as_bytes());
            }
        }
        let parent_span = (parents.len() / 4, e.parents.len());
        for p in &e.parents {
            // Parents come first: anything else is not a whole history.
            if *p as usize >= pos {
                return Err(not_whole());
            }
            parents.extend_from_slice(&p.to_le_bytes());
        }
        let change_span = (
            changes.len() / CHANGE,
            e.folder.as_ref().map_or(0, |f| f.changes.len()),
        );
        for (id, blob) in e.folder.iter().flat_map(|f| &f.changes) {
            changes.extend_from_slice(&id.to_le_bytes());
            match blob {
                Some(b) => {
                    changes.push(1);
                    changes.extend_from_slice(b.as_bytes());
                }
                None => changes.extend_from_slice(&[0; 21]),
            }
        }
        let start = leads.len();
        match e.lead {
            Lead::None => {}
            Lead::Info(c) => {
                flags |= HAS_LEAD;
                encode_lead(&mut leads, c);
            }
            Lead::Cached(snap, i) => {
                flags |= HAS_LEAD;
                leads.extend_from_slice(snap.lead_bytes(i));
            }
        }
        let lead_span = (start, leads.len() - start);
        record.clear();
        record.extend_from_slice(e.id.as_bytes());
        record.extend_from_slice(&e.time.to_le_bytes());
        record.extend_from_slice(e.tree.as_bytes());
        record.extend_from_slice(&folder_tree);
        record.push(flags);
        for (start, len) in [parent_span, change_span, lead_span] {
            record.extend_from_slice(&u32::try_from(start).map_err(|_| not_whole())?.to_le_bytes());
            record.extend_from_slice(&u32::try_from(len).map_err(|_| not_whole())?.to_le_bytes());
        }
        records.put(&record)?;
        let mut id = [0u8; 20];
        id.copy_from_slice(e.id.as_bytes());
        index.push((id, pos as u32));
    }
    // Sorting by the first eight bytes first is several times faster than comparing ids
    // whole, and ids rarely share them.
    index.sort_unstable_by(|a, b| {
        let key =
            |x: &[u8; 20]| u64::from_be_bytes([x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7]]);
        key(&a.0).cmp(&key(&b.0)).then_with(|| a.cmp(b))
    });
    let mut out = records;
    for (id, pos) in &index {
        out.put(id)?;
        out.put(&pos.to_le_bytes())?;
    }
    for (table, size) in [(&parents, 4), (&changes, CHANGE), (&leads, 1)] {
        out.put(
            &u32::try_from(table.len() / size)
                .map_err(|_| not_whole())?
                .to_le_bytes(),
        )?;
        out.put(table)?;
    }
    out.finish()
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

fn decode_lead(r: &mut Reader<'_>, id: git2::Oid) -> Option<CommitInfo> {
    let named = r.u32()? as usize;
    r.take(named.checked_mul(4)?)?;
    let author = Person::new(r.str()?, r.str()?);
    let time = r.i64()?;
    let offset = i32::try_from(r.i64()?).ok()?;
    let summary = r.str()?;
    let body = r.str()?;
    let mut trailers = Vec::new();
    for _ in 0..r.u32()? {
        trailers.push(r.trailer()?);
    }
    let mut stranded = Vec::new();
    for _ in 0..r.u32()? {
        stranded.push((r.u32()? as usize, r.trailer()?));
    }
    Some(CommitInfo {
        id: id.to_string(),
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
            let b = std::mem::take(&mut self.pending);
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

/// A writer that keeps the checksum of what went through it and ends with it.
struct Summed<W: Write> {
    w: W,
    sum: Checksum,
}

impl<W: Write> Summed<W> {
    fn new(w: W) -> Self {
        Summed {
            w,
            sum: Checksum::default(),
        }
    }

    fn put(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.sum.update(bytes);
        self.w.write_all(bytes)
    }

    fn finish(mut self) -> std::io::Result<()> {
        let sum = self.sum.finish();
        self.w.write_all(&sum.to_le_bytes())
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
    pub fn str(&mut self) -> Option<String> {
        let n = self.u32()? as usize;
        String::from_utf8(self.take(n)?.to_vec()).ok()
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
                parents: vec![],
                folder: None,
                lead: Lead::None,
            },
            Entry {
                id: oid(2),
                time: 20,
                tree: oid(7),
                parents: vec![0],
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
        assert!(snap.folder_info(0).is_none() && snap.lead(0).is_none());
        assert_eq!(
            format!("{:?}", snap.folder_info(1)),
            format!("{:?}", Some(folder()))
        );
        assert_eq!(format!("{:?}", snap.lead(1)), format!("{:?}", Some(info())));
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
            format!("{:?}", again.lead(1)),
            format!("{:?}", Some(info()))
        );
        let mut forgetful = again;
        forgetful.forget_folders();
        assert!(forgetful.folder_info(1).is_none());
    }

    #[test]
    fn a_damaged_file_or_another_version_is_not_read() {
        let bytes = sample(&folder(), &info());
        for cut in [0, 1, MAGIC.len(), bytes.len() / 2, bytes.len() - 1] {
            assert!(
                Snapshot::from_bytes(bytes[..cut].to_vec()).is_none(),
                "cut at {cut}"
            );
        }
        for flip in [0, MAGIC.len() + 2, bytes.len() / 2, bytes.len() - 9] {
            let mut bad = bytes.clone();
            bad[flip] ^= 0x20;
            assert!(Snapshot::from_bytes(bad).is_none(), "byte {flip} flipped");
        }
        // The checksum is right, but the format number is not, or a parent comes later.
        let resum = |mut body: Vec<u8>| {
            let sum = checksum(&body);
            body.extend_from_slice(&sum.to_le_bytes());
            body
        };
        let mut other = bytes[..bytes.len() - 8].to_vec();
        other[MAGIC.len()] = 9;
        assert!(Snapshot::from_bytes(resum(other)).is_none());
        let good = Snapshot::from_bytes(bytes.clone()).unwrap();
        let mut later = bytes[..bytes.len() - 8].to_vec();
        let parent = good.parents;
        later[parent..parent + 4].copy_from_slice(&1u32.to_le_bytes());
        assert!(Snapshot::from_bytes(resum(later)).is_none());
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
            parents: vec![],
            folder: Some(folder),
            lead: Lead::Info(&lead),
        }];
        save(&dir.join("cache"), None, entries.into_iter()).unwrap();
        assert!(Snapshot::load(&dir.join("cache")).len() == 1);
        assert!(!old.exists() && recent.exists() && other.exists());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn an_index_entry_that_names_another_record_breaks_the_snapshot() {
        let bytes = sample(&folder(), &info());
        let good = Snapshot::from_bytes(bytes.clone()).unwrap();
        assert!(good.find(oid(2)).is_some() && !good.is_broken());
        // Swap the positions the two index entries give: still sorted, still in range.
        let mut body = bytes[..bytes.len() - 8].to_vec();
        let (first, second) = (good.index + 20, good.index + ENTRY + 20);
        let a: [u8; 4] = body[first..first + 4].try_into().unwrap();
        let b: [u8; 4] = body[second..second + 4].try_into().unwrap();
        body[first..first + 4].copy_from_slice(&b);
        body[second..second + 4].copy_from_slice(&a);
        let sum = checksum(&body);
        body.extend_from_slice(&sum.to_le_bytes());
        let bad = Snapshot::from_bytes(body).unwrap();
        assert_eq!(bad.find(oid(2)), None);
        assert!(bad.is_broken());
    }

    #[test]
    fn a_parent_that_does_not_come_first_is_not_written() {
        let entries = vec![Entry {
            id: oid(1),
            time: 0,
            tree: oid(1),
            parents: vec![0],
            folder: None,
            lead: Lead::None,
        }];
        assert!(encoded(None, entries.into_iter()).is_none());
    }
}

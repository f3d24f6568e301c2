//! Every commit of the repository's pack files, read in one pass on every core: what a walk
//! with no cache reads first, instead of looking each commit up in turn.
//!
//! A walk that reads commits one at a time through libgit2 looks each one up in the pack
//! index, then inflates it; libgit2 locks its packs on every read, so a second core cannot
//! help. Here the pack index is read once, its entries are put in the order of the pack,
//! and the cores take stretches of the pack file in turn, reading each from start to end
//! and inflating the commit objects in it (passing over the rest). That pass covers the
//! repository's own packs only. The packs of the directories its `info/alternates` names
//! (a clone made with `--shared` or `--reference` keeps nearly everything there) are read
//! one object at a time, as the walk reaches each commit ([`Objects::commit`]): an
//! alternate is an object store shared with other repositories, and most of its commits
//! may be none of this one's (107,000 of the 190,000 in the git.git mirror measured, whose
//! one-pass read came out slower than libgit2). A commit stored as a delta is rebuilt from
//! its base; one that is loose is simply not found here: the walk reads it through libgit2.
//!
//! Each core also reads single objects ([`Objects`]): the trees that lead from a commit's
//! root tree to the proposal folder, looked up as the commit is read. An object stored as
//! a delta is rebuilt from its base (followed back to a whole object, or one read lately,
//! as the base of the next root tree usually is). A single read does not need to know
//! where its object ends (an alternate's objects are never put in pack order): it reads
//! as many bytes as zlib can take to store the object's size, up to the pack's checksum.
//! After the walk, a reader of the repository's own packs alone ([`Packs::own`]) serves
//! the proposal blobs and folder trees the rest of the run reads.
//!
//! Anything unexpected (an index of another version, an offset past the end of its pack, an
//! object that does not inflate to its size, a delta that does not fit its base) gives up:
//! the whole pass, and the walk reads every commit through libgit2, which reports what is
//! wrong; or the single object, which the walk then reads through libgit2.
//!
//! # Formats (as git documents them in `gitformat-pack`)
//!
//! - **Index, version 2:** `\377tOc`, the version (2), 256 cumulative counts by first byte
//!   of id, the ids (sorted), a CRC-32 per object, a 4-byte offset per object (when its
//!   top bit is set, the rest indexes a table of 8-byte offsets that follows), the pack's
//!   checksum, the index's own checksum. Numbers are big-endian.
//! - **Pack:** `PACK`, the version (2 or 3), the number of objects, then each object: a
//!   header of 7-bit groups (the first holds the type in bits 4–6 and the low 4 bits of
//!   the size, bit 7 says another byte follows), for a delta the base's offset or id, then
//!   the zlib stream of the data; the pack's checksum ends it.
//! - **Reverse index (`.rev`), version 1:** `RIDX`, the version (1), the hash id (1 for
//!   SHA-1), then for each object in the order of the pack its position in the index, the
//!   pack's checksum, the file's own. Used for the pack order where it fits the index
//!   (else the index's offsets are sorted).
//! - **Delta:** the base's size and the result's (7-bit groups, least significant first),
//!   then instructions: with the top bit set, copy from the base (which offset and size
//!   bytes follow is in the low seven bits; a size of 0 means 65,536), else insert the
//!   next that many bytes.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;

/// The types of a pack entry's header: whole objects, then the two kinds of delta (on a
/// base at an earlier offset of the same pack, or on a base named by its id).
const COMMIT: u8 = 1;
const TREE: u8 = 2;
const BLOB: u8 = 3;
const TAG: u8 = 4;
const OFS_DELTA: u8 = 6;
const REF_DELTA: u8 = 7;

/// How many bytes of the pack a thread reads at a time (more for an object that is larger).
const CHUNK: usize = 4 << 20;

/// How many bytes around an object a random read takes: the base of a delta is usually
/// close before it, and a walk's next commit close after it. Each byte is copied out of
/// the kernel's cache: in a cold `check` of git.git with 1,000 proposals, 16 KB took
/// 65,000 reads and copied 1.07 GB, 8 KB 75,000 reads and 0.65 GB.
const WINDOW: usize = 8 << 10;

/// How many bytes of objects a reader keeps for the deltas that follow (then it starts
/// again).
const KEEP: usize = 4 << 20;

/// The longest chain of deltas followed (git writes 50 at most by default, 4095 at most).
const DEPTH: usize = 4096;

/// Below this many objects in all, one pass is not worth a thread per core.
const ALONE: usize = 4096;

/// An object of a pack: where it starts and ends in the pack file, and where its id is in
/// the index.
#[derive(Clone, Copy)]
struct Entry {
    start: u64,
    end: u64,
    index: u32,
}

/// The pack files of an object directory, their indexes read.
pub(crate) struct Packs {
    packs: Vec<Pack>,
}

struct Pack {
    path: std::path::PathBuf,
    /// Whether the pack is the repository's own (not an alternate's): the one-pass read
    /// covers those only.
    local: bool,
    index: Index,
    /// Where the checksum that closes the pack starts: no object reaches past it.
    end: u64,
    /// The objects in the order of the pack, for the one-pass read: of the repository's
    /// own packs only (an alternate's may hold a million objects, 24 MB of entries).
    entries: Vec<Entry>,
}

impl Packs {
    /// The pack files of `objects` (a repository's object directory) and of the
    /// directories its `info/alternates` names, that have an index beside them; `None`
    /// when one cannot be read (see the module's notes).
    pub(crate) fn open(objects: &Path) -> Option<Arc<Packs>> {
        let mut packs = Vec::new();
        for (path, local) in pack_files(objects)? {
            let index = Index::read(std::fs::File::open(path.with_extension("idx")).ok()?)?;
            let end = std::fs::metadata(&path).ok()?.len().checked_sub(20)?;
            let entries = match local {
                true => {
                    let rev = std::fs::read(path.with_extension("rev")).ok();
                    index.in_pack_order(end, rev.as_deref())?
                }
                false => Vec::new(),
            };
            packs.push(Pack {
                path,
                local,
                index,
                end,
                entries,
            });
        }
        Some(Arc::new(Packs { packs }))
    }

    /// The repository's own packs alone, for the reads that follow a walk (its proposal
    /// files and folder trees, most often), without the pack order: an alternate's index
    /// is the largest part of what a walk holds (20 MB for git.git's 850,000 objects), and
    /// what they hold is read through libgit2. `None` when there are none, or when
    /// another reader still shares these packs.
    pub(crate) fn own(self: Arc<Self>) -> Option<Arc<Packs>> {
        let mut packs = Arc::try_unwrap(self).ok()?.packs;
        packs.retain(|p| p.local);
        for p in &mut packs {
            p.entries = Vec::new();
        }
        (!packs.is_empty()).then(|| Arc::new(Packs { packs }))
    }

    /// Readers of these packs for the reads after a walk ([`Later`]).
    pub(crate) fn later(self: &Arc<Self>) -> Later {
        Later {
            blobs: self.objects(),
            trees: self.objects(),
        }
    }

    /// Whether the repository's own packs hold anything for [`Packs::commits`] to read.
    pub(crate) fn any_local(&self) -> bool {
        self.packs.iter().any(|p| p.local && !p.entries.is_empty())
    }

    /// Every commit stored whole in the repository's own packs, each made into what `each`
    /// gives for its id and bytes (`None` leaves it out), in no particular order; `each`
    /// can read other objects of the packs (the alternates' too) through its reader, and
    /// keeps what it likes in its thread's `S`. `None` when the pass gives up. `progress`
    /// is told, on this thread, how many commits all threads have found so far.
    pub(crate) fn commits<T: Send, S: Default>(
        self: &Arc<Self>,
        each: impl Fn(&mut Objects, &mut S, git2::Oid, &[u8]) -> Option<T> + Sync,
        progress: &dyn Fn(usize),
    ) -> Option<Vec<T>> {
        use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
        let mut out = Vec::new();
        let counted = AtomicUsize::new(0);
        for pack in self.packs.iter().filter(|p| p.local) {
            // Commits cluster in parts of a pack: the cores take small stretches in turn.
            let size = pack.entries.len().div_ceil(64).max(1);
            let stretches: Vec<&[Entry]> = pack.entries.chunks(size).collect();
            let next = AtomicUsize::new(0);
            let work = |tell: &dyn Fn(usize)| -> Option<Vec<T>> {
                let (mut objects, mut state) = (self.objects(), S::default());
                let mut found = Vec::new();
                loop {
                    let n = next.fetch_add(1, Relaxed);
                    let Some(stretch) = stretches.get(n) else {
                        return Some(found);
                    };
                    let before = found.len();
                    read_part(pack, stretch, (&mut objects, &mut state), &each, &mut found)?;
                    tell(counted.fetch_add(found.len() - before, Relaxed) + found.len() - before);
                }
            };
            let alone = pack.entries.len() < ALONE;
            for found in crate::parallel::on_each_core(alone, || work(progress), || work(&|_| ())) {
                out.extend(found?);
            }
        }
        Some(out)
    }

    /// A reader of single objects, for one thread.
    pub(crate) fn objects(self: &Arc<Self>) -> Objects {
        Objects {
            packs: Arc::clone(self),
            source: Source {
                files: self.packs.iter().map(|_| None).collect(),
                window: (usize::MAX, 0, Vec::new()),
            },
            z: libdeflater::Decompressor::new(),
            kept: Kept::default(),
            last: 0,
        }
    }
}

/// The readers of the reads that follow a walk: one for blobs, one for trees, each with
/// its own delta bases. A proposal's versions are small deltas on each other; a folder
/// tree of 1,000 proposals is 40 KB, rebuilt from a chain of up to 50 such: in one cache,
/// each folder tree read pushed out the bases of the blobs read next.
pub(crate) struct Later {
    blobs: Objects,
    trees: Objects,
}

impl Later {
    /// The bytes of blob `id`, when the packs hold it and it is one.
    pub(crate) fn blob(&mut self, id: git2::Oid) -> Option<Bytes> {
        self.blobs.blob(id)
    }

    /// The bytes of tree `id`, when the packs hold it and it is one.
    pub(crate) fn tree(&mut self, id: git2::Oid) -> Option<Bytes> {
        self.trees.tree(id)
    }
}

/// The bytes of an object, shared: a delta's base is kept while its result is handed on,
/// and a vector moves into it without a copy (a root tree of git.git is 20 KB, read
/// 120,000 times in a cold walk).
pub(crate) type Bytes = std::rc::Rc<Vec<u8>>;

/// An object: its type (as a pack entry's header gives it) and its bytes.
type Object = (u8, Bytes);

/// Reads single objects of the packs, whole or rebuilt from their deltas, for one thread:
/// a file handle per pack, the bytes around the last object read, and the objects read
/// lately (the bases of the next deltas).
pub(crate) struct Objects {
    packs: Arc<Packs>,
    source: Source,
    z: libdeflater::Decompressor,
    kept: Kept,
    /// The pack the last object was found in.
    last: usize,
}

/// The objects a reader read lately, by pack and offset, in two generations of at most
/// [`KEEP`] / 2 bytes each: when the newer fills, it becomes the older and the older is
/// dropped, and an object found in the older moves to the newer. Emptying the whole cache
/// when full (as before) left the next root tree of git.git to rebuild its delta chain,
/// up to 50 deep, from the start.
#[derive(Default)]
struct Kept {
    newer: std::collections::HashMap<(usize, u64), Object>,
    older: std::collections::HashMap<(usize, u64), Object>,
    bytes: usize,
}

impl Kept {
    fn get(&mut self, key: (usize, u64)) -> Option<Object> {
        if let Some(found) = self.newer.get(&key) {
            return Some(found.clone());
        }
        let found = self.older.remove(&key)?;
        self.insert(key, found.clone());
        Some(found)
    }

    fn insert(&mut self, key: (usize, u64), object: Object) {
        if self.bytes + object.1.len() > KEEP / 2 {
            self.older = std::mem::take(&mut self.newer);
            self.bytes = 0;
        }
        self.bytes += object.1.len();
        self.newer.insert(key, object);
    }
}

/// Where a reader's bytes come from: a file handle per pack, and the bytes around the last
/// object read.
struct Source {
    files: Vec<Option<std::fs::File>>,
    /// Which pack, where in it, and the bytes read there.
    window: (usize, u64, Vec<u8>),
}

impl Objects {
    /// The type and bytes of object `id`; `None` when no pack holds it, or it does not read.
    pub(crate) fn read(&mut self, id: git2::Oid) -> Option<Object> {
        let packs = &self.packs.packs;
        // The pack of the last object found first: a walk's next commit or tree is
        // usually in the same one (an alternate's, in a shared clone).
        let last = self.last;
        let found = packs
            .get(last)
            .and_then(|p| p.index.offset_of(id))
            .map(|at| (last, at));
        let (k, at) = match found {
            Some(found) => found,
            None => packs
                .iter()
                .enumerate()
                .filter(|(k, _)| *k != last)
                .find_map(|(k, p)| Some((k, p.index.offset_of(id)?)))?,
        };
        self.last = k;
        self.read_at(k, at)
    }

    /// The bytes of commit `id`, when it is one.
    pub(crate) fn commit(&mut self, id: git2::Oid) -> Option<Bytes> {
        let (kind, data) = self.read(id)?;
        (kind == COMMIT).then_some(data)
    }

    /// The bytes of tree `id`, when it is one.
    pub(crate) fn tree(&mut self, id: git2::Oid) -> Option<Bytes> {
        let (kind, data) = self.read(id)?;
        (kind == TREE).then_some(data)
    }

    /// The bytes of blob `id`, when it is one.
    pub(crate) fn blob(&mut self, id: git2::Oid) -> Option<Bytes> {
        let (kind, data) = self.read(id)?;
        (kind == BLOB).then_some(data)
    }

    /// The object at offset `at` of pack `k`: its deltas followed back to a whole object
    /// (or one read lately), then applied in turn.
    fn read_at(&mut self, k: usize, at: u64) -> Option<Object> {
        let mut deltas: Vec<(u64, Vec<u8>)> = Vec::new();
        let mut at = at;
        let (kind, mut data) = loop {
            if let Some(kept) = self.kept.get((k, at)) {
                break kept;
            }
            if deltas.len() > DEPTH {
                return None;
            }
            let pack = self.packs.packs.get(k)?;
            let head = self.source.bytes(pack, k, at, HEAD)?;
            let (kind, size, header) = entry_header(head)?;
            let need = header.checked_add(20)?.checked_add(deflated_bound(size)?)?;
            let bytes = self.source.bytes(pack, k, at, need)?;
            let (base, data_at) = match kind {
                COMMIT..=TAG => (None, header),
                OFS_DELTA => {
                    let (back, n) = ofs_delta(bytes.get(header..)?)?;
                    (Some(at.checked_sub(back)?), header + n)
                }
                REF_DELTA => {
                    let id = git2::Oid::from_bytes(bytes.get(header..header + 20)?).ok()?;
                    (Some(pack.index.offset_of(id)?), header + 20)
                }
                _ => return None,
            };
            let inflated = inflate(&mut self.z, bytes.get(data_at..)?, size)?;
            match base {
                None => {
                    let whole = Bytes::new(inflated);
                    self.keep(k, at, kind, &whole);
                    break (kind, whole);
                }
                Some(base) => {
                    deltas.push((at, inflated));
                    at = base;
                }
            }
        };
        for (at, delta) in deltas.into_iter().rev() {
            data = Bytes::new(apply_delta(&data, &delta)?);
            self.keep(k, at, kind, &data);
        }
        Some((kind, data))
    }

    fn keep(&mut self, k: usize, at: u64, kind: u8, data: &Bytes) {
        self.kept.insert((k, at), (kind, Bytes::clone(data)));
    }
}

/// At most how many bytes an entry's header takes, with a delta's base (an offset or an id).
const HEAD: usize = 32;

/// At most how many bytes git's zlib deflates `size` bytes to: stored blocks add 5 bytes
/// in 65,535, the stream 6 in all (`compressBound` allows more; a stream longer still
/// does not inflate from what is read, and the object is read through libgit2).
fn deflated_bound(size: usize) -> Option<usize> {
    size.checked_add(size >> 12)?.checked_add(64)
}

impl Source {
    /// The `len` bytes of `pack` (pack `k`) from `start`, or as many as there are before the
    /// pack's checksum: from the window, or read into it.
    fn bytes(&mut self, pack: &Pack, k: usize, start: u64, len: usize) -> Option<&[u8]> {
        let end = pack.end.min(start.saturating_add(u64::try_from(len).ok()?));
        let (at_pack, from, bytes) = &self.window;
        let inside = *at_pack == k && *from <= start && end <= from + bytes.len() as u64;
        if !inside {
            let len = usize::try_from(end.checked_sub(start)?).ok()?;
            let want = usize::try_from(pack.end.checked_sub(start)?)
                .ok()?
                .min(WINDOW)
                .max(len);
            let file = match self.files.get_mut(k)? {
                Some(f) => f,
                slot => slot.insert(std::fs::File::open(&pack.path).ok()?),
            };
            let mut bytes = std::mem::take(&mut self.window.2);
            bytes.resize(want, 0);
            read_exact_at(file, &mut bytes, start).ok()?;
            self.window = (k, start, bytes);
        }
        let (_, from, bytes) = &self.window;
        let offset = usize::try_from(start - from).ok()?;
        bytes.get(offset..offset + usize::try_from(end - start).ok()?)
    }
}

/// Fills `buf` from `file` at offset `at`: one system call where there is one for it
/// (a seek and a read were two).
fn read_exact_at(file: &mut std::fs::File, buf: &mut [u8], at: u64) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_exact_at(&*file, buf, at)
    }
    #[cfg(not(unix))]
    {
        file.seek(SeekFrom::Start(at))?;
        file.read_exact(buf)
    }
}

/// The `.pack` files of `objects/pack` and of its alternates' that have an index beside
/// them, each with whether it is `objects`' own.
fn pack_files(objects: &Path) -> Option<Vec<(std::path::PathBuf, bool)>> {
    let mut packs = Vec::new();
    for (n, objects) in object_dirs(objects).into_iter().enumerate() {
        let dir = match std::fs::read_dir(objects.join("pack")) {
            Ok(dir) => dir,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(_) => return None,
        };
        let mut here = Vec::new();
        for entry in dir {
            let path = entry.ok()?.path();
            if path.extension().is_some_and(|e| e == "pack") && path.with_extension("idx").is_file()
            {
                here.push(path);
            }
        }
        here.sort();
        packs.extend(here.into_iter().map(|path| (path, n == 0)));
    }
    Some(packs)
}

/// How deep git follows alternates of alternates (`link_alt_odb_entry`).
const ALTERNATES_DEPTH: usize = 5;

/// The object directory `objects`, then those its `info/alternates` names (a path per line,
/// relative to `objects` when not absolute; `#` starts a comment), and theirs in turn, as
/// git reads them: each once, at most [`ALTERNATES_DEPTH`] levels deep. A clone made with
/// `git clone --shared` or `--reference` keeps its objects there.
pub(crate) fn object_dirs(objects: &Path) -> Vec<std::path::PathBuf> {
    let mut dirs: Vec<std::path::PathBuf> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut queue = std::collections::VecDeque::from([(objects.to_path_buf(), 0)]);
    while let Some((dir, depth)) = queue.pop_front() {
        let real = std::fs::canonicalize(&dir).unwrap_or_else(|_| dir.clone());
        if !real.is_dir() || !seen.insert(real) {
            continue;
        }
        if depth < ALTERNATES_DEPTH {
            let listed = std::fs::read_to_string(dir.join("info").join("alternates"));
            for line in listed.iter().flat_map(|text| text.lines()) {
                let line = line.trim_end_matches('\r');
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                queue.push_back((dir.join(line), depth + 1));
            }
        }
        dirs.push(dir);
    }
    dirs
}

/// Where `id` is among the `count` sorted 20-byte ids that start at `ids` in `bytes`, found
/// among those that share its first byte, whose bounds come from the 256 cumulative counts
/// at `fanout`: the layout of a pack index and of a commit-graph's `OIDF` and `OIDL`
/// chunks. `None` when it is not there or the bytes do not hold it.
///
/// Object ids are spread evenly, so the first probes go where the id's value falls between
/// the values at the bounds (two or three probes in 3,300 ids, against twelve halvings, each
/// a miss of the processor's cache in a 17 MB index); after [`GUESSES`] of them, halving
/// takes over, so ids spread any other way are found in logarithmic time too.
pub(super) fn find_id(
    bytes: &[u8],
    fanout: usize,
    ids: usize,
    count: usize,
    id: &[u8],
) -> Option<usize> {
    let first = usize::from(*id.first()?);
    let below = match first {
        0 => 0,
        _ => be32(bytes, fanout + 4 * (first - 1))? as usize,
    };
    let upto = (be32(bytes, fanout + 4 * first)? as usize).min(count);
    // Most steps are decided by the first eight bytes, compared as one number.
    let key = be64(id, 0)?;
    let (mut lo, mut hi) = (below, upto);
    // The values the ids between `lo` and `hi` lie between (`key` among them).
    let (mut low, mut high) = (
        u128::from(key >> 56) << 56,
        (u128::from(key >> 56) + 1) << 56,
    );
    let mut guesses = 0;
    while lo < hi {
        let mid = match guesses < GUESSES && high > low {
            true => {
                guesses += 1;
                let span = (hi - lo) as u128;
                let ahead = (u128::from(key).saturating_sub(low) * span / (high - low)) as usize;
                lo + ahead.min(hi - lo - 1)
            }
            false => lo + (hi - lo) / 2,
        };
        let at = ids + 20 * mid;
        let value = be64(bytes, at)?;
        let order = match value.cmp(&key) {
            std::cmp::Ordering::Equal => bytes.get(at..at + 20)?.cmp(id),
            other => other,
        };
        match order {
            std::cmp::Ordering::Equal => return Some(mid),
            std::cmp::Ordering::Less => (lo, low) = (mid + 1, u128::from(value)),
            std::cmp::Ordering::Greater => (hi, high) = (mid, u128::from(value)),
        }
    }
    None
}

/// How many probes of [`find_id`] are guessed from the values before it halves.
const GUESSES: usize = 4;

/// The big-endian number of 4 bytes at `at`, when `bytes` holds them (git's on-disk
/// formats store numbers so; `graph.rs` reads them too).
pub(super) fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(
        bytes.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

/// The big-endian number of 8 bytes at `at`, when `bytes` holds them.
pub(super) fn be64(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(
        bytes.get(at..at.checked_add(8)?)?.try_into().ok()?,
    ))
}

/// A version-2 pack index, read but for its CRC-32s (which only a copy of raw pack data
/// needs): for the git.git pack's 850,000 objects, 20 MB.
struct Index {
    /// The header, the fan-out table and the sorted ids.
    ids: Vec<u8>,
    count: usize,
    /// The 4-byte offsets, in the order of the ids, then the table of 8-byte ones.
    small: Vec<u8>,
    large: Vec<u8>,
}

/// Where the ids of a pack index start: after the header and the fan-out table.
const IDS: usize = 8 + 256 * 4;

impl Index {
    fn read(mut idx: std::fs::File) -> Option<Index> {
        let mut ids = vec![0; IDS];
        idx.read_exact(&mut ids).ok()?;
        if ids.get(..4)? != b"\xfftOc" || be32(&ids, 4)? != 2 {
            return None;
        }
        let count = be32(&ids, 8 + 255 * 4)? as usize;
        // Ids, CRCs, offsets, two checksums: a count the file cannot hold is damage.
        let whole = IDS.checked_add(count.checked_mul(20)?)?;
        let least = whole.checked_add(count.checked_mul(8)?)?.checked_add(40)?;
        if u64::try_from(least).ok()? > idx.metadata().ok()?.len() {
            return None;
        }
        ids.resize(whole, 0);
        idx.read_exact(&mut ids[IDS..]).ok()?;
        let crcs = u64::try_from(count.checked_mul(4)?).ok()?;
        if std::io::copy(&mut (&mut idx).take(crcs), &mut std::io::sink()).ok()? != crcs {
            return None;
        }
        let mut small = vec![0; count * 4];
        idx.read_exact(&mut small).ok()?;
        let mut large = Vec::new();
        idx.read_to_end(&mut large).ok()?;
        // Then the two checksums, at least.
        large.truncate(large.len().checked_sub(40)?);
        Some(Index {
            ids,
            count,
            small,
            large,
        })
    }

    /// The id of object `i` of the index.
    fn id(&self, i: u32) -> Option<git2::Oid> {
        let at = IDS + 20 * i as usize;
        git2::Oid::from_bytes(self.ids.get(at..at + 20)?).ok()
    }

    /// Where object `i` of the index starts in the pack: a 4-byte offset, or when its top
    /// bit is set, the place of an 8-byte one in the table that follows.
    fn offset(&self, i: usize) -> Option<u64> {
        let offset = be32(&self.small, 4 * i)?;
        match offset & 0x8000_0000 {
            0 => Some(u64::from(offset)),
            _ => be64(&self.large, 8 * (offset & 0x7fff_ffff) as usize),
        }
    }

    /// Where object `id` starts in the pack, when the index lists it: a binary search
    /// among the ids that share its first byte.
    fn offset_of(&self, id: git2::Oid) -> Option<u64> {
        self.offset(find_id(&self.ids, 8, IDS, self.count, id.as_bytes())?)
    }

    /// The objects in the order of a pack whose closing checksum starts at `last`, each with
    /// where it ends: where the next begins, or that checksum.
    ///
    /// The pack's reverse index (`rev`, the bytes of its `.rev` file) gives that order
    /// ready-made; without one, or with one that does not fit, the offsets are sorted.
    fn in_pack_order(&self, last: u64, rev: Option<&[u8]>) -> Option<Vec<Entry>> {
        let listed = match rev.and_then(|rev| self.order_of_rev(rev)) {
            Some(listed) => listed,
            None => {
                let mut listed = (0..self.count)
                    .map(|i| Some((self.offset(i)?, u32::try_from(i).ok()?)))
                    .collect::<Option<Vec<(u64, u32)>>>()?;
                listed.sort_unstable();
                listed
            }
        };
        let mut out = Vec::with_capacity(listed.len());
        for (k, &(start, index)) in listed.iter().enumerate() {
            let end = listed.get(k + 1).map_or(last, |(next, _)| *next);
            // The 12-byte header comes first; every object takes at least two bytes.
            if start < 12 || end <= start + 1 {
                return None;
            }
            out.push(Entry { start, end, index });
        }
        Some(out)
    }

    /// The objects in pack order, by a reverse index: `RIDX`, version 1, hash id 1 (SHA-1),
    /// then for each object in pack order its position in the index, then the pack's
    /// checksum and its own. `None` unless it lists exactly this index's objects with
    /// offsets that only grow (which makes it a permutation, and the sorted order).
    fn order_of_rev(&self, rev: &[u8]) -> Option<Vec<(u64, u32)>> {
        if rev.get(..4)? != b"RIDX" || be32(rev, 4)? != 1 || be32(rev, 8)? != 1 {
            return None;
        }
        if rev.len() != 12 + 4 * self.count + 40 {
            return None;
        }
        let mut listed = Vec::with_capacity(self.count);
        for k in 0..self.count {
            let index = be32(rev, 12 + 4 * k)?;
            let start = self.offset(index as usize)?;
            if listed.last().is_some_and(|&(before, _)| before >= start) {
                return None;
            }
            listed.push((start, index));
        }
        Some(listed)
    }
}

/// Reads the stretch of pack `k` that `part` covers, a chunk at a time, and gives what
/// `each` makes of the commits in it to `found`.
fn read_part<T, S>(
    pack: &Pack,
    part: &[Entry],
    (objects, state): (&mut Objects, &mut S),
    each: &(impl Fn(&mut Objects, &mut S, git2::Oid, &[u8]) -> Option<T> + Sync),
    found: &mut Vec<T>,
) -> Option<()> {
    let (Some(first), Some(last)) = (part.first(), part.last()) else {
        return Some(());
    };
    let mut file = std::fs::File::open(&pack.path).ok()?;
    let mut head = [0u8; 12];
    file.read_exact(&mut head).ok()?;
    if &head[..4] != b"PACK" || !matches!(be32(&head, 4)?, 2 | 3) {
        return None;
    }
    let mut z = libdeflater::Decompressor::new();
    let mut chunk: Vec<u8> = Vec::new();
    // Where `chunk` starts in the pack.
    let mut at = first.start;
    for e in part {
        let len = usize::try_from(e.end - e.start).ok()?;
        let offset = usize::try_from(e.start.checked_sub(at)?).ok()?;
        if offset + len > chunk.len() {
            // Read on from this object: what is left of the part, at most a chunk (or the
            // object, when it is larger).
            let want = usize::try_from(last.end - e.start)
                .ok()?
                .min(CHUNK)
                .max(len);
            file.seek(SeekFrom::Start(e.start)).ok()?;
            chunk.clear();
            chunk.resize(want, 0);
            file.read_exact(&mut chunk).ok()?;
            at = e.start;
        }
        let offset = usize::try_from(e.start - at).ok()?;
        let bytes = chunk.get(offset..offset + len)?;
        let (kind, size, header) = entry_header(bytes)?;
        if kind != COMMIT {
            continue;
        }
        let data = inflate(&mut z, bytes.get(header..)?, size)?;
        found.extend(each(objects, state, pack.index.id(e.index)?, &data));
    }
    Some(())
}

/// The `size` bytes the zlib stream `compressed` inflates to; `None` when it does not
/// inflate to exactly that.
fn inflate(z: &mut libdeflater::Decompressor, compressed: &[u8], size: usize) -> Option<Vec<u8>> {
    // Deflate expands at most about 1032 times: a larger size is a damaged header.
    if size > compressed.len().saturating_mul(1040).saturating_add(64) {
        return None;
    }
    let mut data = vec![0; size];
    let n = z.zlib_decompress(compressed, &mut data).ok()?;
    (n == size).then_some(data)
}

/// How far back the base of an offset delta is, and the length of that number: 7-bit
/// groups, most significant first, each continuation adding one before the shift.
fn ofs_delta(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut b = *bytes.first()?;
    let mut back = u64::from(b & 0x7f);
    let mut n = 1;
    while b & 0x80 != 0 {
        b = *bytes.get(n)?;
        back = back.checked_add(1)?.checked_mul(128)? | u64::from(b & 0x7f);
        n += 1;
    }
    Some((back, n))
}

/// A size at the start of a delta: 7-bit groups, least significant first.
fn delta_size(delta: &[u8], at: &mut usize) -> Option<usize> {
    let (mut size, mut shift) = (0usize, 0u32);
    loop {
        let b = *delta.get(*at)?;
        *at += 1;
        if shift > 56 {
            return None;
        }
        size |= usize::from(b & 0x7f) << shift;
        shift += 7;
        if b & 0x80 == 0 {
            return Some(size);
        }
    }
}

/// `base` with `delta` applied: the two sizes, then instructions that copy a stretch of the
/// base or insert the bytes that follow. `None` when the delta does not fit the base.
fn apply_delta(base: &[u8], delta: &[u8]) -> Option<Vec<u8>> {
    let mut at = 0;
    if delta_size(delta, &mut at)? != base.len() {
        return None;
    }
    let size = delta_size(delta, &mut at)?;
    let mut out = Vec::with_capacity(size.min(base.len() + delta.len() * 128));
    while at < delta.len() {
        let op = delta[at];
        at += 1;
        if op & 0x80 != 0 {
            let (mut offset, mut len) = (0usize, 0usize);
            for i in 0..4 {
                if op & (1 << i) != 0 {
                    offset |= usize::from(*delta.get(at)?) << (8 * i);
                    at += 1;
                }
            }
            for i in 0..3 {
                if op & (0x10 << i) != 0 {
                    len |= usize::from(*delta.get(at)?) << (8 * i);
                    at += 1;
                }
            }
            if len == 0 {
                len = 0x10000;
            }
            out.extend_from_slice(base.get(offset..offset.checked_add(len)?)?);
        } else if op != 0 {
            let len = usize::from(op);
            out.extend_from_slice(delta.get(at..at + len)?);
            at += len;
        } else {
            return None;
        }
        if out.len() > size {
            return None;
        }
    }
    (out.len() == size).then_some(out)
}

/// The type, the size and the length of the header of a pack entry.
fn entry_header(bytes: &[u8]) -> Option<(u8, usize, usize)> {
    let first = *bytes.first()?;
    let kind = (first >> 4) & 7;
    let mut size = usize::from(first & 15);
    let (mut shift, mut at, mut more) = (4u32, 1, first & 0x80 != 0);
    while more {
        let b = *bytes.get(at)?;
        if shift > 57 {
            return None;
        }
        size |= usize::from(b & 0x7f) << shift;
        shift += 7;
        at += 1;
        more = b & 0x80 != 0;
    }
    Some((kind, size, at))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A repository with commits in one pack (some similar enough to be stored as deltas),
    /// a second pack, and loose ones; and every commit's id.
    fn repository(name: &str) -> (std::path::PathBuf, git2::Repository, Vec<git2::Oid>) {
        let dir =
            std::env::temp_dir().join(format!("git-lead-packs-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let repo = git2::Repository::init_bare(&dir).unwrap();
        let mut commits = Vec::new();
        let mut parent: Option<git2::Oid> = None;
        // Most commits unlike each other, every tenth alike (stored as a delta, mostly).
        let alike = "A long and repetitive body line that makes commits alike.\n".repeat(40);
        let pack = |repo: &git2::Repository, commits: &[git2::Oid]| {
            let mut pb = repo.packbuilder().unwrap();
            for c in commits {
                pb.insert_commit(*c).unwrap();
            }
            pb.write(&dir.join("objects/pack"), 0o644).unwrap();
        };
        for round in 0..3 {
            let start = commits.len();
            for i in 0..60 {
                let odb = repo.odb().unwrap();
                // A root tree of many files and a `proposals` folder, one file changed per
                // commit: trees stored as deltas on each other.
                let blob = odb
                    .write(git2::ObjectType::Blob, format!("{round} {i}").as_bytes())
                    .unwrap();
                let mut folder = Vec::new();
                for f in 0..12 {
                    let content = format!(
                        "proposal {f} {}",
                        if f == i % 12 { round * 100 + i } else { 0 }
                    );
                    let id = odb
                        .write(git2::ObjectType::Blob, content.as_bytes())
                        .unwrap();
                    folder.extend_from_slice(format!("100644 {f:04}.toml\0").as_bytes());
                    folder.extend_from_slice(id.as_bytes());
                }
                let folder = odb.write(git2::ObjectType::Tree, &folder).unwrap();
                let mut entries = Vec::new();
                for f in 0..30 {
                    let id = if f == i % 30 {
                        blob
                    } else {
                        folder_blob(&odb, f)
                    };
                    entries.extend_from_slice(format!("100644 file{f:02}\0").as_bytes());
                    entries.extend_from_slice(id.as_bytes());
                }
                entries.extend_from_slice(b"40000 proposals\0");
                entries.extend_from_slice(folder.as_bytes());
                let tree = odb.write(git2::ObjectType::Tree, &entries).unwrap();
                let mut data = format!("tree {tree}\n");
                if let Some(p) = parent {
                    data.push_str(&format!("parent {p}\n"));
                }
                let body = match i % 10 {
                    0 => alike.clone(),
                    _ => format!("{tree} {blob}\n"),
                };
                data.push_str(&format!(
                    "author A <a@x> {i} +0000\ncommitter C <c@x> {i} +0000\n\nCommit {round}.{i}\n\n{body}"
                ));
                let id = odb
                    .write(git2::ObjectType::Commit, data.as_bytes())
                    .unwrap();
                commits.push(id);
                parent = Some(id);
            }
            // Two packs; the last round stays loose.
            if round < 2 {
                pack(&repo, &commits[start..]);
            }
        }
        (dir, repo, commits)
    }

    #[test]
    fn the_commits_of_every_pack_are_read_as_libgit2_reads_them() {
        let (dir, repo, commits) = repository("read");
        let read = commits_of(&dir).unwrap();
        let odb = repo.odb().unwrap();
        for (id, data) in &read {
            assert_eq!(odb.read(*id).unwrap().data(), data.as_slice(), "{id}");
        }
        // Every commit of the two packs is found, but those stored as deltas.
        let found: std::collections::HashSet<git2::Oid> = read.iter().map(|(id, _)| *id).collect();
        assert_eq!(found.len(), read.len(), "a commit read twice");
        assert!(found.len() >= 100, "only {} commits found", found.len());
        assert!(
            commits[120..].iter().all(|c| !found.contains(c)),
            "a loose commit found"
        );
        assert!(found.iter().all(|c| commits[..120].contains(c)));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A blob every commit shares.
    fn folder_blob(odb: &git2::Odb<'_>, f: usize) -> git2::Oid {
        odb.write(git2::ObjectType::Blob, format!("shared {f}").as_bytes())
            .unwrap()
    }

    #[test]
    fn every_object_of_the_packs_reads_as_libgit2_reads_it() {
        let (dir, repo, commits) = repository("objects");
        let packs = Packs::open(&dir.join("objects")).unwrap();
        let odb = repo.odb().unwrap();
        let mut objects = packs.objects();
        let (mut read, mut deltas) = (0, 0);
        for (k, pack) in packs.packs.iter().enumerate() {
            for e in &pack.entries {
                let id = pack.index.id(e.index).unwrap();
                let (kind, data) = objects.read(id).unwrap();
                let want = odb.read(id).unwrap();
                assert_eq!(&*data, want.data(), "{id}");
                assert_eq!(
                    git2::ObjectType::from_raw(i32::from(kind)),
                    Some(want.kind())
                );
                let len = (e.end - e.start) as usize;
                let bytes = objects.source.bytes(pack, k, e.start, len).unwrap();
                deltas += usize::from(entry_header(bytes).unwrap().0 >= OFS_DELTA);
                read += 1;
            }
        }
        assert!(
            read > 500 && deltas > 100,
            "{read} objects, {deltas} deltas"
        );
        // A loose object is not found; the folder of a packed commit is.
        assert!(objects.read(*commits.last().unwrap()).is_none());
        let commit = repo.find_commit(commits[5]).unwrap();
        let folder = crate::git::folders::folder_in(
            commit.tree_id(),
            "proposals",
            |tree| objects.tree(tree).ok_or(()),
            |data| data,
        );
        let tree = commit.tree().unwrap();
        assert_eq!(folder, Ok(Some(tree.get_name("proposals").unwrap().id())));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn commits_of(dir: &Path) -> Option<Vec<(git2::Oid, Vec<u8>)>> {
        Packs::open(&dir.join("objects"))?
            .commits(|_, _: &mut (), id, data| Some((id, data.to_vec())), &|_| ())
    }

    /// Damage anywhere in a pack or its index: the pass gives up or reads commits as they
    /// are (zlib's checksum and the sizes catch a damaged object), and never panics.
    #[test]
    fn a_damaged_pack_or_index_gives_up_or_reads_true_commits() {
        let (dir, repo, _) = repository("damage");
        let odb = repo.odb().unwrap();
        let truth: std::collections::HashMap<git2::Oid, Vec<u8>> = commits_of(&dir)
            .unwrap()
            .into_iter()
            .map(|(id, _)| (id, odb.read(id).unwrap().data().to_vec()))
            .collect();
        let every: Vec<(git2::Oid, Vec<u8>)> = Packs::open(&dir.join("objects"))
            .unwrap()
            .packs
            .iter()
            .flat_map(|p| (0..p.index.count as u32).map(|i| p.index.id(i).unwrap()))
            .map(|id| (id, odb.read(id).unwrap().data().to_vec()))
            .collect();
        let packs = pack_files(&dir.join("objects")).unwrap();
        assert_eq!(packs.len(), 2);
        let pack = packs[0].0.clone();
        let idx = pack.with_extension("idx");
        let originals = [std::fs::read(&pack).unwrap(), std::fs::read(&idx).unwrap()];
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut gave_up = 0;
        for round in 0..300 {
            xorshift(&mut state);
            let (target, bytes) = match round % 2 {
                0 => (&pack, &originals[0]),
                _ => (&idx, &originals[1]),
            };
            let mut bad = bytes.clone();
            let at = (state % bad.len() as u64) as usize;
            match round % 3 {
                0 => bad.truncate(at),
                1 => bad[at] ^= 0x5a,
                _ => bad[at..].fill(0xff),
            }
            std::fs::write(target, &bad).unwrap();
            match commits_of(&dir) {
                None => gave_up += 1,
                Some(read) => {
                    for (id, data) in read {
                        if let Some(want) = truth.get(&id) {
                            assert_eq!(&data, want, "round {round}: {id} read wrong");
                        }
                    }
                }
            }
            // Single objects too: found and true, or not found.
            if let Some(packs) = Packs::open(&dir.join("objects")) {
                let mut objects = packs.objects();
                for (id, want) in &every {
                    if let Some((_, data)) = objects.read(*id) {
                        assert_eq!(&*data, want.as_slice(), "round {round}: {id} read wrong");
                    }
                }
            }
            std::fs::write(target, bytes).unwrap();
        }
        assert!(
            gave_up > 50,
            "damage went unnoticed: gave up {gave_up} times of 300"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_reverse_index_gives_the_order_sorting_gives_and_a_bad_one_is_passed_over() {
        let (dir, _repo, commits) = repository("rev");
        let git = |args: &[&str]| super::super::graph::tests::git(&dir, args);
        git(&[
            "update-ref",
            "refs/heads/main",
            &commits.last().unwrap().to_string(),
        ]);
        git(&[
            "-c",
            "pack.writeReverseIndex=true",
            "repack",
            "-q",
            "-a",
            "-d",
            "-f",
            "--depth=250",
        ]);
        let (pack, _) = pack_files(&dir.join("objects")).unwrap().remove(0);
        let rev = std::fs::read(pack.with_extension("rev")).unwrap();
        let index = Index::read(std::fs::File::open(pack.with_extension("idx")).unwrap()).unwrap();
        let total = std::fs::metadata(&pack).unwrap().len() - 20;
        let order = |rev: Option<&[u8]>| {
            let entries = index.in_pack_order(total, rev).unwrap();
            entries
                .iter()
                .map(|e| (e.start, e.end, e.index))
                .collect::<Vec<_>>()
        };
        let sorted = order(None);
        assert!(sorted.len() > 300, "{}", sorted.len());
        assert!(index.order_of_rev(&rev).is_some());
        assert_eq!(order(Some(&rev)), sorted);
        // Two positions swapped, one repeated, a short file, another version: sorted.
        let mut swapped = rev.clone();
        swapped[12..16].copy_from_slice(&rev[16..20]);
        swapped[16..20].copy_from_slice(&rev[12..16]);
        let mut repeated = rev.clone();
        repeated[12..16].copy_from_slice(&rev[16..20]);
        let mut version = rev.clone();
        version[7] = 2;
        for bad in [swapped, repeated, version, rev[..rev.len() - 1].to_vec()] {
            assert!(index.order_of_rev(&bad).is_none());
            assert_eq!(order(Some(&bad)), sorted);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// The next number of a small deterministic generator (xorshift64), for damage and data.
    fn xorshift(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    /// `find_id` finds every id of a fan-out table as a linear search would, and no other,
    /// whether the ids are spread evenly (its guesses) or bunched (where halving takes over).
    #[test]
    fn ids_are_found_however_they_are_spread() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || xorshift(&mut state);
        for spread in 0..3 {
            let mut ids: Vec<[u8; 20]> = (0..3000)
                .map(|k| {
                    let mut id = [0u8; 20];
                    for b in id.iter_mut() {
                        *b = next() as u8;
                    }
                    match spread {
                        // Even.
                        0 => {}
                        // Bunched: one first byte, long shared prefixes, a few far out.
                        1 => {
                            id[..12].fill(0x42);
                            if k % 97 == 0 {
                                id[1] = 0xff;
                            }
                        }
                        // Equal first eight bytes: decided by the rest.
                        _ => id[..8].fill(0x07),
                    }
                    id
                })
                .collect();
            ids.sort_unstable();
            ids.dedup();
            let mut bytes = vec![0u8; 1024];
            for first in 0..256 {
                let count = ids.iter().filter(|id| usize::from(id[0]) <= first).count();
                bytes[4 * first..4 * first + 4].copy_from_slice(&(count as u32).to_be_bytes());
            }
            bytes.extend(ids.iter().flatten());
            for (k, id) in ids.iter().enumerate() {
                assert_eq!(
                    find_id(&bytes, 0, 1024, ids.len(), id),
                    Some(k),
                    "spread {spread}"
                );
                let mut other = *id;
                other[19] ^= 1;
                let want = ids.binary_search(&other).ok();
                assert_eq!(find_id(&bytes, 0, 1024, ids.len(), &other), want);
            }
        }
    }

    #[test]
    fn entry_headers_read_sizes_of_every_length() {
        assert_eq!(entry_header(&[0x1f]), Some((1, 15, 1)));
        assert_eq!(entry_header(&[0x9a, 0x01]), Some((1, 10 | 1 << 4, 2)));
        assert_eq!(entry_header(&[0x9a]), None);
        assert_eq!(entry_header(&[]), None);
        assert_eq!(entry_header(&[0xff; 12]), None);
    }
}

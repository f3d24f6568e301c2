//! Every commit of the repository's pack files, read in one pass on every core: what a walk
//! with no cache reads first, instead of looking each commit up in turn.
//!
//! A walk that reads commits one at a time through libgit2 looks each one up in the pack
//! index, then inflates it; libgit2 locks its packs on every read, so a second core cannot
//! help. Here the pack index is read once, its entries are put in the order of the pack,
//! and each core reads a stretch of the pack file from start to end, inflating the commit
//! objects in it (and passing over the rest). A commit stored as a delta, or loose, or in
//! another object directory, is simply not found here: the walk reads it through libgit2.
//!
//! Anything unexpected (an index of another version, an offset past the end of its pack, an
//! object that does not inflate to its size) gives up the whole pass: the walk then reads
//! every commit through libgit2, which reports what is wrong.
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

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// The type of a whole commit in a pack entry's header.
const COMMIT: u8 = 1;

/// How many bytes of the pack a thread reads at a time (more for an object that is larger).
const CHUNK: usize = 4 << 20;

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

/// Every commit stored whole in the pack files of `objects` (a repository's object
/// directory), each made into what `each` gives for its id and bytes (`None` leaves it
/// out), in no particular order. `None` when the pass gives up (see the module's notes).
pub(crate) fn commits<T: Send>(
    objects: &Path,
    each: impl Fn(git2::Oid, &[u8]) -> Option<T> + Sync,
) -> Option<Vec<T>> {
    let mut out = Vec::new();
    for pack in pack_files(objects)? {
        let idx = std::fs::read(pack.with_extension("idx")).ok()?;
        let index = Index::read(&idx)?;
        let total = std::fs::metadata(&pack).ok()?.len();
        let entries = index.in_pack_order(total)?;
        // Commits cluster in parts of a pack: the cores take small stretches in turn.
        let stretches: Vec<&[Entry]> = entries.chunks(entries.len().div_ceil(64).max(1)).collect();
        let next = std::sync::atomic::AtomicUsize::new(0);
        let work = || -> Option<Vec<T>> {
            let mut found = Vec::new();
            loop {
                let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(stretch) = stretches.get(k) else {
                    return Some(found);
                };
                found.extend(read_part(&pack, stretch, &index, &each)?);
            }
        };
        for found in crate::parallel::on_each_core(entries.len() < ALONE, work) {
            out.extend(found?);
        }
    }
    Some(out)
}

/// The `.pack` files of `objects/pack` that have an index beside them.
fn pack_files(objects: &Path) -> Option<Vec<std::path::PathBuf>> {
    let dir = match std::fs::read_dir(objects.join("pack")) {
        Ok(dir) => dir,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Some(Vec::new()),
        Err(_) => return None,
    };
    let mut packs = Vec::new();
    for entry in dir {
        let path = entry.ok()?.path();
        if path.extension().is_some_and(|e| e == "pack") && path.with_extension("idx").is_file() {
            packs.push(path);
        }
    }
    packs.sort();
    Some(packs)
}

fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(
        bytes.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn be64(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(
        bytes.get(at..at.checked_add(8)?)?.try_into().ok()?,
    ))
}

/// A version-2 pack index, read.
struct Index<'a> {
    /// The ids, 20 bytes each, in the order of the index.
    ids: &'a [u8],
    /// The offset of each.
    offsets: Vec<u64>,
}

impl<'a> Index<'a> {
    fn read(idx: &'a [u8]) -> Option<Index<'a>> {
        if idx.get(..4)? != b"\xfftOc" || be32(idx, 4)? != 2 {
            return None;
        }
        let fanout = 8;
        let count = be32(idx, fanout + 255 * 4)? as usize;
        let ids = fanout + 256 * 4;
        let small = ids.checked_add(count.checked_mul(20 + 4)?)?;
        let large = small.checked_add(count.checked_mul(4)?)?;
        // Then the two checksums, at least: a count the file cannot hold is damage.
        if large.checked_add(40)? > idx.len() {
            return None;
        }
        let mut offsets = Vec::with_capacity(count);
        for i in 0..count {
            let offset = be32(idx, small + 4 * i)?;
            offsets.push(match offset & 0x8000_0000 {
                0 => u64::from(offset),
                _ => be64(idx, large.checked_add(8 * (offset & 0x7fff_ffff) as usize)?)?,
            });
        }
        Some(Index {
            ids: idx.get(ids..ids + 20 * count)?,
            offsets,
        })
    }

    /// The id of object `i` of the index.
    fn id(&self, i: u32) -> Option<git2::Oid> {
        let at = 20 * i as usize;
        git2::Oid::from_bytes(self.ids.get(at..at + 20)?).ok()
    }

    /// The objects in the order of a pack of `total` bytes, each with where it ends: where
    /// the next begins, or the pack's closing checksum.
    fn in_pack_order(&self, total: u64) -> Option<Vec<Entry>> {
        let mut listed: Vec<(u64, u32)> = self.offsets.iter().copied().zip(0..).collect();
        listed.sort_unstable();
        let last = total.checked_sub(20)?;
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
}

/// Reads the stretch of `pack` that `part` covers, a chunk at a time, and inflates the
/// commits in it.
fn read_part<T>(
    pack: &Path,
    part: &[Entry],
    index: &Index<'_>,
    each: &(impl Fn(git2::Oid, &[u8]) -> Option<T> + Sync),
) -> Option<Vec<T>> {
    let (Some(first), Some(last)) = (part.first(), part.last()) else {
        return Some(Vec::new());
    };
    let mut file = std::fs::File::open(pack).ok()?;
    let mut head = [0u8; 12];
    file.read_exact(&mut head).ok()?;
    if &head[..4] != b"PACK" || !matches!(be32(&head, 4)?, 2 | 3) {
        return None;
    }
    let mut z = flate2::Decompress::new(true);
    let mut out = Vec::new();
    let mut chunk: Vec<u8> = Vec::new();
    // Where `chunk` starts in the pack.
    let mut at = first.start;
    file.seek(SeekFrom::Start(at)).ok()?;
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
        // Deflate expands at most about 1032 times: a larger size is a damaged header.
        if size > len.saturating_mul(1040).saturating_add(64) {
            return None;
        }
        let mut data = Vec::with_capacity(size);
        z.reset(true);
        let status = z
            .decompress_vec(
                bytes.get(header..)?,
                &mut data,
                flate2::FlushDecompress::Finish,
            )
            .ok()?;
        if status != flate2::Status::StreamEnd || data.len() != size {
            return None;
        }
        let id = index.id(e.index)?;
        out.extend(each(id, &data));
    }
    Some(out)
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
                let blob = odb
                    .write(git2::ObjectType::Blob, format!("{round} {i}").as_bytes())
                    .unwrap();
                let mut entry = b"100644 file\0".to_vec();
                entry.extend_from_slice(blob.as_bytes());
                let tree = odb.write(git2::ObjectType::Tree, &entry).unwrap();
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

    fn commits_of(dir: &Path) -> Option<Vec<(git2::Oid, Vec<u8>)>> {
        commits(&dir.join("objects"), |id, data| Some((id, data.to_vec())))
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
        let packs = pack_files(&dir.join("objects")).unwrap();
        assert_eq!(packs.len(), 2);
        let pack = packs[0].clone();
        let idx = pack.with_extension("idx");
        let originals = [std::fs::read(&pack).unwrap(), std::fs::read(&idx).unwrap()];
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut gave_up = 0;
        for round in 0..300 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
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
            std::fs::write(target, bytes).unwrap();
        }
        assert!(
            gave_up > 50,
            "damage went unnoticed: gave up {gave_up} times of 300"
        );
        std::fs::remove_dir_all(&dir).unwrap();
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

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
//! simply leads to commits the cache does not know (they are read, and the next cache holds
//! what is reachable now, dropping the rest). A file that is unreadable, truncated, fails its
//! checksum, is inconsistent, or was written by another version is ignored and replaced.
//! Writes go to a temporary file renamed into place, so two processes at once each see a
//! whole cache or none, and the last writer wins. Failing to write is not an error: the
//! command has its answer already.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::model::ledger::CommitInfo;
use crate::model::person::Person;
use crate::model::trailer::Trailer;

use super::history::{FolderInfo, Node};

/// The first bytes of a cache file, then the format number: a file from another version of
/// the format is ignored whole.
const MAGIC: &[u8] = b"git-lead cache\n";
const FORMAT: u32 = 1;

/// Where the cache of a repository lives: shared by its worktrees, like its objects.
pub(crate) fn path(common_dir: &Path) -> PathBuf {
    common_dir.join("lead").join("cache")
}

/// A cache as read: the commits reachable from its tip, in canonical order.
#[derive(Default)]
pub(crate) struct Snapshot {
    /// The folder whose changes the nodes' [`FolderInfo`] describe, when any node has one.
    pub folder: Option<String>,
    /// Parents before children; the last node is the tip.
    pub nodes: Vec<Node>,
    /// Where each commit is in `nodes`.
    pub index: HashMap<git2::Oid, u32>,
    /// For each node, the positions of its parents in `nodes` (always earlier).
    pub parents: Vec<Vec<u32>>,
}

impl Snapshot {
    /// Reads the cache at `path`; an empty snapshot when there is none or it cannot be
    /// trusted to be whole and of this version.
    pub fn load(path: &Path) -> Snapshot {
        std::fs::read(path)
            .ok()
            .and_then(|bytes| decode(&bytes))
            .unwrap_or_default()
    }

    /// Forgets every node's folder changes (they describe another folder).
    pub fn drop_folders(&mut self) {
        for node in &mut self.nodes {
            node.folder = None;
        }
        self.folder = None;
    }
}

/// Writes `nodes` (the commits reachable from the last one, in canonical order) as the
/// cache at `path`. Errors are for the caller to ignore.
pub(crate) fn save(path: &Path, folder: Option<&str>, nodes: &[Node]) -> std::io::Result<()> {
    let bytes = encode(folder, nodes).ok_or_else(|| std::io::Error::other("not a closed walk"))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    // A name no other process uses: pid, and the time for two walks of one process.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let tmp = dir.join(format!(".cache.tmp-{}-{nanos}", std::process::id()));
    let written = std::fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(&bytes))
        .and_then(|()| std::fs::rename(&tmp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

fn encode(folder: Option<&str>, nodes: &[Node]) -> Option<Vec<u8>> {
    let mut w = Writer(Vec::with_capacity(nodes.len() * 80));
    w.0.extend_from_slice(MAGIC);
    w.u32(FORMAT);
    w.str(env!("CARGO_PKG_VERSION"));
    w.opt(folder, |w, f| w.str(f));
    w.u32(u32::try_from(nodes.len()).ok()?);
    let mut index: HashMap<git2::Oid, u32> = HashMap::with_capacity(nodes.len());
    for (i, node) in nodes.iter().enumerate() {
        w.oid(node.id);
        w.i64(node.time);
        w.oid(node.tree);
        w.u32(node.parents.len() as u32);
        for p in &node.parents {
            // Every parent comes earlier: the cache only ever holds a whole history.
            w.u32(*index.get(p)?);
        }
        w.opt(node.folder.as_ref(), |w, f| {
            w.opt(f.tree, |w, t| w.oid(t));
            w.u32(f.changes.len() as u32);
            for (id, blob) in &f.changes {
                w.u32(*id);
                w.opt(*blob, |w, b| w.oid(b));
            }
        });
        w.opt(node.lead.as_deref(), |w, c| {
            w.str(&c.id);
            w.str(&c.author.name);
            w.str(&c.author.email);
            w.i64(c.time);
            w.i64(i64::from(c.offset));
            w.str(&c.summary);
            w.str(&c.body);
            w.u32(c.trailers.len() as u32);
            for t in &c.trailers {
                w.str(&t.key);
                w.str(&t.value);
            }
            w.u32(c.stranded.len() as u32);
            for (line, t) in &c.stranded {
                w.u32(*line as u32);
                w.str(&t.key);
                w.str(&t.value);
            }
        });
        index.insert(node.id, i as u32);
    }
    let sum = checksum(&w.0);
    w.0.extend_from_slice(&sum.to_le_bytes());
    Some(w.0)
}

fn decode(bytes: &[u8]) -> Option<Snapshot> {
    let (body, sum) = bytes.split_at_checked(bytes.len().checked_sub(8)?)?;
    if checksum(body) != u64::from_le_bytes(sum.try_into().ok()?) {
        return None;
    }
    let mut r = Reader(body.strip_prefix(MAGIC)?);
    if r.u32()? != FORMAT || r.str()? != env!("CARGO_PKG_VERSION") {
        return None;
    }
    let folder = r.opt(|r| r.str())?;
    let count = r.u32()? as usize;
    let mut snap = Snapshot {
        folder,
        nodes: Vec::with_capacity(count.min(body.len() / 48)),
        index: HashMap::with_capacity(count.min(body.len() / 48)),
        parents: Vec::with_capacity(count.min(body.len() / 48)),
    };
    for i in 0..count {
        let id = r.oid()?;
        let time = r.i64()?;
        let tree = r.oid()?;
        let mut parents = Vec::new();
        let mut links = Vec::new();
        for _ in 0..r.u32()? {
            let at = r.u32()?;
            // A parent must come earlier: anything else is not a cache this code wrote.
            parents.push(snap.nodes.get(at as usize)?.id);
            links.push(at);
        }
        let folder = r.opt(|r| {
            let tree = r.opt(|r| r.oid())?;
            let mut changes = Vec::new();
            for _ in 0..r.u32()? {
                changes.push((r.u32()?, r.opt(|r| r.oid())?));
            }
            Some(FolderInfo { tree, changes })
        })?;
        let lead = r.opt(|r| {
            let id = r.str()?;
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
            Some(Box::new(CommitInfo {
                id,
                author,
                time,
                offset,
                summary,
                body,
                trailers,
                stranded,
            }))
        })?;
        if snap.index.insert(id, i as u32).is_some() {
            return None;
        }
        snap.nodes.push(Node {
            id,
            parents,
            time,
            tree,
            folder,
            lead,
        });
        snap.parents.push(links);
    }
    r.0.is_empty().then_some(snap)
}

/// A 64-bit checksum, eight bytes at a time: catches a torn or damaged file, not an attack
/// (whoever can write `.git/` can write the objects too).
fn checksum(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0x9e37_79b9_7f4a_7c15 ^ bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(c);
        h = (h ^ u64::from_le_bytes(word))
            .wrapping_mul(0x0100_0000_01b3_u64.wrapping_add(0x9e37_79b9))
            .rotate_left(29);
    }
    for b in chunks.remainder() {
        h = (h ^ u64::from(*b))
            .wrapping_mul(0x0100_0000_01b3)
            .rotate_left(29);
    }
    h
}

struct Writer(Vec<u8>);

impl Writer {
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn oid(&mut self, oid: git2::Oid) {
        self.0.extend_from_slice(oid.as_bytes());
    }
    fn str(&mut self, s: &str) {
        self.u32(s.len() as u32);
        self.0.extend_from_slice(s.as_bytes());
    }
    fn opt<T>(&mut self, v: Option<T>, write: impl FnOnce(&mut Self, T)) {
        match v {
            Some(v) => {
                self.0.push(1);
                write(self, v);
            }
            None => self.0.push(0),
        }
    }
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let (head, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(head)
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn i64(&mut self) -> Option<i64> {
        Some(i64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn oid(&mut self) -> Option<git2::Oid> {
        git2::Oid::from_bytes(self.take(20)?).ok()
    }
    fn str(&mut self) -> Option<String> {
        let n = self.u32()? as usize;
        String::from_utf8(self.take(n)?.to_vec()).ok()
    }
    fn trailer(&mut self) -> Option<Trailer> {
        Some(Trailer {
            key: self.str()?,
            value: self.str()?,
        })
    }
    /// `Some(None)` for an absent value, `None` for a damaged file.
    fn opt<T>(&mut self, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        match self.take(1)? {
            [0] => Some(None),
            [1] => read(self).map(Some),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn oid(b: u8) -> git2::Oid {
        git2::Oid::from_bytes(&[b; 20]).unwrap()
    }

    fn sample() -> Vec<Node> {
        let lead = CommitInfo {
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
        };
        vec![
            Node {
                id: oid(1),
                parents: vec![],
                time: 10,
                tree: oid(9),
                folder: Some(FolderInfo {
                    tree: None,
                    changes: vec![],
                }),
                lead: None,
            },
            Node {
                id: oid(2),
                parents: vec![oid(1)],
                time: 20,
                tree: oid(8),
                folder: Some(FolderInfo {
                    tree: Some(oid(7)),
                    changes: vec![(1, Some(oid(6))), (2, None)],
                }),
                lead: Some(Box::new(lead)),
            },
        ]
    }

    #[test]
    fn what_is_written_reads_back_the_same() {
        let bytes = encode(Some("proposals"), &sample()).unwrap();
        let snap = decode(&bytes).unwrap();
        assert_eq!(snap.folder.as_deref(), Some("proposals"));
        assert_eq!(snap.parents, vec![vec![], vec![0]]);
        assert_eq!(snap.index.get(&oid(2)), Some(&1));
        assert_eq!(format!("{:?}", snap.nodes), format!("{:?}", sample()));
    }

    #[test]
    fn a_damaged_file_or_another_version_is_not_read() {
        let bytes = encode(None, &sample()).unwrap();
        for cut in [0, 1, MAGIC.len(), bytes.len() / 2, bytes.len() - 1] {
            assert!(decode(&bytes[..cut]).is_none(), "cut at {cut}");
        }
        for flip in [0, MAGIC.len() + 2, bytes.len() / 2, bytes.len() - 9] {
            let mut bad = bytes.clone();
            bad[flip] ^= 0x20;
            assert!(decode(&bad).is_none(), "byte {flip} flipped");
        }
        // The checksum is right but the format number is not.
        let mut other = bytes[..bytes.len() - 8].to_vec();
        other[MAGIC.len()] = 2;
        let sum = checksum(&other);
        other.extend_from_slice(&sum.to_le_bytes());
        assert!(decode(&other).is_none());
    }

    #[test]
    fn a_parent_outside_the_nodes_is_not_written() {
        let mut nodes = sample();
        nodes.remove(0);
        assert!(encode(None, &nodes).is_none());
    }
}

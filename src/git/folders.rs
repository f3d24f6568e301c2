//! How commits changed the proposal folder: the folder's tree looked up in each commit's
//! root tree, and two folder trees compared.
//!
//! Looking up the folder costs a root-tree read per commit, about as much as reading the
//! commit itself. A walk with nothing cached does it as it reads the commits: on every
//! core for those of the one-pass read of the repository's packs, on a thread beside the
//! walk for the commits it reads one by one (see `packs.rs`; both read the packs by hand,
//! with no lock shared between threads). What that leaves, and the lookups a commit-graph's
//! Bloom filters do not spare, runs here once the walk has read the commits: from the
//! packs on every core when the walk read them ([`folder_in_packs`]; a root whose trees
//! they do not hold goes through that thread's libgit2), else through libgit2 on one
//! thread (libgit2 locks its packs on every object read: two threads slowed each other by
//! more than they saved). The comparisons read the folder trees (from the packs when the walk
//! read them, else through libgit2) and compare them, on two threads that take them from
//! either end of the history; the second opens the repository again, as a
//! `git2::Repository` is not shared between threads.

use std::rc::Rc;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::model::id;

use super::packs::{Bytes, Objects, Packs};

/// How one commit changed the proposal folder.
#[derive(Debug, Clone)]
pub(crate) struct FolderInfo {
    /// The folder's tree in this commit; `None` when there is no such folder.
    pub tree: Option<git2::Oid>,
    /// The proposal files the commit changed, by id, with the blob each was left with
    /// (`None` when deleted).
    pub changes: Changes,
}

/// The proposal files a commit changed, by id, with the blob each was left with.
pub(crate) type Changes = Vec<(u32, Option<git2::Oid>)>;

/// Below this many jobs, splitting them between threads costs more than it saves.
const ALONE: usize = 1024;

/// How many comparisons a thread takes at a time.
const STRETCH: usize = 256;

/// The folder's tree in each of the root trees `roots`, in their order: read from `packs`
/// on every core when given (through libgit2 for a tree they do not hold), else through
/// libgit2 on this thread alone (libgit2 takes its pack locks on every read: 100,000
/// lookups took 0.34–0.47 s on two threads, 0.18–0.30 s on one).
pub(crate) fn look_up(
    repo: &git2::Repository,
    roots: &[git2::Oid],
    folder: &str,
    packs: Option<&Arc<Packs>>,
) -> Result<Vec<Option<git2::Oid>>> {
    let Some(packs) = packs else {
        let odb = repo.odb()?;
        return roots
            .iter()
            .map(|root| folder_tree(&odb, *root, folder))
            .collect();
    };
    // From the packs on every core; through libgit2 where they lack a tree (this thread's
    // repository here, one opened again on another thread, and only when needed).
    let run = |part: &[git2::Oid],
               fallback: &mut dyn FnMut(git2::Oid) -> Result<Option<git2::Oid>>| {
        let (mut objects, mut last) = (packs.objects(), Lookups::default());
        part.iter()
            .map(|&root| {
                folder_in_packs(&mut objects, &mut last, root, folder).or_else(|()| fallback(root))
            })
            .collect::<Result<Vec<_>>>()
    };
    let parts = crate::parallel::on_every_core(
        roots,
        ALONE,
        |part| {
            let odb = repo.odb()?;
            run(part, &mut |root| folder_tree(&odb, root, folder))
        },
        |part| {
            let mut again = None;
            run(part, &mut |root| {
                let repo = match &again {
                    Some(repo) => repo,
                    None => again.insert(open_again()?),
                };
                folder_tree(&repo.odb()?, root, folder)
            })
        },
    );
    let mut out = Vec::with_capacity(roots.len());
    for part in parts {
        out.extend(part?);
    }
    Ok(out)
}

/// A comparison to make: the folder's tree in a commit and in each of its parents.
pub(crate) struct Comparison {
    pub tree: Option<git2::Oid>,
    pub parents: Vec<Option<git2::Oid>>,
}

/// The proposal files each comparison finds changed: git's rule for
/// `git log -- <path>`, a file changes when its blob differs from that of every parent.
///
/// Trees are read from `packs` when given and they hold them (see `packs.rs`: no lock is
/// shared between the threads there), else through libgit2. `tick` is called on this
/// thread as the comparisons go, for progress to be told.
pub(crate) fn compare(
    repo: &git2::Repository,
    comparisons: &[Comparison],
    packs: Option<&Arc<Packs>>,
    tick: &dyn Fn(),
) -> Result<Vec<Changes>> {
    // Each thread takes stretches of consecutive commits: one's folder is usually the next
    // one's parent's, so the memo saves a read. Later folder trees are larger (the folder
    // fills up), so the two threads take them from either end of the history: with halves,
    // the one with the older half idled for a third of the time.
    let run = |odb: &git2::Odb, stretches: &mut dyn Iterator<Item = &[Comparison]>| {
        let mut trees = TreeMemo::new(odb, packs.map(Packs::objects));
        let changes = |stretch: &[Comparison]| stretch.iter().map(|c| trees.changes(c)).collect();
        stretches
            .map(changes)
            .collect::<Vec<Result<Vec<Changes>>>>()
    };
    let done = crate::parallel::from_both_ends(
        comparisons,
        ALONE,
        STRETCH,
        |stretches| match repo.odb() {
            Ok(odb) => run(&odb, &mut stretches.inspect(|_| tick())),
            Err(e) => vec![Err(e.into())],
        },
        |stretches| {
            let again = match open_again() {
                Ok(repo) => repo,
                Err(e) => return vec![Err(e)],
            };
            // Bound before it is returned: the database borrows `again`.
            let done = match again.odb() {
                Ok(odb) => run(&odb, stretches),
                Err(e) => vec![Err(e.into())],
            };
            done
        },
    );
    let mut out = Vec::with_capacity(comparisons.len());
    for changes in done {
        out.extend(changes?);
    }
    Ok(out)
}

/// The repository again, opened as [`super::Repo::open`] opens it, for another thread.
fn open_again() -> Result<git2::Repository> {
    Ok(git2::Repository::open_from_env()?)
}

/// The tree of `folder` (`a/b`) in the root tree `root`, if it is there.
fn folder_tree(odb: &git2::Odb, root: git2::Oid, folder: &str) -> Result<Option<git2::Oid>> {
    folder_in(
        root,
        folder,
        |tree| odb.read(tree).map_err(Error::from),
        |o| o.data(),
    )
}

/// The tree of `folder` (`a/b`) in the root tree `root`, reading trees with `read` (and
/// `data` for their bytes): through libgit2, or from the packs directly.
pub(crate) fn folder_in<R, E>(
    root: git2::Oid,
    folder: &str,
    mut read: impl FnMut(git2::Oid) -> std::result::Result<R, E>,
    data: impl Fn(&R) -> &[u8],
) -> std::result::Result<Option<git2::Oid>, E> {
    let mut tree = root;
    for part in folder.split('/').filter(|p| !p.is_empty()) {
        let object = read(tree)?;
        let data = data(&object);
        if !may_hold(data, part) {
            return Ok(None);
        }
        match scan_for(data, part.as_bytes(), 0, None) {
            Some(next) => tree = next,
            None => return Ok(None),
        }
    }
    Ok((tree != root).then_some(tree))
}

/// Whether tree `data` may hold folder `part`. A folder's entry holds `40000 <name>\0`:
/// where those bytes are nowhere in the tree (most root trees of a history older than its
/// proposals), no entry can be it, and one fast search spares the scan entry by entry.
fn may_hold(data: &[u8], part: &str) -> bool {
    let entry = [b"40000 ", part.as_bytes(), b"\0"].concat();
    memchr::memmem::find(data, &entry).is_some()
}

/// The id of folder `part` in tree `data`, scanning the entries from the one that begins
/// at `from`, and noting in `starts` where each one scanned begins. Entries are sorted, a
/// folder as if its name ended in `/`: the scan stops past the name, as git's does.
fn scan_for(
    data: &[u8],
    part: &[u8],
    from: usize,
    mut starts: Option<&mut Vec<u32>>,
) -> Option<git2::Oid> {
    let mut at = from;
    while let Some((name, folder, id, end)) = entry_at(data, at) {
        if sorts_after(name, folder, part) {
            return None;
        }
        if let Some(starts) = starts.as_deref_mut() {
            starts.push(at as u32);
        }
        if folder && name == part {
            return git2::Oid::from_bytes(id).ok();
        }
        at = end;
    }
    None
}

/// [`folder_in`] with the trees read from the packs alone (see `packs.rs`): `Err` when they
/// do not hold one of them. `last` holds what the lookup before found.
pub(crate) fn folder_in_packs(
    objects: &mut Objects,
    last: &mut Lookups,
    root: git2::Oid,
    folder: &str,
) -> std::result::Result<Option<git2::Oid>, ()> {
    let mut tree = root;
    for (level, part) in folder.split('/').filter(|p| !p.is_empty()).enumerate() {
        let data = objects.tree(tree).ok_or(())?;
        match last.find(level, &data, part) {
            Some(next) => tree = next,
            None => return Ok(None),
        }
    }
    Ok((tree != root).then_some(tree))
}

/// The trees in which the last lookup found the folder, level by level, with where each
/// entry it scanned begins, up to the folder's. The next commit's root tree mostly starts
/// with the same bytes as the last one, and an entry that ends within the bytes both share
/// begins and ends at the same place in both (an entry is read from its own bytes alone):
/// the scan goes on from the last such entry rather than from the first. On git.git's root
/// trees, the folder 376 entries in, that spared 15 million entry reads of a cold walk.
#[derive(Default)]
pub(crate) struct Lookups {
    levels: Vec<Option<(Bytes, Vec<u32>)>>,
}

impl Lookups {
    /// The id of folder `part` in tree `data`, read at depth `level` of the path.
    fn find(&mut self, level: usize, data: &Bytes, part: &str) -> Option<git2::Oid> {
        if self.levels.len() <= level {
            self.levels.resize_with(level + 1, || None);
        }
        if !may_hold(data, part) {
            return None;
        }
        let (from, mut starts) = match self.levels[level].take() {
            Some((last, mut starts)) => {
                let shared = common_prefix(&last, data);
                // The first entry begins at 0 in every tree.
                let valid = starts.partition_point(|s| *s as usize <= shared).max(1);
                let from = starts.get(valid - 1).map_or(0, |s| *s as usize);
                starts.truncate(valid - 1);
                (from, starts)
            }
            None => (0, Vec::new()),
        };
        let found = scan_for(data, part.as_bytes(), from, Some(&mut starts));
        if found.is_some() {
            self.levels[level] = Some((Rc::clone(data), starts));
        }
        found
    }
}

/// Whether a tree entry `name` (a folder when `folder`) sorts after folder `part` in git's
/// order of tree entries, where a folder's name compares as if it ended in `/`.
fn sorts_after(name: &[u8], folder: bool, part: &[u8]) -> bool {
    git_order((name, folder), (part, true)).is_gt()
}

/// Folder trees as read, the latest few: a commit's folder is usually its parent's, changed
/// in one file, and the next commit compares with it again.
struct TreeMemo<'o> {
    odb: &'o git2::Odb<'o>,
    packs: Option<Objects>,
    recent: Vec<(git2::Oid, Bytes)>,
}

impl<'o> TreeMemo<'o> {
    fn new(odb: &'o git2::Odb<'o>, packs: Option<Objects>) -> TreeMemo<'o> {
        TreeMemo {
            odb,
            packs,
            recent: Vec::new(),
        }
    }

    /// The bytes of a tree object; none for no tree.
    fn read(&mut self, tree: Option<git2::Oid>) -> Result<Bytes> {
        let Some(tree) = tree else {
            return Ok(Bytes::default());
        };
        if let Some((_, data)) = self.recent.iter().find(|(t, _)| *t == tree) {
            return Ok(Rc::clone(data));
        }
        let data = match self.packs.as_mut().and_then(|p| p.tree(tree)) {
            Some(data) => data,
            None => {
                let object = self.odb.read(tree)?;
                if object.kind() != git2::ObjectType::Tree {
                    return Err(unreadable(Some(tree)));
                }
                Rc::new(object.data().to_vec())
            }
        };
        if self.recent.len() == 4 {
            self.recent.remove(0);
        }
        self.recent.push((tree, Rc::clone(&data)));
        Ok(data)
    }

    fn changes(&mut self, c: &Comparison) -> Result<Changes> {
        let first = c.parents.first().copied().flatten();
        let new = self.read(c.tree)?;
        let old = self.read(first)?;
        let changed = changed_entries(&old, &new).ok_or_else(|| {
            let cut_short = RawEntries::new(&new).any(|e| e.is_none());
            unreadable(if cut_short { c.tree } else { first })
        })?;
        let mut out = Vec::new();
        for (name, blob) in changed {
            let Some(pid) = id::from_file_name(&String::from_utf8_lossy(&name)) else {
                continue;
            };
            let mut differs_from_all = true;
            for other in c.parents.iter().skip(1) {
                differs_from_all &= self.blob(*other, &name)? != blob;
            }
            if differs_from_all {
                out.push((pid, blob));
            }
        }
        Ok(out)
    }

    /// The id of entry `name` of `tree` (a file's, or oddly a folder's).
    fn blob(&mut self, tree: Option<git2::Oid>, name: &[u8]) -> Result<Option<git2::Oid>> {
        let data = self.read(tree)?;
        let mut folder = None;
        for (n, is_folder, id) in tree_entries(&data).map_while(|e| e) {
            if n == name {
                let id = git2::Oid::from_bytes(id).ok();
                match is_folder {
                    false => return Ok(id),
                    true => folder = folder.or(id),
                }
            }
        }
        Ok(folder)
    }
}

fn unreadable(tree: Option<git2::Oid>) -> Error {
    let tree = tree.map_or(String::new(), |t| format!(" {t}"));
    Error::Git {
        message: format!("object{tree} is not a readable tree"),
    }
}

/// One entry of a tree object in git's format, `<mode> <name>\0<20-byte id>`, starting at
/// `at`: its name, whether it is a folder, its id, and where it ends. `None` at the end of
/// the object or where the entry is cut short.
fn entry_at(data: &[u8], at: usize) -> Option<(&[u8], bool, &[u8], usize)> {
    let rest = data.get(at..)?;
    // Modes are five or six octal digits; the name is the long part, searched eight bytes
    // at a time.
    let digits = |n: usize| rest[..n].iter().all(|b| (b'0'..=b'7').contains(b));
    let space = match rest.get(5..7) {
        Some([b' ', _]) if digits(5) => 5,
        Some([_, b' ']) if digits(6) => 6,
        _ => rest.iter().position(|b| *b == b' ')?,
    };
    let nul = space + find_nul(&rest[space..])?;
    let id = rest.get(nul + 1..nul + 21)?;
    Some((
        &rest[space + 1..nul],
        &rest[..space] == b"40000",
        id,
        at + nul + 21,
    ))
}

/// Where the first zero byte of `s` is, testing eight bytes at a time: a byte is zero
/// when subtracting one borrows into its top bit while that bit was clear.
fn find_nul(s: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const TOPS: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    while let Some(chunk) = s.get(i..i + 8) {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let v = u64::from_le_bytes(word);
        let zeros = v.wrapping_sub(ONES) & !v & TOPS;
        if zeros != 0 {
            // The lowest flagged byte is the first zero; flags above it may be false.
            return Some(i + (zeros.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    s[i..].iter().position(|b| *b == 0).map(|p| i + p)
}

/// The entries of a tree object, in order: `None` where it is cut short, then nothing.
struct RawEntries<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> RawEntries<'a> {
    fn new(data: &'a [u8]) -> RawEntries<'a> {
        RawEntries { data, at: 0 }
    }
}

impl<'a> Iterator for RawEntries<'a> {
    type Item = Option<(&'a [u8], bool, &'a [u8])>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.at >= self.data.len() {
            return None;
        }
        let entry = entry_at(self.data, self.at);
        self.at = entry.map_or(self.data.len(), |e| e.3);
        Some(entry.map(|(name, folder, id, _)| (name, folder, id)))
    }
}

/// The entries of a tree object: name, whether it is a folder, id; `None` where the object
/// is cut short.
pub(crate) fn tree_entries(data: &[u8]) -> impl Iterator<Item = Option<(&[u8], bool, &[u8])>> {
    RawEntries::new(data)
}

/// How many bytes `a` and `b` start with in common, compared a block at a time.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + 64 <= n && a[i..i + 64] == b[i..i + 64] {
        i += 64;
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    i
}

/// The entries of two folder trees that differ, by name, with the new id (`None` when
/// gone); `None` when either object is cut short. Both list their entries in git's order,
/// so a merge join finds the differences. A change usually touches one file of thousands:
/// the bytes both trees share are skipped whole, parsing only the entries where they part.
fn changed_entries(old: &[u8], new: &[u8]) -> Option<Vec<(Vec<u8>, Option<git2::Oid>)>> {
    use std::cmp::Ordering;
    let (mut a, mut b) = (0, 0);
    let mut out = Vec::new();
    loop {
        // Entries that end before the trees part are the same in both.
        let stop = b + common_prefix(&old[a..], &new[b..]);
        while let Some((.., end)) = entry_at(new, b).filter(|e| e.3 <= stop) {
            a += end - b;
            b = end;
        }
        // Then a merge join up to the next entry both have unchanged.
        loop {
            let x = (a < old.len()).then(|| entry_at(old, a));
            let y = (b < new.len()).then(|| entry_at(new, b));
            let order = match (x, y) {
                (None, None) => return Some(out),
                (Some(None), _) | (_, Some(None)) => return None,
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (Some(Some(x)), Some(Some(y))) => git_order((x.0, x.1), (y.0, y.1)),
            };
            let (x, y) = (x.flatten(), y.flatten());
            match (order, x, y) {
                (Ordering::Equal, Some(x), Some(y)) => {
                    a = x.3;
                    b = y.3;
                    if x.2 == y.2 {
                        break;
                    }
                    out.push((y.0.to_vec(), git2::Oid::from_bytes(y.2).ok()));
                }
                (Ordering::Less, Some(x), _) => {
                    out.push((x.0.to_vec(), None));
                    a = x.3;
                }
                (_, _, Some(y)) => {
                    out.push((y.0.to_vec(), git2::Oid::from_bytes(y.2).ok()));
                    b = y.3;
                }
                _ => return None,
            }
        }
    }
}

/// Git's order of tree entries: by name, a folder's name compared as if it ended in `/`.
fn git_order(a: (&[u8], bool), b: (&[u8], bool)) -> std::cmp::Ordering {
    let (x, y) = (a.0, b.0);
    // Most names differ in their first byte: decided without a call to compare slices.
    if let (Some(p), Some(q)) = (x.first(), y.first()) {
        if p != q {
            return p.cmp(q);
        }
    }
    let n = x.len().min(y.len());
    match x[..n].cmp(&y[..n]) {
        std::cmp::Ordering::Equal => {}
        other => return other,
    }
    let next = |name: &[u8], folder: bool| name.get(n).copied().or(folder.then_some(b'/'));
    next(x, a.1).cmp(&next(y, b.1))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A small deterministic generator (xorshift), for random trees.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// A tree object as git writes it, from (mode, name, id) in git's order.
    fn tree(entries: &[(&str, String, [u8; 20])]) -> Vec<u8> {
        let mut data = Vec::new();
        for (mode, name, id) in entries {
            data.extend_from_slice(format!("{mode} {name}\0").as_bytes());
            data.extend_from_slice(id);
        }
        data
    }

    fn sorted(
        mut entries: Vec<(&'static str, String, [u8; 20])>,
    ) -> Vec<(&'static str, String, [u8; 20])> {
        entries.sort_by(|a, b| {
            git_order(
                (a.1.as_bytes(), a.0 == "40000"),
                (b.1.as_bytes(), b.0 == "40000"),
            )
        });
        entries.dedup_by(|a, b| a.1 == b.1);
        entries
    }

    /// The differences found by reading every entry of both trees.
    fn naive(old: &[u8], new: &[u8]) -> Vec<(Vec<u8>, Option<git2::Oid>)> {
        let read = |data: &[u8]| -> Vec<(Vec<u8>, bool, Vec<u8>)> {
            tree_entries(data)
                .map(|e| e.map(|(n, f, id)| (n.to_vec(), f, id.to_vec())).unwrap())
                .collect()
        };
        let (old, new) = (read(old), read(new));
        let key = |e: &(Vec<u8>, bool, Vec<u8>)| (e.0.clone(), e.1);
        let mut out = Vec::new();
        let mut names: Vec<(Vec<u8>, bool)> = old.iter().chain(&new).map(key).collect();
        names.sort_by(|a, b| git_order((&a.0, a.1), (&b.0, b.1)));
        names.dedup();
        for name in names {
            let find = |t: &[(Vec<u8>, bool, Vec<u8>)]| {
                t.iter().find(|e| key(e) == name).map(|e| e.2.clone())
            };
            match (find(&old), find(&new)) {
                (Some(a), Some(b)) if a == b => {}
                (_, Some(b)) => out.push((name.0, git2::Oid::from_bytes(&b).ok())),
                (Some(_), None) => out.push((name.0, None)),
                (None, None) => unreachable!(),
            }
        }
        out
    }

    #[test]
    fn changed_entries_finds_what_reading_every_entry_finds() {
        let mut rng = Rng(0x5eed_1234_abcd_0001);
        let modes = ["100644", "100755", "120000", "40000", "160000"];
        for round in 0..500 {
            let id = |rng: &mut Rng| {
                // Ids full of the bytes the parser looks for: zeros and spaces.
                let mut id = [0u8; 20];
                for b in id.iter_mut() {
                    *b = [0, b' ', b'a', 0x80, 0xff][rng.below(5) as usize];
                }
                id
            };
            let count = rng.below(if round % 10 == 0 { 400 } else { 40 }) as usize;
            let mut old = Vec::new();
            for _ in 0..count {
                let n = rng.below(60);
                let name = match rng.below(4) {
                    0 => format!("{n:04}-a b.toml"),
                    1 => format!("{n:04}-x.toml"),
                    2 => format!("{n:04}"),
                    _ => format!("{n:04}-{}.toml", "y".repeat(rng.below(30) as usize)),
                };
                old.push((modes[rng.below(5) as usize], name, id(&mut rng)));
            }
            let old = sorted(old);
            let mut new = old.clone();
            for _ in 0..rng.below(4) {
                if new.is_empty() {
                    break;
                }
                let at = rng.below(new.len() as u64) as usize;
                match rng.below(3) {
                    0 => new[at].2 = id(&mut rng),
                    1 => {
                        new.remove(at);
                    }
                    _ => new.push((
                        modes[rng.below(5) as usize],
                        format!("{:04}-new", rng.below(60)),
                        id(&mut rng),
                    )),
                }
            }
            let new = sorted(new);
            let (old, new) = (tree(&old), tree(&new));
            assert_eq!(
                changed_entries(&old, &new),
                Some(naive(&old, &new)),
                "round {round}"
            );
            assert_eq!(
                changed_entries(&new, &old),
                Some(naive(&new, &old)),
                "round {round}"
            );
        }
    }

    #[test]
    fn a_folder_is_found_as_a_scan_of_every_entry_finds_it() {
        // Names that hold the folder's name, or its entry's bytes, without being it.
        let names = [
            "proposals",
            "proposals.d",
            "xproposals",
            "40000 proposals",
            "proposal",
            "a",
            "zz",
        ];
        let modes = ["100644", "40000", "040000", "120000"];
        let mut rng = Rng(0x5eed_f01d_e500_0002);
        // The lookups of a walk, each tree mostly the last one changed a little.
        let mut last = Lookups::default();
        let mut entries: Vec<(&str, String, [u8; 20])> = Vec::new();
        for round in 0..4000 {
            if rng.below(4) == 0 {
                entries.clear();
            }
            for _ in 0..rng.below(4) {
                let name = names[rng.below(names.len() as u64) as usize].to_string();
                let mut id = [rng.below(256) as u8; 20];
                // An id may hold the entry's bytes too.
                if rng.below(8) == 0 {
                    id[..16].copy_from_slice(b"40000 proposals\0");
                }
                let entry = (modes[rng.below(4) as usize], name, id);
                match rng.below(3) {
                    0 if !entries.is_empty() => {
                        let at = rng.below(entries.len() as u64) as usize;
                        entries.remove(at);
                    }
                    1 if !entries.is_empty() => {
                        let at = rng.below(entries.len() as u64) as usize;
                        entries[at].2 = id;
                    }
                    _ => entries.insert(0, entry),
                }
            }
            entries = sorted(entries);
            let data = tree(&entries);
            // Every entry read, the folder taken where git's scan would stop.
            let naive = tree_entries(&data)
                .map_while(|e| e)
                .take_while(|(n, f, _)| !sorts_after(n, *f, b"proposals"))
                .find(|(n, f, _)| *f && *n == b"proposals")
                .map(|(_, _, id)| git2::Oid::from_bytes(id).unwrap());
            let root = git2::Oid::from_bytes(&[0xee; 20]).unwrap();
            let found = folder_in(root, "proposals", |_| Ok::<_, ()>(data.clone()), |d| d);
            assert_eq!(found, Ok(naive.filter(|t| *t != root)), "round {round}");
            assert_eq!(
                last.find(0, &Rc::new(data), "proposals"),
                naive,
                "round {round}"
            );
        }
    }

    #[test]
    fn cut_short_trees_are_refused() {
        let whole = tree(&[
            ("100644", "0001-a.toml".into(), [7; 20]),
            ("100644", "0002-b.toml".into(), [8; 20]),
        ]);
        // Every cut but the one between the two entries leaves an entry cut short.
        for cut in (1..whole.len()).filter(|c| *c != 39) {
            assert_eq!(changed_entries(&whole, &whole[..cut]), None, "cut at {cut}");
            assert_eq!(changed_entries(&whole[..cut], &[]), None, "cut at {cut}");
        }
        assert_eq!(changed_entries(&whole, &whole), Some(Vec::new()));
        assert!(tree_entries(b"100644 cut\0short").any(|e| e.is_none()));
    }

    #[test]
    fn zero_bytes_are_found_wherever_they_are() {
        for len in 0..40 {
            for at in 0..=len {
                let mut s: Vec<u8> = (0..len).map(|i| (i as u8).wrapping_mul(37) | 1).collect();
                if at < len {
                    s[at] = 0;
                    // A byte of 0x80 or 0x01 after the zero must not be taken for it.
                    if at + 1 < len {
                        s[at + 1] = 0x01;
                    }
                }
                let want = s.iter().position(|b| *b == 0);
                assert_eq!(find_nul(&s), want, "len {len}, zero at {at}");
            }
        }
    }

    #[test]
    fn entries_sort_in_git_order() {
        // `a.b` sorts before the folder `a` (compared as `a/`), which sorts before `a0`.
        let order = |a: (&str, bool), b: (&str, bool)| {
            git_order((a.0.as_bytes(), a.1), (b.0.as_bytes(), b.1))
        };
        assert_eq!(order(("a.b", false), ("a", true)), std::cmp::Ordering::Less);
        assert_eq!(order(("a", true), ("a0", false)), std::cmp::Ordering::Less);
        assert_eq!(
            order(("a", false), ("a.b", false)),
            std::cmp::Ordering::Less
        );
        // A lookup stops past the folder's place: never before an entry git would find.
        let names = [
            "",
            "a",
            "a.b",
            "a0",
            "a/",
            "ab",
            "b",
            "proposals",
            "proposalsx",
            "proposal",
            "zz",
        ];
        for name in names {
            for folder in [false, true] {
                let after = sorts_after(name.as_bytes(), folder, b"proposals");
                let at = folder && name == "proposals";
                assert!(!(after && at), "{name}");
                assert_eq!(
                    after,
                    name > "proposals/" && !name.starts_with("proposals/"),
                    "{name} {folder}"
                );
            }
        }
    }
}

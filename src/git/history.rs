//! One walk over the history reachable from HEAD, reading commit messages only.

use std::collections::HashMap;

use crate::error::Result;
use crate::model::id;
use crate::model::ledger::{is_lead_key, CommitInfo};
use crate::model::person::Person;
use crate::model::trailer::{self, Divider};

use super::Repo;

impl Repo {
    /// Commits reachable from HEAD whose final trailer block has a `Lead-` key, oldest
    /// first (parents before children). An unborn branch has none.
    pub fn lead_history(&self) -> Result<Vec<CommitInfo>> {
        match self.head_commit()? {
            Some(head) => self.lead_history_from(head.id()),
            None => Ok(Vec::new()),
        }
    }

    /// [`Repo::lead_history`] from another commit than HEAD.
    pub fn lead_history_at(&self, commit: &str) -> Result<Vec<CommitInfo>> {
        self.lead_history_from(git2::Oid::from_str(commit)?)
    }

    fn lead_history_from(&self, tip: git2::Oid) -> Result<Vec<CommitInfo>> {
        let mut out = Vec::new();
        self.walk(tip, |node, _| {
            out.extend(node.lead.take().map(|b| *b));
            Ok(())
        })?;
        Ok(out)
    }

    /// One walk from `tip` for both the ledger and the history of `folder`: what
    /// `git lead check` reads, once.
    pub fn scan(&self, tip: &str, folder: &str) -> Result<(Vec<CommitInfo>, FolderHistory)> {
        let mut commits = Vec::new();
        let mut history = FolderTracker::default();
        self.walk(git2::Oid::from_str(tip)?, |node, pos| {
            history.visit(self, node, pos, folder)?;
            commits.extend(node.lead.take().map(|b| *b));
            Ok(())
        })?;
        Ok((commits, history.out))
    }

    /// Every commit reachable from `tip` in the canonical order: parents before children,
    /// and among commits that do not depend on each other, older first (commit time, then
    /// id). The order is the same however the history was walked, so that nothing depends
    /// on how libgit2 happened to traverse it.
    pub(crate) fn walk(
        &self,
        tip: git2::Oid,
        mut visit: impl FnMut(&mut Node, usize) -> Result<()>,
    ) -> Result<()> {
        let mailmap = self.inner.mailmap()?;
        let mut walk = self.inner.revwalk()?;
        walk.push(tip)?;
        walk.set_sorting(git2::Sort::NONE)?;
        let mut nodes = Vec::new();
        for (read, oid) in walk.enumerate() {
            let commit = self.inner.find_commit(oid?)?;
            nodes.push(Node {
                id: commit.id(),
                parents: commit.parent_ids().collect(),
                time: commit.time().seconds(),
                tree: commit.tree_id(),
                lead: lead_commit(&commit, &mailmap)?.map(Box::new),
            });
            if read % 4096 == 4095 {
                self.report_progress(Some(read + 1));
            }
        }
        self.report_progress(None);
        for (pos, i) in canonical_order(&nodes).into_iter().enumerate() {
            if let Some(node) = nodes.get_mut(i) {
                visit(node, pos)?;
            }
        }
        Ok(())
    }
}

/// What a walk keeps of a commit.
pub(crate) struct Node {
    pub id: git2::Oid,
    pub parents: Vec<git2::Oid>,
    pub time: i64,
    pub tree: git2::Oid,
    /// The ledger's view, for a commit with `Lead-` trailers (taken by the visitor).
    pub lead: Option<Box<CommitInfo>>,
}

/// Kahn's topological sort of `nodes`, ready nodes taken oldest first, then by id.
fn canonical_order(nodes: &[Node]) -> Vec<usize> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let index: HashMap<git2::Oid, usize> =
        nodes.iter().enumerate().map(|(i, n)| (n.id, i)).collect();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    let mut waiting: Vec<usize> = vec![0; nodes.len()];
    for (i, n) in nodes.iter().enumerate() {
        // A parent outside the walk (a shallow clone's edge) is not waited for.
        for p in n.parents.iter().filter_map(|p| index.get(p)) {
            children[*p].push(i);
            waiting[i] += 1;
        }
    }
    let key = |i: usize| Reverse((nodes[i].time, nodes[i].id, i));
    let mut ready: BinaryHeap<_> = (0..nodes.len())
        .filter(|i| waiting[*i] == 0)
        .map(key)
        .collect();
    let mut out = Vec::with_capacity(nodes.len());
    while let Some(Reverse((_, _, i))) = ready.pop() {
        out.push(i);
        for &c in &children[i] {
            waiting[c] -= 1;
            if waiting[c] == 0 {
                ready.push(key(c));
            }
        }
    }
    out
}

/// The ledger's view of a commit: `None` unless its message carries `Lead-` trailers.
fn lead_commit(commit: &git2::Commit<'_>, mailmap: &git2::Mailmap) -> Result<Option<CommitInfo>> {
    let message = commit.message_raw_bytes();
    if !contains_lead_key(message) {
        return Ok(None);
    }
    let trailers = trailer::parse_with(message, Divider::Ignore);
    let stranded = trailer::stranded_with(message, "Lead-", Divider::Ignore);
    if !trailers.iter().any(|t| is_lead_key(&t.key)) && stranded.is_empty() {
        return Ok(None);
    }
    let author = commit.author_with_mailmap(mailmap)?;
    let when = author.when();
    Ok(Some(CommitInfo {
        id: commit.id().to_string(),
        author: Person::new(
            String::from_utf8_lossy(author.name_bytes()),
            String::from_utf8_lossy(author.email_bytes()),
        ),
        time: when.seconds(),
        offset: when.offset_minutes(),
        summary: String::from_utf8_lossy(commit.summary_bytes().unwrap_or_default()).into_owned(),
        body: body(message, &trailer::block_range(message, Divider::Ignore)),
        trailers,
        stranded,
    }))
}

/// Git's order of tree entries: by name, a folder's name compared as if it ended in `/`.
fn git_order(a: &git2::TreeEntry<'_>, b: &git2::TreeEntry<'_>) -> std::cmp::Ordering {
    let (x, y) = (a.name_bytes(), b.name_bytes());
    let n = x.len().min(y.len());
    match x[..n].cmp(&y[..n]) {
        std::cmp::Ordering::Equal => {}
        other => return other,
    }
    let next = |name: &[u8], e: &git2::TreeEntry<'_>| {
        let folder = e.kind() == Some(git2::ObjectType::Tree);
        name.get(n).copied().or(folder.then_some(b'/'))
    };
    next(x, a).cmp(&next(y, b))
}

/// A cheap test run on every commit before parsing its trailers.
fn contains_lead_key(message: &[u8]) -> bool {
    message.windows(5).any(|w| w.eq_ignore_ascii_case(b"lead-"))
}

/// The message between the subject paragraph and the trailer block.
fn body(message: &[u8], block: &std::ops::Range<usize>) -> String {
    let text = String::from_utf8_lossy(message.get(..block.start).unwrap_or(message));
    match text.split_once("\n\n") {
        Some((_, rest)) => rest.trim().to_string(),
        None => String::new(),
    }
}

/// Every change to the files of a folder, from one walk over the history: what `check`
/// and the sign-off matrix need to say which commit changed a proposal.
#[derive(Debug, Default)]
pub struct FolderHistory {
    /// Position of each commit reachable from the tip, parents before children.
    positions: HashMap<String, usize>,
    /// For each proposal id, the commits that changed its file (git's rule for
    /// `git log -- <path>`), in order, with the new blob (`None` when deleted).
    changes: HashMap<u32, Vec<(usize, String, Option<String>)>>,
}

/// Builds a [`FolderHistory`] one commit at a time, parents first.
#[derive(Default)]
struct FolderTracker {
    folder_of: HashMap<git2::Oid, Option<git2::Oid>>,
    out: FolderHistory,
}

impl FolderTracker {
    fn visit(&mut self, repo: &Repo, node: &Node, pos: usize, folder: &str) -> Result<()> {
        let tree = repo.inner.find_tree(node.tree)?;
        let this = match tree.get_path(std::path::Path::new(folder)) {
            Ok(e) if e.kind() == Some(git2::ObjectType::Tree) => Some(e.id()),
            _ => None,
        };
        let parents: Vec<Option<git2::Oid>> = node
            .parents
            .iter()
            .map(|p| self.folder_of.get(p).copied().flatten())
            .collect();
        self.folder_of.insert(node.id, this);
        let id = node.id.to_string();
        self.out.positions.insert(id.clone(), pos);
        if parents.contains(&this) || (parents.is_empty() && this.is_none()) {
            return Ok(());
        }
        let first = parents.first().copied().flatten();
        for (name, blob) in repo.changed_entries(first, this)? {
            let others_differ = parents
                .iter()
                .skip(1)
                .all(|p| repo.entry_blob(*p, &name).ok().flatten() != blob);
            if !others_differ {
                continue;
            }
            if let Some(pid) = id::from_file_name(&name) {
                self.out.changes.entry(pid).or_default().push((
                    pos,
                    id.clone(),
                    blob.map(|b| b.to_string()),
                ));
            }
        }
        Ok(())
    }
}

impl FolderHistory {
    /// How many commits the walk visited.
    pub fn len(&self) -> usize {
        self.positions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }

    /// Where `commit` stands in the walk; `None` when it is not reachable from the tip.
    pub fn position(&self, commit: &str) -> Option<usize> {
        self.positions.get(commit).copied()
    }

    /// Every commit that changed proposal `id`'s file, in order, with the blob it left.
    pub fn changes_after_start(&self, id: u32) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.changes
            .get(&id)
            .into_iter()
            .flatten()
            .map(|(_, commit, blob)| (commit.as_str(), blob.as_deref()))
    }

    /// The commits that changed proposal `id`'s file after position `after`, in order, with
    /// the blob each left.
    pub fn changes_after(
        &self,
        id: u32,
        after: usize,
    ) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.changes
            .get(&id)
            .into_iter()
            .flatten()
            .filter(move |(pos, _, _)| *pos > after)
            .map(|(_, commit, blob)| (commit.as_str(), blob.as_deref()))
    }
}

impl Repo {
    /// One walk from `tip` recording, for every proposal file in `folder`, the commits that
    /// changed it. A commit changes a file when its blob differs from that of every parent.
    pub fn folder_history(&self, tip: &str, folder: &str) -> Result<FolderHistory> {
        let mut history = FolderTracker::default();
        self.walk(git2::Oid::from_str(tip)?, |node, pos| {
            history.visit(self, node, pos, folder)
        })?;
        Ok(history.out)
    }

    /// Entries of two folder trees that differ, by name, with the new blob.
    fn changed_entries(
        &self,
        old: Option<git2::Oid>,
        new: Option<git2::Oid>,
    ) -> Result<Vec<(String, Option<git2::Oid>)>> {
        let old = old.map(|t| self.inner.find_tree(t)).transpose()?;
        let new = new.map(|t| self.inner.find_tree(t)).transpose()?;
        let mut a = old.iter().flat_map(|t| t.iter()).peekable();
        let mut b = new.iter().flat_map(|t| t.iter()).peekable();
        let mut out = Vec::new();
        let name = |e: &git2::TreeEntry<'_>| String::from_utf8_lossy(e.name_bytes()).into_owned();
        // Both trees list their entries in git's order: a merge join finds the differences
        // without building maps of names.
        loop {
            match (a.peek(), b.peek()) {
                (None, None) => break,
                (Some(x), None) => {
                    out.push((name(x), None));
                    a.next();
                }
                (None, Some(y)) => {
                    out.push((name(y), Some(y.id())));
                    b.next();
                }
                (Some(x), Some(y)) => match git_order(x, y) {
                    std::cmp::Ordering::Equal => {
                        if x.id() != y.id() {
                            out.push((name(y), Some(y.id())));
                        }
                        a.next();
                        b.next();
                    }
                    std::cmp::Ordering::Less => {
                        out.push((name(x), None));
                        a.next();
                    }
                    std::cmp::Ordering::Greater => {
                        out.push((name(y), Some(y.id())));
                        b.next();
                    }
                },
            }
        }
        Ok(out)
    }

    fn entry_blob(&self, tree: Option<git2::Oid>, name: &str) -> Result<Option<git2::Oid>> {
        let Some(t) = tree else { return Ok(None) };
        let tree = self.inner.find_tree(t)?;
        Ok(tree.get_name(name).map(|e| e.id()))
    }

    /// The text of a blob.
    pub fn blob_text(&self, blob: &str) -> Result<String> {
        let blob = self.inner.find_blob(git2::Oid::from_str(blob)?)?;
        Ok(String::from_utf8_lossy(blob.content()).into_owned())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn node(n: u8, parents: &[u8], time: i64) -> Node {
        let oid = |b: u8| git2::Oid::from_bytes(&[b; 20]).unwrap();
        Node {
            id: oid(n),
            parents: parents.iter().map(|p| oid(*p)).collect(),
            time,
            tree: oid(0),
            lead: None,
        }
    }

    #[test]
    fn the_order_is_topological_then_oldest_first_whatever_the_input_order() {
        // 1 <- 2 <- 4 (merge of 2 and 3), 1 <- 3; 3 is older than 2; 5 is a later child of 4
        // with a clock set in the past.
        let nodes = vec![
            node(4, &[2, 3], 40),
            node(5, &[4], 1),
            node(2, &[1], 30),
            node(3, &[1], 20),
            node(1, &[], 10),
        ];
        let ids = |order: Vec<usize>, nodes: &[Node]| -> Vec<u8> {
            order
                .into_iter()
                .map(|i| nodes[i].id.as_bytes()[0])
                .collect()
        };
        assert_eq!(ids(canonical_order(&nodes), &nodes), [1, 3, 2, 4, 5]);
        let mut shuffled = nodes;
        shuffled.reverse();
        assert_eq!(ids(canonical_order(&shuffled), &shuffled), [1, 3, 2, 4, 5]);
    }

    #[test]
    fn equal_times_are_ordered_by_id_and_missing_parents_are_not_waited_for() {
        let nodes = vec![node(9, &[7], 5), node(8, &[7], 5), node(7, &[6], 5)];
        let order: Vec<u8> = canonical_order(&nodes)
            .into_iter()
            .map(|i| nodes[i].id.as_bytes()[0])
            .collect();
        assert_eq!(order, [7, 8, 9]);
    }
}

//! Revisions: resolving them, merge bases, files at a revision, commit signatures.

use std::path::Path;

use crate::error::{Error, Result};
use crate::model::id;

use super::Repo;

/// A file of a folder that differs between two commits: its name, and its blob at each
/// (`None` where it is no file).
pub type FileChange = (String, Option<String>, Option<String>);

impl Repo {
    /// The full id of the commit `rev` names (any commit-ish git understands).
    pub fn resolve(&self, rev: &str) -> Result<String> {
        let object = self
            .inner
            .revparse_single(rev)
            .map_err(|_| Error::UnknownRevision {
                rev: rev.to_string(),
                shallow: self.inner.is_shallow(),
            })?;
        let commit = object
            .peel_to_commit()
            .map_err(|_| Error::UnknownRevision {
                rev: rev.to_string(),
                shallow: false,
            })?;
        Ok(commit.id().to_string())
    }

    /// The id of HEAD's commit; `None` on an unborn branch.
    pub fn head_id(&self) -> Result<Option<String>> {
        Ok(self.head_commit()?.map(|c| c.id().to_string()))
    }

    /// The merge base of `rev` and HEAD: where a pull request's branch left its base.
    pub fn merge_base_with_head(&self, rev: &str) -> Result<String> {
        let (base, head) = self.base_and_head(rev)?;
        self.merge_base_of(rev, base, head)
    }

    /// What HEAD adds to `rev`, as a pull request's review sees it: the merge base of the two,
    /// and the commits reachable from HEAD but not from it, in no particular order. From
    /// the cache when `rev` is in HEAD's history and the cache holds it (a branch that merged
    /// its base, or a base a few commits back), else from libgit2.
    pub fn range_from(&self, rev: &str) -> Result<(String, Vec<String>)> {
        let (base, head) = self.base_and_head(rev)?;
        if let Some(range) = self.range_in_cache(head, base)? {
            return Ok((
                base.to_string(),
                range.iter().map(|c| c.to_string()).collect(),
            ));
        }
        let merge_base = self.merge_base_of(rev, base, head)?;
        let range = self.commits_between(&merge_base, &head.to_string())?;
        Ok((merge_base, range))
    }

    /// The commit `rev` names and HEAD's.
    fn base_and_head(&self, rev: &str) -> Result<(git2::Oid, git2::Oid)> {
        let base = git2::Oid::from_str(&self.resolve(rev)?)?;
        let head = self.head_commit()?.ok_or_else(|| Error::UnknownRevision {
            rev: "HEAD".into(),
            shallow: false,
        })?;
        Ok((base, head.id()))
    }

    /// The merge base of `base` (which `rev` names) and `head`, by libgit2.
    fn merge_base_of(&self, rev: &str, base: git2::Oid, head: git2::Oid) -> Result<String> {
        match self.inner.merge_base(base, head) {
            Ok(oid) => Ok(oid.to_string()),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Err(Error::NoMergeBase {
                base: rev.to_string(),
                shallow: self.inner.is_shallow(),
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// What is at `path` in the tree of `commit`: its mode (`0o100644`, `0o120000` for a
    /// symbolic link, ...) and object id; `None` when nothing is.
    pub fn path_entry(&self, commit: &str, path: &str) -> Result<Option<(i32, String)>> {
        let tree = self
            .inner
            .find_commit(git2::Oid::from_str(commit)?)?
            .tree()?;
        match tree.get_path(Path::new(path)) {
            Ok(entry) => Ok(Some((entry.filemode(), entry.id().to_string()))),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The file at `path` in the tree of `commit`; a symbolic link there is an error.
    pub fn file_at(&self, commit: &str, path: &str) -> Result<Option<Vec<u8>>> {
        let tree = self
            .inner
            .find_commit(git2::Oid::from_str(commit)?)?
            .tree()?;
        let entry = match tree.get_path(Path::new(path)) {
            Ok(entry) => entry,
            Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        if entry.filemode() == 0o120000 {
            return Err(Error::SymbolicLink {
                path: format!("{path} at {}", commit.get(..7).unwrap_or(commit)),
            });
        }
        self.entry_blob(&entry)
    }

    /// The file of proposal `id` in `folder` at `commit`, found by the number its name
    /// starts with: its path and content.
    pub fn proposal_at(
        &self,
        commit: &str,
        folder: &str,
        id: u32,
    ) -> Result<Option<(String, Vec<u8>)>> {
        let tree = self
            .inner
            .find_commit(git2::Oid::from_str(commit)?)?
            .tree()?;
        let Some(sub) = self.subtree(&tree, folder)? else {
            return Ok(None);
        };
        for entry in sub.iter() {
            let Ok(name) = entry.name() else { continue };
            if id::from_file_name(name) == Some(id) {
                if let Some(bytes) = self.entry_blob(&entry)? {
                    return Ok(Some((format!("{folder}/{name}"), bytes)));
                }
            }
        }
        Ok(None)
    }

    /// The files of proposal `id` (by the number their names start with) in `folder` at the
    /// first parent of `commit` that `commit` no longer has: the names a renumbering left.
    pub fn names_left(&self, commit: &str, folder: &str, id: u32) -> Result<Vec<String>> {
        let c = self.inner.find_commit(git2::Oid::from_str(commit)?)?;
        let Ok(parent) = c.parent(0) else {
            return Ok(Vec::new());
        };
        let names = |tree: &git2::Tree<'_>| -> Result<Vec<String>> {
            Ok(match self.subtree(tree, folder)? {
                Some(sub) => sub
                    .iter()
                    .filter_map(|e| e.name().ok().map(str::to_string))
                    .collect(),
                None => Vec::new(),
            })
        };
        let after = names(&c.tree()?)?;
        Ok(names(&parent.tree()?)?
            .into_iter()
            .filter(|n| id::from_file_name(n) == Some(id) && !after.contains(n))
            .collect())
    }

    /// Whether the index entry of `path` differs from HEAD's file (a staged change), or the
    /// index holds none while HEAD has one.
    pub fn staged_change(&self, path: &str) -> Result<bool> {
        let index = self.inner.index()?;
        let staged = index.get_path(Path::new(path), 0).map(|e| e.id);
        let committed = match self.head_commit()? {
            Some(head) => match head.tree()?.get_path(Path::new(path)) {
                Ok(entry) => Some(entry.id()),
                Err(e) if e.code() == git2::ErrorCode::NotFound => None,
                Err(e) => return Err(e.into()),
            },
            None => None,
        };
        Ok(staged != committed)
    }

    /// The first of the files `names` of `folder` at `commit` that exists there: its path
    /// and content (a renumbered proposal, under a name it had).
    pub fn file_named_at<'n>(
        &self,
        commit: &str,
        folder: &str,
        names: impl IntoIterator<Item = &'n String>,
    ) -> Result<Option<(String, Vec<u8>)>> {
        for name in names {
            let path = format!("{folder}/{name}");
            if let Some(bytes) = self.file_at(commit, &path)? {
                return Ok(Some((path, bytes)));
            }
        }
        Ok(None)
    }

    /// Whether `folder` at `commit` holds a file with one of `names`.
    pub fn folder_has_any(&self, commit: &str, folder: &str, names: &[String]) -> Result<bool> {
        if names.is_empty() {
            return Ok(false);
        }
        let tree = self
            .inner
            .find_commit(git2::Oid::from_str(commit)?)?
            .tree()?;
        let Some(sub) = self.subtree(&tree, folder)? else {
            return Ok(false);
        };
        Ok(names.iter().any(|n| sub.get_name(n).is_some()))
    }

    /// [`Repo::proposal_at`], trying the path `likely` first: one lookup instead of a scan
    /// of the folder when the file kept its name.
    pub fn proposal_at_likely(
        &self,
        commit: &str,
        likely: &str,
        folder: &str,
        id: u32,
    ) -> Result<Option<(String, Vec<u8>)>> {
        let name = likely.rsplit('/').next().unwrap_or(likely);
        if likely.starts_with(folder) && id::from_file_name(name) == Some(id) {
            if let Some(bytes) = self.file_at(commit, likely)? {
                return Ok(Some((likely.to_string(), bytes)));
            }
        }
        self.proposal_at(commit, folder, id)
    }

    /// The base a pull request from the current branch most likely targets: its upstream
    /// (`origin/main`), unless that is the branch's own copy on the remote
    /// (`origin/<this branch>`), in which case `main`.
    pub fn default_base(&self) -> Result<String> {
        let head = self.inner.head().ok();
        let branch = head
            .as_ref()
            .filter(|h| h.is_branch())
            .and_then(|h| h.shorthand().ok().map(str::to_string));
        if let Some(name) = &branch {
            if let Ok(local) = self.inner.find_branch(name, git2::BranchType::Local) {
                if let Ok(upstream) = local.upstream() {
                    if let Ok(Some(up)) = upstream.name() {
                        let own_copy = up == name || up.ends_with(&format!("/{name}"));
                        if !own_copy {
                            return Ok(up.to_string());
                        }
                    }
                }
            }
        }
        Ok("main".to_string())
    }

    /// Whether `ancestor` is `commit` or one of its ancestors.
    pub fn is_ancestor(&self, ancestor: &str, commit: &str) -> Result<bool> {
        if ancestor == commit {
            return Ok(true);
        }
        let (a, c) = (git2::Oid::from_str(ancestor)?, git2::Oid::from_str(commit)?);
        Ok(self.inner.graph_descendant_of(c, a)?)
    }

    /// Commits reachable from `to` but not from `from`, parents before children.
    fn commits_between(&self, from: &str, to: &str) -> Result<Vec<String>> {
        let mut walk = self.inner.revwalk()?;
        walk.push(git2::Oid::from_str(to)?)?;
        walk.hide(git2::Oid::from_str(from)?)?;
        walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE)?;
        walk.map(|oid| Ok(oid?.to_string())).collect()
    }

    /// The commits reachable from `to` but not from `from`, when `from` is one of its
    /// ancestors (or `to` itself) and they are at most `limit`; `None` otherwise, and when
    /// `from` is no longer in the repository. It reads no more than `limit` commits: `from`
    /// is an ancestor when one of them has it as a parent (asking libgit2 whether it is one
    /// could walk the whole of an unrelated history).
    pub fn commits_onto(&self, from: &str, to: &str, limit: usize) -> Result<Option<Vec<String>>> {
        let (Ok(old), new) = (git2::Oid::from_str(from), git2::Oid::from_str(to)?) else {
            return Ok(None);
        };
        if old == new {
            return Ok(Some(Vec::new()));
        }
        if self.inner.find_commit(old).is_err() {
            return Ok(None);
        }
        let mut walk = self.inner.revwalk()?;
        walk.push(new)?;
        walk.hide(old)?;
        let (mut out, mut onto) = (Vec::new(), false);
        for oid in walk {
            if out.len() == limit {
                return Ok(None);
            }
            let commit = self.inner.find_commit(oid?)?;
            onto |= commit.parent_ids().any(|p| p == old);
            out.push(super::hex(commit.id()));
        }
        Ok(onto.then_some(out))
    }

    /// The signature of `commit` (its `gpgsig` header) and the data it signs; `None` and the
    /// whole commit when it is not signed.
    pub fn signature_of(&self, commit: &str) -> Result<(Option<String>, Vec<u8>)> {
        let oid = git2::Oid::from_str(commit)?;
        match self.inner.extract_signature(&oid, None) {
            Ok((sig, data)) => Ok((
                Some(String::from_utf8_lossy(&sig).into_owned()),
                data.to_vec(),
            )),
            Err(e) if e.code() == git2::ErrorCode::NotFound => {
                let odb = self.inner.odb()?;
                let data = odb.read(oid)?.data().to_vec();
                Ok((None, data))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The `.toml` files directly in `folder` at `commit`: names and blob ids.
    pub fn folder_files(&self, commit: &str, folder: &str) -> Result<Vec<(String, String)>> {
        let tree = self
            .inner
            .find_commit(git2::Oid::from_str(commit)?)?
            .tree()?;
        let Some(sub) = self.subtree(&tree, folder)? else {
            return Ok(Vec::new());
        };
        Ok(sub
            .iter()
            .filter(|e| e.kind() == Some(git2::ObjectType::Blob))
            .filter_map(|e| {
                let name = e.name().ok()?;
                name.ends_with(".toml")
                    .then(|| (name.to_string(), e.id().to_string()))
            })
            .collect())
    }

    /// The `.toml` files directly in `folder` that differ between commits `from` and `to`,
    /// each with its blob at `from` and at `to` (`None` where it is no file there): what
    /// listing the folder at both ([`Repo::folder_files`]) and comparing would find, from
    /// git's tree diff, which passes over the entries that are the same. A file whose mode
    /// alone changed has not changed.
    pub fn folder_file_changes(
        &self,
        from: &str,
        to: &str,
        folder: &str,
    ) -> Result<Vec<FileChange>> {
        let at = |commit: &str| -> Result<Option<git2::Tree<'_>>> {
            let tree = self
                .inner
                .find_commit(git2::Oid::from_str(commit)?)?
                .tree()?;
            self.subtree(&tree, folder)
        };
        let (old, new) = (at(from)?, at(to)?);
        let mut opts = git2::DiffOptions::new();
        opts.skip_binary_check(true);
        let diff = self
            .inner
            .diff_tree_to_tree(old.as_ref(), new.as_ref(), Some(&mut opts))?;
        // A side that is a file (a blob, executable or not, or a link), as a listing
        // keeps it.
        let file = |f: git2::DiffFile<'_>| {
            matches!(
                f.mode(),
                git2::FileMode::Blob | git2::FileMode::BlobExecutable | git2::FileMode::Link
            )
            .then(|| f.id().to_string())
        };
        let mut changes = Vec::new();
        for delta in diff.deltas() {
            let path = delta.new_file().path().or(delta.old_file().path());
            let Some(name) = path.and_then(|p| p.to_str()) else {
                continue;
            };
            if name.contains('/') || !name.ends_with(".toml") {
                continue;
            }
            let (before, after) = (file(delta.old_file()), file(delta.new_file()));
            if before != after {
                changes.push((name.to_string(), before, after));
            }
        }
        Ok(changes)
    }

    /// Whether this is a shallow clone, whose history may not answer.
    pub fn is_shallow(&self) -> bool {
        self.inner.is_shallow()
    }
}

//! Commits that touch exactly one file, leaving every other change where it was.

use std::path::Path;

use crate::error::{Error, Result};
use crate::model::person::Person;

use super::{sign, worktree, Repo};

impl Repo {
    /// Records `content` as the file at `path` (relative to the top, `/`-separated) in one
    /// new commit on the current branch, with `message`.
    ///
    /// The commit's tree is HEAD's tree with that one file replaced. Afterwards the working
    /// tree file holds `content` and its index entry matches the commit; every other index
    /// entry and working tree file is left exactly as it was. Refuses while a merge, rebase
    /// or similar is in progress, while `index.lock` is held, and when no identity is set.
    pub fn commit_file(&self, path: &str, content: &[u8], message: &str) -> Result<String> {
        self.commit_change(None, path, content, message)
    }

    /// [`Repo::commit_file`] for a file that moves: `old` leaves the tree, the index and
    /// the working tree, and `path` takes `content`, in one commit. Every other change is
    /// left where it was.
    pub fn commit_rename(
        &self,
        old: &str,
        path: &str,
        content: &[u8],
        message: &str,
    ) -> Result<String> {
        self.commit_change(Some(old), path, content, message)
    }

    fn commit_change(
        &self,
        old: Option<&str>,
        path: &str,
        content: &[u8],
        message: &str,
    ) -> Result<String> {
        if let Some(what) = self.operation_in_progress() {
            return Err(Error::OperationInProgress { what });
        }
        let lock = self.git_dir().join("index.lock");
        if lock.exists() {
            return Err(Error::IndexLocked { path: lock });
        }
        let author = self.identity("AUTHOR")?;
        let committer = self.identity("COMMITTER")?;
        let parent = self.head_commit()?;
        let blob = self.inner.blob(content)?;
        let base = parent.as_ref().map(git2::Commit::tree).transpose()?;
        let mode = match base.as_ref().map(|t| t.get_path(Path::new(path))) {
            Some(Ok(entry)) if entry.filemode() == i32::from(git2::FileMode::BlobExecutable) => {
                git2::FileMode::BlobExecutable
            }
            _ => git2::FileMode::Blob,
        };
        let tree_id = match &base {
            Some(base) => {
                let mut update = git2::build::TreeUpdateBuilder::new();
                if let Some(old) = old {
                    update.remove(old);
                }
                update
                    .upsert(path, blob, mode)
                    .create_updated(&self.inner, base)?
            }
            None => self.tree_of_one_file(path, blob, mode)?,
        };
        let tree = self.inner.find_tree(tree_id)?;
        let message = if message.ends_with('\n') {
            message.to_string()
        } else {
            format!("{message}\n")
        };
        let id = self.write_commit(&author, &committer, &message, &tree, parent.as_ref())?;
        self.move_head(id, parent.as_ref().map(git2::Commit::id), &message)?;
        let file = self.workdir().join(path);
        worktree::write_atomic(&file, content)?;
        if let Some(old) = old {
            let gone = self.workdir().join(old);
            match std::fs::remove_file(&gone) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io(&gone, e)),
            }
            let mut index = self.inner.index()?;
            index.remove_path(Path::new(old))?;
            index.write()?;
        }
        self.stage(path, &file, blob, mode)?;
        Ok(id.to_string())
    }

    /// Records an empty commit (HEAD's tree unchanged) with `message`: a sign-off, a
    /// concern or a resolution. Working tree and index are not touched.
    pub fn commit_empty(&self, message: &str) -> Result<String> {
        if let Some(what) = self.operation_in_progress() {
            return Err(Error::OperationInProgress { what });
        }
        let author = self.identity("AUTHOR")?;
        let committer = self.identity("COMMITTER")?;
        let Some(parent) = self.head_commit()? else {
            return Err(Error::usage("the branch has no commits yet"));
        };
        let tree = parent.tree()?;
        let message = if message.ends_with('\n') {
            message.to_string()
        } else {
            format!("{message}\n")
        };
        let id = self.write_commit(&author, &committer, &message, &tree, Some(&parent))?;
        self.move_head(id, Some(parent.id()), &message)?;
        Ok(id.to_string())
    }

    /// Writes the commit object, signed when git's configuration says to.
    fn write_commit(
        &self,
        author: &git2::Signature<'_>,
        committer: &git2::Signature<'_>,
        message: &str,
        tree: &git2::Tree<'_>,
        parent: Option<&git2::Commit<'_>>,
    ) -> Result<git2::Oid> {
        let parents: Vec<&git2::Commit<'_>> = parent.into_iter().collect();
        let buffer = self
            .inner
            .commit_create_buffer(author, committer, message, tree, &parents)?;
        let buffer = std::str::from_utf8(&buffer).map_err(|_| Error::Git {
            message: "the commit is not valid UTF-8".into(),
        })?;
        Ok(match sign::signature(self, buffer)? {
            Some(signature) => self.inner.commit_signed(buffer, &signature, None)?,
            None => self
                .inner
                .odb()?
                .write(git2::ObjectType::Commit, buffer.as_bytes())?,
        })
    }

    /// A tree holding only `path` (for the first commit of an unborn branch), built from the
    /// leaf up so that no empty tree is written.
    fn tree_of_one_file(
        &self,
        path: &str,
        blob: git2::Oid,
        mode: git2::FileMode,
    ) -> Result<git2::Oid> {
        let mut parts: Vec<&str> = path.split('/').collect();
        let mut id = blob;
        let mut entry_mode = mode;
        while let Some(name) = parts.pop() {
            let mut builder = self.inner.treebuilder(None)?;
            builder.insert(name, id, i32::from(entry_mode))?;
            id = builder.write()?;
            entry_mode = git2::FileMode::Tree;
        }
        Ok(id)
    }

    /// Moves the current branch (or a detached HEAD) from `old` to `new`, failing if someone
    /// else moved it meanwhile.
    fn move_head(&self, new: git2::Oid, old: Option<git2::Oid>, message: &str) -> Result<()> {
        let subject = message.lines().next().unwrap_or_default();
        let log = match old {
            Some(_) => format!("commit: {subject}"),
            None => format!("commit (initial): {subject}"),
        };
        let head = self.inner.find_reference("HEAD")?;
        match head.symbolic_target().ok().flatten() {
            Some(branch) => {
                match old {
                    Some(old) => self
                        .inner
                        .reference_matching(branch, new, true, old, &log)?,
                    None => self.inner.reference(branch, new, false, &log)?,
                };
            }
            None => self.inner.set_head_detached(new)?,
        }
        Ok(())
    }

    /// Points the index entry of `path` at `blob`, with the file's current stat data so that
    /// `git status` sees it clean without hashing it again.
    fn stage(&self, path: &str, file: &Path, blob: git2::Oid, mode: git2::FileMode) -> Result<()> {
        let mut index = self.inner.index()?;
        let meta = std::fs::metadata(file).map_err(|e| Error::io(file, e))?;
        let mut entry = stat_entry(&meta);
        entry.id = blob;
        entry.mode = u32::try_from(i32::from(mode)).unwrap_or(0o100644);
        entry.flags = u16::try_from(path.len()).unwrap_or(0x0fff).min(0x0fff);
        entry.path = path.as_bytes().to_vec();
        index.add(&entry)?;
        index.write()?;
        Ok(())
    }

    /// The author git would record now: name, email, time and offset in minutes.
    pub fn author(&self) -> Result<(Person, i64, i32)> {
        let sig = self.identity("AUTHOR")?;
        let when = sig.when();
        let person = Person::new(
            String::from_utf8_lossy(sig.name_bytes()),
            String::from_utf8_lossy(sig.email_bytes()),
        );
        Ok((person, when.seconds(), when.offset_minutes()))
    }

    /// The author of `commit` (through `.mailmap`), the time and its offset in minutes.
    pub fn commit_meta(&self, commit: &str) -> Result<(Person, i64, i32)> {
        let mailmap = self.mailmap()?;
        let commit = self.inner.find_commit(git2::Oid::from_str(commit)?)?;
        let author = commit.author_with_mailmap(&mailmap)?;
        let when = author.when();
        let person = Person::new(
            String::from_utf8_lossy(author.name_bytes()),
            String::from_utf8_lossy(author.email_bytes()),
        );
        Ok((person, when.seconds(), when.offset_minutes()))
    }

    /// `who` as `.mailmap` maps them.
    pub fn mailmapped(&self, who: &Person) -> Result<Person> {
        resolve(&self.mailmap()?, who)
    }

    /// Who is who from now on: the `.mailmap` committed at `commit` (the merge base a pull
    /// request is judged against) instead of the working tree's, which the pull request
    /// could change; git's `mailmap.blob` and `mailmap.file` settings after it, what they
    /// name inside the repository read at `commit` too (see `mailmap_text_at`).
    pub fn identities_from(&self, commit: &str) {
        *self.identities.borrow_mut() = Some(commit.to_string());
    }

    /// The mapping of authors in force: libgit2's (the working tree's `.mailmap`, then
    /// `mailmap.blob`, then `mailmap.file`, later entries overriding earlier ones), or the
    /// same with the `.mailmap` of the commit [`Repo::identities_from`] named.
    pub(crate) fn mailmap(&self) -> Result<git2::Mailmap> {
        let commit = self.identities.borrow().clone();
        match commit {
            None => Ok(self.inner.mailmap()?),
            Some(commit) => self.mailmap_at(&commit),
        }
    }

    /// `people` as the `.mailmap` committed at `commit` maps them, with git's `mailmap.blob`
    /// and `mailmap.file` settings after it, as libgit2 reads them.
    pub fn map_people_at(&self, commit: &str, people: &[Person]) -> Result<Vec<Person>> {
        let mailmap = self.mailmap_at(commit)?;
        // As the walks do, an author git2 cannot make a signature of is kept as recorded.
        Ok(people
            .iter()
            .map(|p| resolve(&mailmap, p).unwrap_or_else(|_| p.clone()))
            .collect())
    }

    /// The mapping of authors with the `.mailmap` committed at `commit` in place of the
    /// working tree's, read in libgit2's order.
    ///
    /// What the settings name inside the repository is read at `commit` too, as the branch
    /// could change it: a `mailmap.blob` of HEAD's (`HEAD:<path>`, `:<path>`) is `<path>` at
    /// `commit`, and a `mailmap.file` in the working tree is that path at `commit`. Other
    /// blobs and files outside the working tree are read as they are.
    fn mailmap_at(&self, commit: &str) -> Result<git2::Mailmap> {
        Ok(git2::Mailmap::from_buffer(&self.mailmap_text_at(commit)?)?)
    }

    /// Whether the mapping of authors differs between commits `a` and `b` (see
    /// [`Repo::map_people_at`]): the text of every source, compared.
    pub fn mailmap_differs(&self, a: &str, b: &str) -> Result<bool> {
        Ok(self.mailmap_text_at(a)? != self.mailmap_text_at(b)?)
    }

    /// The sources of the mapping at `commit`, in libgit2's order, as one text.
    fn mailmap_text_at(&self, commit: &str) -> Result<String> {
        let mut text = String::new();
        let mut add = |bytes: &[u8]| {
            text.push_str(&String::from_utf8_lossy(bytes));
            text.push('\n');
        };
        if let Some(bytes) = self.committed_mailmap(commit, ".mailmap")? {
            add(&bytes);
        }
        if let Some(blob) = self.config_string("mailmap.blob")? {
            let of_head = ["HEAD:", "@:", ":"]
                .iter()
                .find_map(|p| blob.strip_prefix(p));
            match of_head {
                Some(path) => {
                    if let Some(bytes) = self.committed_mailmap(commit, path)? {
                        add(&bytes);
                    }
                }
                None => {
                    if let Some(b) = self
                        .inner
                        .revparse_single(&blob)
                        .ok()
                        .and_then(|o| o.into_blob().ok())
                    {
                        add(b.content());
                    }
                }
            }
        }
        if let Some(file) = self.config_string("mailmap.file")? {
            let path = match (file.strip_prefix("~/"), std::env::var_os("HOME")) {
                (Some(rest), Some(home)) => std::path::PathBuf::from(home).join(rest),
                _ => self.workdir.join(&file),
            };
            let inside = path
                .strip_prefix(&self.workdir)
                .ok()
                .and_then(|p| p.to_str())
                .map(str::to_string);
            let bytes = match inside {
                Some(rel) => self.committed_mailmap(commit, &rel)?,
                None => std::fs::read(&path).ok(),
            };
            if let Some(bytes) = bytes {
                add(&bytes);
            }
        }
        Ok(text)
    }

    /// A mailmap file committed at `commit`; none where it is missing or a symbolic link
    /// (git does not follow a `.mailmap` that is one).
    fn committed_mailmap(&self, commit: &str, path: &str) -> Result<Option<Vec<u8>>> {
        match self.path_entry(commit, path)? {
            Some((0o120000, _)) | None => Ok(None),
            Some(_) => self.file_at(commit, path),
        }
    }

    /// Every author of a `Lead-` commit the walks of this run mapped through `.mailmap`, as
    /// recorded in the commit.
    pub fn mapped_authors(&self) -> Vec<Person> {
        let mut out: Vec<Person> = self.mapped.borrow().keys().cloned().collect();
        out.sort_by(|a, b| (&a.email, &a.name).cmp(&(&b.email, &b.name)));
        out
    }

    /// Author or committer as git would take them: `GIT_<ROLE>_NAME`/`_EMAIL`/`_DATE`, then
    /// `user.name`/`user.email` (including `git -c`), then `EMAIL`.
    fn identity(&self, role: &str) -> Result<git2::Signature<'static>> {
        let env = |what: &str| std::env::var(format!("GIT_{role}_{what}")).ok();
        let name = match env("NAME") {
            Some(n) => Some(n),
            None => self.config_string("user.name")?,
        };
        let email = match env("EMAIL") {
            Some(e) => Some(e),
            None => self
                .config_string("user.email")?
                .or_else(|| std::env::var("EMAIL").ok()),
        };
        let (Some(name), Some(email)) = (name, email) else {
            return Err(Error::NoIdentity);
        };
        if name.trim().is_empty() || email.trim().is_empty() {
            return Err(Error::NoIdentity);
        }
        let from_env = if role == "AUTHOR" {
            self.inner.author_from_env()
        } else {
            self.inner.committer_from_env()
        };
        let time = match (from_env, env("DATE")) {
            (Ok(sig), _) => sig.when(),
            (Err(_), Some(date)) => parse_raw_date(&date).ok_or_else(|| Error::ConfigValue {
                key: format!("GIT_{role}_DATE"),
                message: format!("cannot read the date '{date}'"),
            })?,
            (Err(_), None) => git2::Signature::now(&name, &email)?.when(),
        };
        Ok(git2::Signature::new(&name, &email, &time)?)
    }
}

/// `@<seconds> <+hhmm>` or `<seconds> <+hhmm>`: git's raw date format.
fn parse_raw_date(s: &str) -> Option<git2::Time> {
    let s = s.trim().trim_start_matches('@');
    let (secs, zone) = s.split_once(' ').unwrap_or((s, "+0000"));
    let secs: i64 = secs.parse().ok()?;
    let zone = zone.trim();
    let sign = if zone.starts_with('-') { -1 } else { 1 };
    let digits: i32 = zone.trim_start_matches(['+', '-']).parse().ok()?;
    Some(git2::Time::new(
        secs,
        sign * (digits / 100 * 60 + digits % 100),
    ))
}

#[cfg(unix)]
fn stat_entry(meta: &std::fs::Metadata) -> git2::IndexEntry {
    use std::os::unix::fs::MetadataExt;
    // The index stores 32-bit stat fields; git truncates them the same way.
    let t = |s: i64, ns: i64| git2::IndexTime::new(s as i32, ns as u32);
    git2::IndexEntry {
        ctime: t(meta.ctime(), meta.ctime_nsec()),
        mtime: t(meta.mtime(), meta.mtime_nsec()),
        dev: meta.dev() as u32,
        ino: meta.ino() as u32,
        mode: 0,
        uid: meta.uid(),
        gid: meta.gid(),
        file_size: meta.size() as u32,
        id: git2::Oid::ZERO_SHA1,
        flags: 0,
        flags_extended: 0,
        path: Vec::new(),
    }
}

#[cfg(not(unix))]
fn stat_entry(meta: &std::fs::Metadata) -> git2::IndexEntry {
    git2::IndexEntry {
        ctime: git2::IndexTime::new(0, 0),
        mtime: git2::IndexTime::new(0, 0),
        dev: 0,
        ino: 0,
        mode: 0,
        uid: 0,
        gid: 0,
        file_size: meta.len() as u32,
        id: git2::Oid::ZERO_SHA1,
        flags: 0,
        flags_extended: 0,
        path: Vec::new(),
    }
}

/// `who` as `mailmap` maps them.
pub(super) fn resolve(mailmap: &git2::Mailmap, who: &Person) -> Result<Person> {
    let sig = git2::Signature::new(&who.name, &who.email, &git2::Time::new(0, 0))?;
    let mapped = mailmap.resolve_signature(&sig)?;
    Ok(Person::new(
        String::from_utf8_lossy(mapped.name_bytes()),
        String::from_utf8_lossy(mapped.email_bytes()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_dates_parse() {
        let t = parse_raw_date("@1112911993 -0700").map(|t| (t.seconds(), t.offset_minutes()));
        assert_eq!(t, Some((1_112_911_993, -420)));
        let t = parse_raw_date("1700000000 +0530").map(|t| (t.seconds(), t.offset_minutes()));
        assert_eq!(t, Some((1_700_000_000, 330)));
        assert!(parse_raw_date("yesterday").is_none());
    }
}

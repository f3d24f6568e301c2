//! Objects a partial clone left on its promisor remote, fetched the way git fetches them
//! when it finds one missing: `git fetch <remote> --filter=blob:none --stdin` with the ids
//! on stdin, through git itself (libgit2 neither knows partial clones nor, in this build,
//! the network).

use std::io::Write;
use std::process::{Command, Stdio};

use super::Repo;
use crate::error::Result;

impl Repo {
    /// The promisor remotes of a partial clone, in the order git tries them:
    /// `extensions.partialClone` first, then every remote with `remote.<name>.promisor`
    /// true. Empty in a repository that is not a partial clone.
    fn promisor_remotes(&self) -> Vec<String> {
        let mut remotes: Vec<String> = self
            .config_string("extensions.partialClone")
            .ok()
            .flatten()
            .into_iter()
            .collect();
        if let Ok(mut entries) = self.config.entries(Some(r"remote\..*\.promisor")) {
            while let Some(Ok(entry)) = entries.next() {
                let name = entry.name().ok().and_then(|n| n.strip_prefix("remote."));
                let name = name.and_then(|n| n.strip_suffix(".promisor"));
                if let Some(name) = name {
                    let on = self.config_bool(&format!("remote.{name}.promisor"));
                    if on.ok().flatten() == Some(true) && !remotes.iter().any(|r| r == name) {
                        remotes.push(name.to_string());
                    }
                }
            }
        }
        remotes
    }

    /// Fetches those of `ids` the object database lacks from the promisor remotes, in one
    /// `git fetch` a remote, as git does (honouring `GIT_NO_LAZY_FETCH`). Does nothing,
    /// and reads nothing, outside a partial clone. What is still missing afterwards is left
    /// for the read that needs it to report.
    pub fn fetch_missing(&self, ids: &[&str]) -> Result<()> {
        if ids.is_empty() || !self.partial_clone() {
            return Ok(());
        }
        let odb = self.inner.odb()?;
        let mut missing: Vec<git2::Oid> = ids
            .iter()
            .filter_map(|id| git2::Oid::from_str(id).ok())
            .filter(|id| !odb.exists(*id))
            .collect();
        if missing.is_empty() || std::env::var_os("GIT_NO_LAZY_FETCH").is_some_and(|v| v != "0") {
            return Ok(());
        }
        let quiet = self.config_bool("promisor.quiet").ok().flatten() == Some(true);
        for remote in self.promisor_remotes() {
            // A fetch that fails has said why on stderr; the next remote may have them.
            if fetch(&self.workdir, &remote, &missing, quiet) {
                odb.refresh()?;
                missing.retain(|id| !odb.exists(*id));
            }
            if missing.is_empty() {
                break;
            }
        }
        Ok(())
    }

    /// Blob `id`; in a partial clone that lacks it, fetched first, as git would.
    pub(super) fn find_blob(&self, id: git2::Oid) -> Result<git2::Blob<'_>> {
        let found = match self.inner.find_blob(id) {
            Err(e) if e.code() == git2::ErrorCode::NotFound => {
                self.fetch_missing(&[&id.to_string()])?;
                self.inner.find_blob(id)
            }
            found => found,
        };
        Ok(found?)
    }

    /// The bytes of the blob a tree entry names; `None` for an entry that is not a blob
    /// (a folder, a submodule).
    pub(super) fn entry_blob(&self, entry: &git2::TreeEntry<'_>) -> Result<Option<Vec<u8>>> {
        if entry.kind() != Some(git2::ObjectType::Blob) {
            return Ok(None);
        }
        Ok(Some(self.find_blob(entry.id())?.content().to_vec()))
    }

    /// Whether this is a partial clone: one with a promisor remote.
    fn partial_clone(&self) -> bool {
        *self
            .partial
            .get_or_init(|| !self.promisor_remotes().is_empty())
    }
}

/// `git fetch` of `ids` from `remote`, as git's `promisor-remote.c` runs it; whether it
/// succeeded (git says why not on stderr).
fn fetch(workdir: &std::path::Path, remote: &str, ids: &[git2::Oid], quiet: bool) -> bool {
    let mut command = Command::new("git");
    command
        .current_dir(workdir)
        .args(["-c", "fetch.negotiationAlgorithm=noop", "fetch", remote])
        .args([
            "--no-tags",
            "--no-write-fetch-head",
            "--recurse-submodules=no",
        ])
        .args(["--filter=blob:none", "--stdin"])
        .args(quiet.then_some("--quiet"))
        .stdin(Stdio::piped())
        .stdout(Stdio::null());
    let Ok(mut child) = command.spawn() else {
        return false;
    };
    let text: String = ids.iter().map(|id| format!("{id}\n")).collect();
    if let Some(mut stdin) = child.stdin.take() {
        // A fetch that stops reading says so through its status.
        let _ = stdin.write_all(text.as_bytes());
    }
    child.wait().is_ok_and(|status| status.success())
}

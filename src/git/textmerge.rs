//! git's own line-by-line merge, for the proposal files the merge driver cannot merge by
//! meaning (a side that does not parse, two different proposals).

use std::path::Path;
use std::process::Command;

use crate::error::{Error, Result};

/// The labels of the conflict markers: ours, the base, theirs.
pub struct Labels<'a> {
    pub ours: &'a str,
    pub base: &'a str,
    pub theirs: &'a str,
}

/// Merges `theirs` into `ours` in place, from their common ancestor `base`, with
/// `git merge-file` (which honours `merge.conflictStyle`). Returns the number of conflicts
/// it left (git counts at most 127).
pub fn merge_file(
    ours: &Path,
    base: &Path,
    theirs: &Path,
    labels: &Labels<'_>,
    marker_size: usize,
) -> Result<usize> {
    let output = Command::new("git")
        .arg("merge-file")
        .args(["-L", labels.ours, "-L", labels.base, "-L", labels.theirs])
        .arg(format!("--marker-size={marker_size}"))
        .args([ours, base, theirs])
        .output()
        .map_err(|e| Error::Git {
            message: format!("cannot run 'git merge-file': {e}"),
        })?;
    match output.status.code() {
        // git exits with a negative number (255) when it could not merge at all.
        Some(n @ 0..=127) => Ok(usize::try_from(n).unwrap_or(0)),
        _ => Err(Error::Git {
            message: format!(
                "'git merge-file' failed on {}: {}",
                ours.display(),
                String::from_utf8_lossy(&output.stderr).trim()
            ),
        }),
    }
}

//! `git lead merge-file` (the merge driver git runs for proposal files) and
//! `git lead init --merge-driver` (which registers it).

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::git::{textmerge, worktree, Repo};
use crate::model::merge::{self, Merged, Options, Refusal, Style};

/// The name of the driver in `.gitattributes` and in `merge.<name>.*`.
pub const DRIVER: &str = "lead";

/// The command line git runs; `%S %X %Y` (the labels) need git 2.44 or later.
pub const DRIVER_COMMAND: &str = "git lead merge-file --marker-size=%L --ours-label=%X \
                                  --base-label=%S --theirs-label=%Y %O %A %B %P";

/// The three files git hands the driver.
pub struct Request {
    pub base: PathBuf,
    /// Ours, where the result goes.
    pub ours: PathBuf,
    pub theirs: PathBuf,
    /// The options, but for the conflict style, which comes from git's configuration.
    pub opts: Options,
}

/// What the driver did.
pub enum Outcome {
    /// Merged by meaning; the result is in the ours file.
    Merged(Merged),
    /// Merged as text by git, for the reason given, leaving that many conflicts.
    Text { why: String, conflicts: usize },
}

/// Merges the request's files into its ours file.
pub fn merge_file(mut req: Request) -> Result<Outcome> {
    // Outside a repository (a driver run by hand), git's default style.
    let style = Repo::open()
        .ok()
        .and_then(|r| r.config_string("merge.conflictStyle").ok().flatten());
    req.opts.style = match style.as_deref().map(str::to_ascii_lowercase).as_deref() {
        Some("diff3" | "zdiff3") => Style::Diff3,
        _ => Style::Merge,
    };
    let read = |p: &Path| -> Result<Option<String>> {
        let bytes = std::fs::read(p).map_err(|e| Error::io(p, e))?;
        Ok(String::from_utf8(bytes).ok())
    };
    let texts = (read(&req.base)?, read(&req.ours)?, read(&req.theirs)?);
    let refusal = match texts {
        (Some(base), Some(ours), Some(theirs)) => {
            match merge::merge(&base, &ours, &theirs, &req.opts) {
                Ok(merged) => {
                    worktree::write_atomic(&req.ours, merged.text.as_bytes())?;
                    return Ok(Outcome::Merged(merged));
                }
                Err(refusal) => describe(&refusal),
            }
        }
        _ => "a side is not UTF-8 text".to_string(),
    };
    let labels = textmerge::Labels {
        ours: &req.opts.ours_label,
        base: &req.opts.base_label,
        theirs: &req.opts.theirs_label,
    };
    let conflicts = textmerge::merge_file(
        &req.ours,
        &req.base,
        &req.theirs,
        &labels,
        req.opts.marker_size,
    )?;
    Ok(Outcome::Text {
        why: refusal,
        conflicts,
    })
}

fn describe(refusal: &Refusal) -> String {
    match refusal {
        Refusal::Unparsable { side, error } => format!(
            "the {} version does not read as a proposal ({}:{}: {})",
            side.as_str(),
            error.line,
            error.column,
            error.message
        ),
        Refusal::DifferentProposals { ours, theirs } if ours == theirs => {
            format!("the two sides are two different proposals that both took id {ours}")
        }
        Refusal::DifferentProposals { ours, theirs } => {
            format!("the two sides are two different proposals ({ours} and {theirs})")
        }
        Refusal::Shape { field } => {
            format!("`{field}` is a table on one side and a value on the other")
        }
    }
}

/// What `init --merge-driver` changed.
pub struct Registered {
    /// The `.gitattributes` line, and whether it was added (false: it was there).
    pub attribute: String,
    pub added: bool,
}

/// Registers the driver: a `.gitattributes` line for the proposal folder (added once) and
/// `merge.lead.name` / `merge.lead.driver` in this clone's configuration.
pub fn register(repo: &Repo, folder: &str) -> Result<Registered> {
    let folder = folder.trim_matches('/');
    let attribute = format!("{folder}/*.toml merge={DRIVER}");
    let path = repo.workdir().join(".gitattributes");
    let existing = match std::fs::read(&path) {
        Ok(bytes) => String::from_utf8(bytes).map_err(|_| Error::State {
            message: format!(
                "{} is not UTF-8 text; add `{attribute}` by hand",
                path.display()
            ),
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Error::io(&path, e)),
    };
    let added = !existing.lines().any(|l| l.trim() == attribute);
    if added {
        let mut text = existing;
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&attribute);
        text.push('\n');
        worktree::write_atomic(&path, text.as_bytes())?;
    }
    repo.set_local_config(
        &format!("merge.{DRIVER}.name"),
        "git lead: proposal files merged by meaning",
    )?;
    repo.set_local_config(&format!("merge.{DRIVER}.driver"), DRIVER_COMMAND)?;
    Ok(Registered { attribute, added })
}

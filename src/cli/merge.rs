//! `git lead merge-file` (the merge driver git runs for proposal files) and
//! `git lead renumber` (for two proposals that took the same id).

use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::model::merge::Options;
use crate::ops::merge::{self, Outcome};
use crate::ops::renumber;

use super::Ctx;

/// Merge three versions of a proposal file by meaning (git's `lead` merge driver)
///
/// git runs this for the files `.gitattributes` marks `merge=lead` ('git lead init
/// --merge-driver' sets that up). Ideas, feedback and stakeholders are merged as sets by
/// their ids and emails, and a field changed on one side only takes that side. A field
/// changed differently on both sides, or a step moved on both, is left between git's
/// conflict markers and the exit status is 1. A side that does not parse, or two different
/// proposals, are merged as text by 'git merge-file', with a warning.
#[derive(Debug, clap::Args)]
pub struct MergeFileArgs {
    /// The common ancestor's version (%O; an empty file when it lacked the file)
    #[arg(value_name = "base")]
    pub base: PathBuf,
    /// Our version (%A), replaced by the result
    #[arg(value_name = "ours")]
    pub ours: PathBuf,
    /// Their version (%B)
    #[arg(value_name = "theirs")]
    pub theirs: PathBuf,
    /// The path of the file in the repository (%P), for messages
    #[arg(value_name = "path")]
    pub path: Option<String>,
    /// The length of the conflict markers (%L)
    #[arg(long, value_name = "n", default_value_t = 7)]
    pub marker_size: usize,
    /// The label of our side on the conflict markers (%X)
    #[arg(long, value_name = "label", default_value = "ours")]
    pub ours_label: String,
    /// The label of the common ancestor on the markers, with diff3 (%S)
    #[arg(long, value_name = "label", default_value = "base")]
    pub base_label: String,
    /// The label of their side on the conflict markers (%Y)
    #[arg(long, value_name = "label", default_value = "theirs")]
    pub theirs_label: String,
}

pub fn merge_file(ctx: &mut Ctx, a: MergeFileArgs) -> Result<()> {
    // A git older than 2.44 passes %S, %X and %Y through as they are.
    let label = |given: String, placeholder: &str, default: &str| {
        if given == placeholder {
            default.to_string()
        } else {
            given
        }
    };
    let opts = Options {
        ours_label: label(a.ours_label, "%X", "ours"),
        base_label: label(a.base_label, "%S", "base"),
        theirs_label: label(a.theirs_label, "%Y", "theirs"),
        marker_size: a.marker_size,
        ..Options::default()
    };
    let name = a
        .path
        .clone()
        .unwrap_or_else(|| a.ours.display().to_string());
    let request = merge::Request {
        base: a.base,
        ours: a.ours,
        theirs: a.theirs,
        opts: opts.clone(),
    };
    match merge::merge_file(request)? {
        Outcome::Merged(merged) => {
            for r in &merged.renames {
                let label = match r.side {
                    crate::model::merge::Side::Ours => &opts.ours_label,
                    _ => &opts.theirs_label,
                };
                writeln!(
                    ctx.err,
                    "git lead: {name}: {} {} was added on both sides; the one from {label} is now {}",
                    r.what, r.from, r.to
                )?;
            }
            for c in &merged.conflicts {
                writeln!(
                    ctx.err,
                    "git lead: {name}:{}: conflict in `{}` ({})",
                    c.line, c.field, c.why
                )?;
            }
            if let Some(e) = &merged.invalid {
                writeln!(
                    ctx.err,
                    "git lead: {name}:{}:{}: the merged file does not read as a proposal: {}",
                    e.line, e.column, e.message
                )?;
                return Err(Error::MergeConflicts {
                    path: name,
                    count: 1,
                });
            }
            match merged.conflicts.len() {
                0 => Ok(()),
                count => Err(Error::MergeConflicts { path: name, count }),
            }
        }
        Outcome::Text { why, conflicts } => {
            ctx.warn(&format!(
                "{name}: {why}; merged it as text with 'git merge-file'"
            ))?;
            match conflicts {
                0 => Ok(()),
                count => Err(Error::MergeConflicts { path: name, count }),
            }
        }
    }
}

/// Give a proposal whose id clashes with another's a free id (one commit)
///
/// Two branches can both propose the same number. Once they meet, renumber one of them:
/// its file is renamed, its `id` changed, and the commit carries `Lead-Renumbered: <old> ->
/// <new>`, so its transitions, sign-offs and concerns follow it to the new id and its
/// sign-offs stay current. The file must have no uncommitted changes. Without --to, the
/// next id that is free in the working tree, at HEAD and (with --against) in the other
/// revision is taken; an id that does not clash is refused unless --to is given.
#[derive(Debug, clap::Args)]
pub struct RenumberArgs {
    /// The proposal: its id, or its file when two files share the id
    #[arg(value_name = "id|file")]
    pub proposal: String,
    /// The new id (must be free)
    #[arg(long, value_name = "id", value_parser = super::parse_id)]
    pub to: Option<u32>,
    /// Count the proposals of this revision too (a branch you will merge, `origin/main`):
    /// a clash with one of them, and their ids as taken
    #[arg(long, value_name = "rev")]
    pub against: Option<String>,
}

pub fn renumber(ctx: &mut Ctx, a: RenumberArgs) -> Result<()> {
    let target = match crate::model::id::parse(&a.proposal) {
        Some(id) => renumber::Target::Id(id),
        None => renumber::Target::File(a.proposal.clone()),
    };
    let ws = ctx.workspace()?;
    let done = renumber::renumber(
        &ws,
        &renumber::Request {
            target,
            to: a.to,
            against: a.against,
        },
    )?;
    writeln!(ctx.out, "{}", done.new_rel)?;
    let clash = match done.clashes.as_slice() {
        [] => String::new(),
        files => format!(" (it clashed with {})", files.join(", ")),
    };
    ctx.status(&format!(
        "Renumbered proposal {} to {}{clash}: {} -> {} in commit {}.",
        done.from,
        done.to,
        done.old_rel,
        done.new_rel,
        done.commit.get(..7).unwrap_or(&done.commit)
    ))
}

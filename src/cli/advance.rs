//! `git lead advance`

use crate::error::Result;
use crate::ops::advance::{self, AdvanceArgs};
use crate::render::text::short;

use super::{parse_id, parse_step, Ctx};

/// Move a proposal to its next step once the current one is complete (one commit)
///
/// Checks the gate of every step up to the current one; if anything is missing, lists it by
/// field, exits 1 and changes nothing. Otherwise records the move as one commit that touches
/// only the proposal file, with Lead-Proposal and Lead-Step trailers. Other staged and
/// unstaged changes are left as they are.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The proposal
    #[arg(value_parser = parse_id)]
    pub id: u32,
    /// Close it instead: done, withdrawn or superseded (no step is ever skipped)
    #[arg(long, value_name = "step")]
    pub to: Option<String>,
    /// Why it is withdrawn or superseded (required to withdraw)
    #[arg(long, value_name = "text")]
    pub reason: Option<String>,
    /// The proposal that supersedes it (required with --to superseded)
    #[arg(long, value_name = "id", value_parser = parse_id)]
    pub by: Option<u32>,
    /// Check the gate and report, without committing
    #[arg(short = 'n', long)]
    pub dry_run: bool,
    /// Judge sign-offs with the policy, roster and keys of this base (a pull request's
    /// target) instead of the working tree's
    #[arg(long, value_name = "ref", requires = "dry_run")]
    pub base: Option<String>,
}

pub fn run(ctx: &mut Ctx, a: Args) -> Result<()> {
    let to = a.to.as_deref().map(parse_step).transpose()?;
    let ws = ctx.workspace()?;
    let done = advance::advance(
        &ws,
        &AdvanceArgs {
            id: a.id,
            to,
            reason: a.reason,
            by: a.by,
            dry_run: a.dry_run,
            base: a.base,
        },
    )?;
    match &done.commit {
        Some(commit) => writeln!(
            ctx.out,
            "[{}] lead({:0w$}): {} -> {}",
            short(commit),
            done.id,
            done.from,
            done.to,
            w = ws.config.id_width
        )?,
        None => writeln!(
            ctx.out,
            "proposal {} can move from {} to {} (dry run: nothing was committed)",
            done.id, done.from, done.to
        )?,
    }
    Ok(())
}

//! `git lead check`

use std::io::Write;

use crate::error::{Error, Result};
use crate::ops::check;
use crate::render;

use super::{parse_id, Ctx};

/// Check proposals and their history for CI: fails when a step is incomplete, skipped or
/// forged, a sign-off policy no longer holds, or a commit implements too early
///
/// Without --base, checks every proposal at HEAD and the whole history. With --base (in a
/// pull request), checks the proposals and commits since the merge base, with the base's
/// policy and allowed signers. Errors exit 1; warnings exit 0 unless --strict. Every code
/// is explained in docs/checks.md.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only these proposals
    #[arg(value_parser = parse_id, value_name = "id")]
    pub ids: Vec<u32>,
    /// The branch a pull request targets
    #[arg(long, value_name = "ref")]
    pub base: Option<String>,
    /// Output format
    #[arg(long, value_name = "format", default_value = "human",
          value_parser = ["human", "json", "github", "markdown"])]
    pub format: String,
    /// Fail on warnings too
    #[arg(long)]
    pub strict: bool,
}

pub fn run(ctx: &mut Ctx, a: Args) -> Result<()> {
    let ws = ctx.workspace()?;
    let mut outcome = check::check(&ws, &a.ids, a.base.as_deref())?;
    ws.finish();
    outcome.strict = a.strict;
    match a.format.as_str() {
        "json" => render::check::json(ctx.out, &outcome)?,
        "markdown" => render::check::markdown(ctx.out, &outcome)?,
        "github" => {
            render::check::github(ctx.out, &outcome)?;
            step_summary(&outcome)?;
        }
        _ => render::check::human(ctx.out, &outcome, ctx.paint)?,
    }
    if !outcome.passes() {
        return Err(Error::CheckFailed {
            errors: outcome.errors(),
            warnings: outcome.warnings(),
        });
    }
    Ok(())
}

/// Appends the Markdown report to `$GITHUB_STEP_SUMMARY` when GitHub Actions sets it.
fn step_summary(outcome: &check::Outcome) -> Result<()> {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| Error::io(&path, e))?;
    render::check::markdown(&mut file, outcome).map_err(|e| Error::io(&path, e))?;
    file.flush().map_err(|e| Error::io(&path, e))
}

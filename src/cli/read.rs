//! The read commands: `list`, `show`, `log`.

use crate::error::Result;
use crate::ops::query;
use crate::render::{json, text};

use super::{parse_id, Ctx};

/// List the proposals: id, title, step and progress, author, age
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Print JSON (with a schema number) instead of a table
    #[arg(long)]
    pub json: bool,
}

pub fn list(ctx: &mut Ctx, a: ListArgs) -> Result<()> {
    let ws = ctx.workspace()?;
    let listing = query::list(&ws)?;
    if a.json {
        json::list(ctx.out, &listing)?;
    } else {
        text::list(ctx.out, &listing, ctx.paint, now())?;
    }
    for (file, e) in &listing.broken {
        ctx.warn(&format!("{file}:{}:{}: {}", e.line, e.column, e.message))?;
    }
    for (id, files) in &listing.duplicates {
        ctx.warn(&format!(
            "proposal {id} is in {} files: {}",
            files.len(),
            files.join(", ")
        ))?;
        writeln!(
            ctx.err,
            "hint: two branches both proposed {id}; renumber one file (its 'id' and its name) in a commit of its own"
        )?;
    }
    if ws.is_shallow() {
        ctx.warn(SHALLOW)?;
    }
    for file in &listing.deleted {
        ctx.warn(&format!(
            "{file} is in HEAD but deleted from the working tree"
        ))?;
    }
    ws.finish();
    // A thousand rows: left to the process's exit like the workspace.
    std::mem::forget(listing);
    Ok(())
}

/// Show what waits on you: sign-offs you owe or should renew, your open concerns, feedback
/// you gave that waits for an answer, and the next thing each of your proposals needs
#[derive(Debug, clap::Args)]
pub struct InboxArgs {
    /// Whose inbox ("Name <email>"); default: your git identity, through .mailmap
    #[arg(long = "as", value_name = "person")]
    pub who: Option<String>,
    /// Print JSON (with a schema number)
    #[arg(long)]
    pub json: bool,
}

pub fn inbox(ctx: &mut Ctx, a: InboxArgs) -> Result<()> {
    let ws = ctx.workspace()?;
    let inbox = crate::ops::inbox::inbox(&ws, a.who.as_deref())?;
    if a.json {
        json::inbox(ctx.out, &inbox)?;
    } else {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        text::inbox(ctx.out, &inbox, now)?;
    }
    Ok(())
}

/// Show a proposal step by step, with what each step still needs
#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// The proposal
    #[arg(value_parser = parse_id)]
    pub id: u32,
    /// Print JSON (with a schema number)
    #[arg(long)]
    pub json: bool,
}

pub fn show(ctx: &mut Ctx, a: ShowArgs) -> Result<()> {
    let ws = ctx.workspace()?;
    let detail = query::show(&ws, a.id)?;
    if ws.is_shallow() {
        ctx.warn(SHALLOW)?;
    }
    if a.json {
        json::show(ctx.out, &detail)?;
    } else {
        text::show(ctx.out, &detail, ctx.paint)?;
    }
    Ok(())
}

/// Show the timeline of a proposal: every recorded transition, who made it and when
#[derive(Debug, clap::Args)]
pub struct LogArgs {
    /// The proposal
    #[arg(value_parser = parse_id)]
    pub id: u32,
    /// Print JSON (with a schema number)
    #[arg(long)]
    pub json: bool,
}

pub fn log(ctx: &mut Ctx, a: LogArgs) -> Result<()> {
    let (events, ledger) = query::log(&ctx.workspace()?, a.id)?;
    if a.json {
        json::log(ctx.out, a.id, &events)?;
    } else {
        text::log(ctx.out, a.id, &events, ctx.paint)?;
    }
    for s in ledger.stranded_for(a.id) {
        ctx.warn(&text::stranded(s))?;
    }
    Ok(())
}

const SHALLOW: &str = "this is a shallow clone: steps and findings that depend on the history \
     may be wrong; 'git fetch --unshallow' brings the rest";

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

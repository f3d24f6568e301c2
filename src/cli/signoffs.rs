//! The sign-off commands: `signoff`, `concern`, `resolve` and `signoffs`.

use crate::error::Result;
use crate::ops::signoffs::{self, Record};
use crate::render::{json, text};

use super::{parse_id, Ctx};

/// Sign off on a proposal as it stands in HEAD (one commit by you)
///
/// Records an empty commit with the trailers Lead-Proposal and Lead-Signoff. It counts
/// while you are a listed stakeholder and the proposal's content (its step aside) stays
/// as you approved it. A plain 'git commit --allow-empty --trailer "Lead-Signoff: 7"'
/// counts the same. The commit is signed when git's configuration says to sign.
#[derive(Debug, clap::Args)]
pub struct SignoffArgs {
    /// The proposal
    #[arg(value_parser = parse_id)]
    pub id: u32,
    /// A comment, written in the commit message
    #[arg(short = 'm', long, value_name = "text")]
    pub comment: Option<String>,
    /// Take your sign-off back instead (Lead-Signoff-Withdrawn)
    #[arg(long)]
    pub withdraw: bool,
}

pub fn signoff(ctx: &mut Ctx, a: SignoffArgs) -> Result<()> {
    let comment = a.comment.unwrap_or_default();
    let what = if a.withdraw {
        Record::Withdraw { comment }
    } else {
        Record::Signoff { comment }
    };
    let recorded = signoffs::record(&ctx.workspace()?, a.id, &what)?;
    unsigned_warning(ctx, &recorded)?;
    let commit = recorded.commit;
    let done = if a.withdraw {
        "Withdrew your sign-off from"
    } else {
        "Signed off on"
    };
    ctx.status(&format!(
        "{done} proposal {} in commit {}.",
        a.id,
        text::short(&commit)
    ))
}

/// Raise a blocking concern (one commit); it stays open until resolved
#[derive(Debug, clap::Args)]
pub struct ConcernArgs {
    /// The proposal
    #[arg(value_parser = parse_id)]
    pub id: u32,
    /// A short name for the concern, used to resolve it
    pub name: String,
    /// Why it blocks
    pub why: String,
}

pub fn concern(ctx: &mut Ctx, a: ConcernArgs) -> Result<()> {
    let name = concern_name(&a.name)?;
    let why = a.why.trim().to_string();
    if why.is_empty() {
        return Err(crate::Error::usage("say why the concern blocks"));
    }
    let recorded = signoffs::record(
        &ctx.workspace()?,
        a.id,
        &Record::Concern {
            name: name.clone(),
            why,
        },
    )?;
    unsigned_warning(ctx, &recorded)?;
    let commit = recorded.commit;
    ctx.status(&format!(
        "Raised concern '{name}' on proposal {} in commit {}.",
        a.id,
        text::short(&commit)
    ))
}

/// Resolve a concern (one commit): by whoever raised it, or by the author with a reason
#[derive(Debug, clap::Args)]
pub struct ResolveArgs {
    /// The proposal
    #[arg(value_parser = parse_id)]
    pub id: u32,
    /// The concern's name
    pub name: String,
    /// How it was resolved (required when the author resolves someone else's concern)
    #[arg(short = 'm', long, value_name = "text")]
    pub comment: Option<String>,
}

pub fn resolve(ctx: &mut Ctx, a: ResolveArgs) -> Result<()> {
    let name = concern_name(&a.name)?;
    let record = Record::Resolve {
        name: name.clone(),
        comment: a.comment.unwrap_or_default(),
    };
    let recorded = signoffs::record(&ctx.workspace()?, a.id, &record)?;
    unsigned_warning(ctx, &recorded)?;
    let commit = recorded.commit;
    ctx.status(&format!(
        "Resolved concern '{name}' on proposal {} in commit {}.",
        a.id,
        text::short(&commit)
    ))
}

/// Show who has signed off, whether each sign-off is current and verified, open concerns,
/// and whether the policy holds
#[derive(Debug, clap::Args)]
pub struct SignoffsArgs {
    /// The proposal
    #[arg(value_parser = parse_id)]
    pub id: u32,
    /// Trust the policy, stakeholder list and allowed signers of this base (the target of a
    /// pull request), never those of the head under review
    #[arg(long, value_name = "ref")]
    pub base: Option<String>,
    /// Print JSON (with a schema number)
    #[arg(long)]
    pub json: bool,
}

pub fn signoffs_cmd(ctx: &mut Ctx, a: SignoffsArgs) -> Result<()> {
    let report = signoffs::report(&ctx.workspace()?, a.id, a.base.as_deref())?;
    if a.json {
        json::signoffs(ctx.out, &report)?;
    } else {
        text::signoffs(ctx.out, &report, ctx.paint)?;
    }
    for s in &report.stranded {
        ctx.warn(&text::stranded(s))?;
    }
    Ok(())
}

/// Says so when the commit just made will not count for want of a signature.
fn unsigned_warning(ctx: &mut Ctx, recorded: &signoffs::Recorded) -> Result<()> {
    if recorded.will_not_count {
        ctx.warn(
            "this repository counts only signed sign-offs, concerns and resolutions \
             (signoff.require-signed), and this commit is not signed; set commit.gpgsign, \
             gpg.format=ssh and user.signingkey, then record it again",
        )?;
    }
    Ok(())
}

/// A concern name: one word of letters, digits, `-`, `_` or `.`.
fn concern_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(crate::Error::usage(format!(
            "'{name}' is not a concern name: use one word (letters, digits, - _ .)"
        )));
    }
    Ok(name.to_string())
}

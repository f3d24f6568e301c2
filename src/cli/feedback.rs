//! The feedback commands, `feedback` and `respond`, and `diff`.

use crate::error::{Error, Result};
use crate::ops::diff::{self, Spec};
use crate::ops::setters::{self, Response};
use crate::render;

use super::{parse_id, Ctx};

/// Record what someone said about a proposal (step 7): a new entry F<n> in the file
///
/// Edits the file in the working tree and commits nothing. Ids are never reused, even when
/// an entry is deleted later.
#[derive(Debug, clap::Args)]
pub struct FeedbackArgs {
    /// The proposal
    #[arg(value_parser = parse_id)]
    pub id: u32,
    /// What they said
    pub text: String,
    /// Who said it, "Name <email>" (default: you)
    #[arg(long, value_name = "who")]
    pub from: Option<String>,
}

pub fn feedback(ctx: &mut Ctx, a: FeedbackArgs) -> Result<()> {
    let fid = setters::feedback(&ctx.workspace()?, a.id, a.from.as_deref(), &a.text)?;
    writeln!(ctx.out, "{fid}")?;
    ctx.status(&format!(
        "Recorded feedback {fid} on proposal {}; answer it with 'git lead respond {} {fid}'.",
        a.id, a.id
    ))
}

/// Answer a feedback entry: incorporated (and what changed) or declined (and why)
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("answer").required(true)))]
pub struct RespondArgs {
    /// The proposal
    #[arg(value_parser = parse_id)]
    pub id: u32,
    /// The entry: F1, f1 or 1
    pub entry: String,
    /// It was taken into the proposal; say what changed
    #[arg(long, value_name = "what changed", group = "answer")]
    pub incorporated: Option<String>,
    /// It was not; say why
    #[arg(long, value_name = "reason", group = "answer")]
    pub declined: Option<String>,
    /// Replace an answer already given
    #[arg(long)]
    pub amend: bool,
}

pub fn respond(ctx: &mut Ctx, a: RespondArgs) -> Result<()> {
    let (response, text) = match (a.incorporated, a.declined) {
        (Some(t), _) => (Response::Incorporated, t),
        (None, Some(t)) => (Response::Declined, t),
        (None, None) => return Err(Error::usage("give --incorporated or --declined")),
    };
    let fid = setters::respond(&ctx.workspace()?, a.id, &a.entry, response, &text, a.amend)?;
    ctx.status(&format!("Answered {fid} of proposal {}.", a.id))
}

/// Show what changed in a proposal, field by field
///
/// With no revision: since its last recorded transition, up to the working tree. With one:
/// from that revision to the working tree. With two: between them. Ideas, critiques,
/// stakeholders and feedback are matched by id; changed text is shown word by word.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The proposal
    #[arg(value_parser = parse_id)]
    pub id: u32,
    /// Revisions (any commit-ish)
    #[arg(value_name = "rev", num_args = 0..=2)]
    pub revs: Vec<String>,
    /// The change that answered a feedback entry: from where it was given to where it was
    /// answered
    #[arg(long, value_name = "entry", conflicts_with_all = ["revs", "since_signoff"])]
    pub feedback: Option<String>,
    /// What changed since someone's latest sign-off (their email or name)
    #[arg(long, value_name = "who", conflicts_with = "revs")]
    pub since_signoff: Option<String>,
    /// Print JSON (with a schema number)
    #[arg(long, conflicts_with = "raw")]
    pub json: bool,
    /// A plain line diff of the file instead
    #[arg(long)]
    pub raw: bool,
}

pub fn diff(ctx: &mut Ctx, a: DiffArgs) -> Result<()> {
    let spec = match (a.feedback, a.since_signoff, a.revs.as_slice()) {
        (Some(f), _, _) => Spec::Feedback(f),
        (None, Some(who), _) => Spec::SinceSignoff(who),
        (None, None, []) => Spec::SinceTransition,
        (None, None, [one]) => Spec::Revisions(one.clone(), None),
        (None, None, [one, two, ..]) => Spec::Revisions(one.clone(), Some(two.clone())),
    };
    let compared = diff::compare(&ctx.workspace()?, a.id, &spec)?;
    if a.json {
        render::diff::json(ctx.out, &compared)?;
    } else if a.raw {
        render::diff::raw(ctx.out, &compared, ctx.paint)?;
    } else {
        render::diff::text(ctx.out, &compared, ctx.paint)?;
    }
    Ok(())
}

/// The report a pull request needs: every proposal the branch touched, in Markdown or JSON
///
/// Compares the merge base of --base (default: the upstream of the current branch, else
/// main) with HEAD: transitions, field-by-field changes, feedback given and answered,
/// sign-offs gained, lost or made stale (judged with the base's policy and keys), open
/// concerns and cross-check findings.
#[derive(Debug, clap::Args)]
pub struct ReviewArgs {
    /// The branch the pull request targets
    #[arg(long, value_name = "ref")]
    pub base: Option<String>,
    /// Output format
    #[arg(long, value_name = "format", default_value = "markdown", value_parser = ["markdown", "json"])]
    pub format: String,
}

pub fn review(ctx: &mut Ctx, a: ReviewArgs) -> Result<()> {
    let report = crate::ops::review::review(&ctx.workspace()?, a.base.as_deref())?;
    if a.format == "json" {
        render::review::json(ctx.out, &report)?;
    } else {
        render::review::markdown(ctx.out, &report)?;
    }
    Ok(())
}

//! The setter commands: `idea`, `objection`, `critique`, `choose`, `stakeholder`. Each edits
//! the proposal file in the working tree and commits nothing.

use crate::error::Result;
use crate::model::edit::StakeholderFields;
use crate::model::proposal::Verdict;
use crate::ops::setters;

use super::{parse_id, Ctx};

/// Add an idea that would make the problem smaller (steps 2 and 3)
#[derive(Debug, clap::Args)]
pub struct IdeaArgs {
    /// The proposal
    #[arg(value_parser = parse_id)]
    pub id: u32,
    /// The idea, in a sentence
    pub summary: String,
}

pub fn idea(ctx: &mut Ctx, a: IdeaArgs) -> Result<()> {
    let id = setters::idea(&ctx.workspace()?, a.id, &a.summary)?;
    ctx.status(&format!("Added idea {id} to proposal {}.", a.id))
}

/// Write down an objection you expect to hear (step 3)
#[derive(Debug, clap::Args)]
pub struct ObjectionArgs {
    /// The proposal
    #[arg(value_parser = parse_id)]
    pub id: u32,
    /// The objection
    pub text: String,
}

pub fn objection(ctx: &mut Ctx, a: ObjectionArgs) -> Result<()> {
    setters::objection(&ctx.workspace()?, a.id, &a.text)?;
    ctx.status(&format!("Added an objection to proposal {}.", a.id))
}

/// Judge an idea: does it fix the cause, or ease the symptom? (step 4)
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("verdict").required(true)))]
pub struct CritiqueArgs {
    /// The proposal
    #[arg(value_parser = parse_id)]
    pub id: u32,
    /// The idea: I1, i1 or 1
    pub idea: String,
    /// It removes the cause of the problem; why you think so
    #[arg(long, value_name = "reason", group = "verdict")]
    pub root_cause: Option<String>,
    /// It only eases the symptom; why you think so
    #[arg(long, value_name = "reason", group = "verdict")]
    pub band_aid: Option<String>,
}

pub fn critique(ctx: &mut Ctx, a: CritiqueArgs) -> Result<()> {
    let (verdict, reason) = match (a.root_cause, a.band_aid) {
        (Some(r), _) => (Verdict::RootCause, r),
        (None, Some(r)) => (Verdict::BandAid, r),
        (None, None) => return Err(crate::Error::usage("give --root-cause or --band-aid")),
    };
    let idea = setters::critique(&ctx.workspace()?, a.id, &a.idea, verdict, &reason)?;
    ctx.status(&format!(
        "Critiqued idea {idea} of proposal {} as {}.",
        a.id,
        verdict.as_str()
    ))
}

/// Choose the idea to pursue, and say why (step 4)
#[derive(Debug, clap::Args)]
pub struct ChooseArgs {
    /// The proposal
    #[arg(value_parser = parse_id)]
    pub id: u32,
    /// The idea: I1, i1 or 1
    pub idea: String,
    /// Why this idea
    #[arg(long, value_name = "reason")]
    pub why: String,
}

pub fn choose(ctx: &mut Ctx, a: ChooseArgs) -> Result<()> {
    let idea = setters::choose(&ctx.workspace()?, a.id, &a.idea, &a.why)?;
    ctx.status(&format!("Chose idea {idea} for proposal {}.", a.id))
}

/// Add a stakeholder, or update the one with the same email (steps 5 and 6)
#[derive(Debug, clap::Args)]
pub struct StakeholderArgs {
    /// The proposal
    #[arg(value_parser = parse_id)]
    pub id: u32,
    /// Who, as git writes people: "Name <email>"
    pub who: String,
    /// Their role
    #[arg(long, value_name = "role")]
    pub role: Option<String>,
    /// How they see the problem and the change
    #[arg(long, value_name = "text")]
    pub perspective: Option<String>,
    /// The pain the problem causes them (step 6)
    #[arg(long, value_name = "text")]
    pub pain: Option<String>,
    /// How the change eases that pain, put for them (step 6)
    #[arg(long, value_name = "text")]
    pub pitch: Option<String>,
    /// Their sign-off is needed before implementing
    #[arg(long, overrides_with = "not_required")]
    pub required: bool,
    /// Their sign-off is welcome but not needed
    #[arg(long)]
    pub not_required: bool,
}

pub fn stakeholder(ctx: &mut Ctx, a: StakeholderArgs) -> Result<()> {
    let fields = StakeholderFields {
        who: a.who,
        role: a.role,
        perspective: a.perspective,
        pain: a.pain,
        pitch: a.pitch,
        required: match (a.required, a.not_required) {
            (true, _) => Some(true),
            (false, true) => Some(false),
            (false, false) => None,
        },
    };
    let key = setters::stakeholder(&ctx.workspace()?, a.id, &fields)?;
    ctx.status(&format!(
        "Recorded stakeholder '{key}' of proposal {}.",
        a.id
    ))
}

//! `git lead propose`

use crate::error::{Error, Result};
use crate::model::template::Area;
use crate::ops::propose::{self, ProposeArgs};

use super::Ctx;

/// Start a proposal: write its file and commit it as step 1, problem
///
/// Without a title, opens your editor on the commented template, as 'git commit' does
/// without -m; an empty title aborts and creates nothing. The new proposal takes the next
/// free number across the working tree and HEAD.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The title: the problem in one line
    pub title: Option<String>,
    /// What the problem is: what happens, how often, what it costs
    #[arg(long, value_name = "text")]
    pub problem: Option<String>,
    /// Who else the problem affects
    #[arg(long, value_name = "who")]
    pub affected: Option<String>,
    /// Record an area and put its starter questions in the problem section
    #[arg(long, value_name = "area", value_parser = ["communication", "code-quality"])]
    pub area: Option<String>,
    /// Open the editor on the filled-in template before committing
    #[arg(short, long)]
    pub edit: bool,
}

pub fn run(ctx: &mut Ctx, args: Args) -> Result<()> {
    let area = match args.area.as_deref() {
        Some(a) => Some(Area::parse(a).ok_or_else(|| Error::usage(format!("unknown area '{a}'")))?),
        None => None,
    };
    let ws = ctx.workspace()?;
    let made = propose::propose(
        &ws,
        ProposeArgs {
            title: args.title,
            problem: args.problem,
            affected: args.affected,
            area,
            edit: args.edit,
        },
    )?;
    writeln!(ctx.out, "{}", made.rel)?;
    let next = if made.problem_complete {
        format!(
            "When you are ready, 'git lead advance {}' moves it to idea.",
            made.id
        )
    } else {
        format!(
            "Fill in the problem, then run 'git lead advance {}'.",
            made.id
        )
    };
    ctx.status(&format!(
        "Proposed {} in commit {}. {next}",
        made.id,
        crate::render::text::short(&made.commit)
    ))
}

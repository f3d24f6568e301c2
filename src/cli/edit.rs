//! `git lead edit`

use crate::error::Result;
use crate::ops::edit_file::{self, Edited};

use super::{parse_id, Ctx};

/// Edit a proposal in $EDITOR; the result is checked before it replaces the file
///
/// A copy is opened in the editor git would use (GIT_EDITOR, core.editor, VISUAL, EDITOR).
/// If the edited copy does not parse, or changes the id or the step, the proposal file is
/// left as it was and the copy is kept in .git/lead/ so that nothing is lost.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The proposal
    #[arg(value_parser = parse_id)]
    pub id: u32,
}

pub fn run(ctx: &mut Ctx, a: Args) -> Result<()> {
    match edit_file::edit(&ctx.workspace()?, a.id)? {
        Edited::Changed => ctx.status(&format!("Updated proposal {}.", a.id)),
        Edited::Unchanged => ctx.status(&format!("Proposal {} is unchanged.", a.id)),
    }
}

//! `edit`: the proposal in the user's editor, validated before it replaces the file.

use crate::error::{Error, Result};
use crate::model::proposal::Proposal;

use super::{editor, file_name, Workspace};

/// What became of an edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edited {
    Changed,
    Unchanged,
}

/// Opens a copy of the proposal in the editor. A valid result replaces the file in the
/// working tree; an invalid one (bad TOML, a changed `id` or `step`) is kept in
/// `.git/lead/` and named in the error, and the proposal file is left as it was.
pub fn edit(ws: &Workspace, id: u32) -> Result<Edited> {
    let found = ws.find(id)?;
    if found.proposal.step.is_ending() {
        return Err(Error::usage(format!(
            "proposal {} is {}; a closed proposal is not edited",
            found.proposal.id, found.proposal.step
        )));
    }
    let dir = ws.repo.git_dir().join("lead");
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let copy = dir.join(format!("EDIT-{}", file_name(&found.rel)));
    std::fs::write(&copy, &found.text).map_err(|e| Error::io(&copy, e))?;
    editor::edit(&ws.repo, &copy)?;
    let edited = std::fs::read_to_string(&copy).map_err(|e| Error::io(&copy, e))?;
    let rejected = |message: String| Error::EditRejected {
        path: copy.clone(),
        message,
    };
    let proposal = Proposal::parse(&edited).map_err(|e| {
        rejected(format!(
            "line {}, column {}: {}",
            e.line, e.column, e.message
        ))
    })?;
    let before = &found.proposal;
    if proposal.id != before.id {
        return Err(rejected(format!(
            "the id changed from {} to {}; ids are not edited",
            before.id, proposal.id
        )));
    }
    if proposal.step != before.step {
        return Err(rejected(format!(
            "the step changed from {} to {}; steps change only with 'git lead advance {}'",
            before.step, proposal.step, before.id
        )));
    }
    let _ = std::fs::remove_file(&copy);
    if edited == found.text {
        return Ok(Edited::Unchanged);
    }
    ws.write(&found.rel, &edited)?;
    Ok(Edited::Changed)
}

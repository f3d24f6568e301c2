//! `propose`: a new proposal file, committed as its first transition.

use crate::error::{Error, Result};
use crate::model::proposal::Proposal;
use crate::model::step::Step;
use crate::model::template::{self, Area, NewProposal};
use crate::model::{gate, id, trailer, util};

use super::{editor, parse_error, Workspace};

/// What the user gave `propose`.
#[derive(Debug, Clone, Default)]
pub struct ProposeArgs {
    pub title: Option<String>,
    pub problem: Option<String>,
    pub affected: Option<String>,
    pub area: Option<Area>,
    /// Open the editor even when a title is given.
    pub edit: bool,
}

/// A proposal just made.
#[derive(Debug, Clone)]
pub struct Proposed {
    pub id: u32,
    /// Whether the problem step is already complete.
    pub problem_complete: bool,
    pub rel: String,
    pub commit: String,
}

/// Writes the new proposal under the next free id and commits it (`Lead-Step: problem`).
pub fn propose(ws: &Workspace, args: ProposeArgs) -> Result<Proposed> {
    if let Some(what) = ws.repo.operation_in_progress() {
        return Err(Error::OperationInProgress { what });
    }
    let (author, time, offset) = ws.repo.author()?;
    let id = next_id(ws)?;
    let new = NewProposal {
        id,
        title: args.title.clone().unwrap_or_default(),
        author,
        created: util::date(time, offset),
        area: args.area,
        statement: args.problem.unwrap_or_default(),
        affected: args.affected.unwrap_or_default(),
    };
    let mut text = template::render(&new);
    if args.edit || args.title.as_deref().is_none_or(|t| t.trim().is_empty()) {
        text = edit_template(ws, id, &text)?;
    }
    let proposal = Proposal::parse(&text).map_err(|e| parse_error("the new proposal", e))?;
    let rel = format!(
        "{}/{}",
        ws.config.folder,
        id::file_name(id, &proposal.title, ws.config.id_width)
    );
    if ws.abs(&rel).exists() {
        return Err(Error::usage(format!("{rel} already exists")));
    }
    let message = trailer::compose(
        &format!(
            "lead({id:0w$}): propose {}",
            one_line(&proposal.title),
            w = ws.config.id_width
        ),
        "",
        &[
            ("Lead-Proposal", id.to_string()),
            ("Lead-Step", Step::Problem.as_str().to_string()),
        ],
    );
    let commit = ws.repo.commit_file(&rel, text.as_bytes(), &message)?;
    let problem_complete = gate::check(&proposal, Step::Problem, &ws.config.gates).is_complete();
    Ok(Proposed {
        id,
        rel,
        commit,
        problem_complete,
    })
}

/// One past the highest id in the working tree and in HEAD.
fn next_id(ws: &Workspace) -> Result<u32> {
    let entries = ws.scan()?;
    let in_tree = entries.iter().filter_map(|e| e.id().max(e.name_id));
    let in_head: Vec<u32> = ws
        .repo
        .head_file_names(&ws.config.folder)?
        .iter()
        .filter_map(|n| id::from_file_name(n))
        .collect();
    Ok(in_tree.chain(in_head).max().unwrap_or(0) + 1)
}

/// Lets the user fill the template in their editor. An empty title aborts; a file that does
/// not parse is kept where it was edited and named in the error.
fn edit_template(ws: &Workspace, id: u32, text: &str) -> Result<String> {
    let dir = ws.repo.git_dir().join("lead");
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let path = dir.join(format!("PROPOSAL-{id}.toml"));
    std::fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
    editor::edit(&ws.repo, &path)?;
    let edited = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    if title_is_empty(&edited) {
        let _ = std::fs::remove_file(&path);
        return Err(Error::Aborted {
            what: "aborting the proposal: the title is empty".into(),
        });
    }
    match Proposal::parse(&edited) {
        Ok(p) if p.id != id || p.step != Step::Problem => Err(Error::EditRejected {
            path: path.clone(),
            message: format!("a new proposal must keep id = {id} and step = \"problem\""),
        }),
        Ok(_) => {
            let _ = std::fs::remove_file(&path);
            Ok(edited)
        }
        Err(e) => Err(Error::EditRejected {
            message: format!("line {}, column {}: {}", e.line, e.column, e.message),
            path,
        }),
    }
}

/// Whether the text is valid TOML whose `title` is missing or blank.
fn title_is_empty(text: &str) -> bool {
    match text.parse::<toml_edit::DocumentMut>() {
        Ok(doc) => doc
            .get("title")
            .and_then(|t| t.as_str())
            .is_none_or(|t| t.trim().is_empty()),
        Err(_) => false,
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

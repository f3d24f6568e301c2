//! The setter commands: each changes one part of a proposal file in the working tree and
//! commits nothing.

use crate::error::{Error, Result};
use crate::model::edit::{self, StakeholderFields};
use crate::model::id;
use crate::model::person::Person;
use crate::model::proposal::{
    item_number, normalize_item_id, Answer, ParseError, Proposal, Verdict,
};

use super::{parse_error, Found, Workspace};

/// Adds an idea; returns its id.
pub fn idea(ws: &Workspace, proposal: u32, summary: &str) -> Result<String> {
    let summary = not_blank(summary, "the idea")?;
    let mut new_id = String::new();
    apply(ws, proposal, |_, text| {
        let (text, id) = edit::add_idea(text, summary)?;
        new_id = id;
        Ok(text)
    })?;
    Ok(new_id)
}

/// Adds an objection you expect to hear.
pub fn objection(ws: &Workspace, proposal: u32, text: &str) -> Result<()> {
    let objection = not_blank(text, "the objection")?;
    apply(ws, proposal, |_, text| {
        edit::add_objection(text, objection).map_err(SetterError::from)
    })?;
    Ok(())
}

/// Writes the critique of an idea; returns the idea's id.
pub fn critique(
    ws: &Workspace,
    proposal: u32,
    idea: &str,
    verdict: Verdict,
    reason: &str,
) -> Result<String> {
    let reason = not_blank(reason, "the reason")?;
    let mut idea_id = String::new();
    apply(ws, proposal, |p, text| {
        idea_id = existing_idea(p, idea)?;
        edit::set_critique(text, &idea_id, verdict, reason).map_err(SetterError::from)
    })?;
    Ok(idea_id)
}

/// Chooses an idea; returns its id.
pub fn choose(ws: &Workspace, proposal: u32, idea: &str, why: &str) -> Result<String> {
    let why = not_blank(why, "the reason")?;
    let mut idea_id = String::new();
    apply(ws, proposal, |p, text| {
        idea_id = existing_idea(p, idea)?;
        edit::set_choice(text, &idea_id, why).map_err(SetterError::from)
    })?;
    Ok(idea_id)
}

/// Adds a stakeholder, or updates the one with the same email; returns their key.
pub fn stakeholder(ws: &Workspace, proposal: u32, fields: &StakeholderFields) -> Result<String> {
    let who = Person::parse(&fields.who).ok_or_else(|| {
        Error::usage(format!(
            "'{}' is not a person; write them as git does: \"Name <email>\"",
            fields.who
        ))
    })?;
    let mut key = String::new();
    apply(ws, proposal, |p, text| {
        key = stakeholder_key(p, &who);
        edit::set_stakeholder(text, &key, fields).map_err(SetterError::from)
    })?;
    Ok(key)
}

/// The key of the stakeholder with `who`'s email, or a new key from their name.
fn stakeholder_key(p: &Proposal, who: &Person) -> String {
    if let Some(s) = p.stakeholders.iter().find(|s| s.who.same_email(who)) {
        return s.key.clone();
    }
    let base = match id::slug(&who.name, 32) {
        s if s.is_empty() => id::slug(who.email.split('@').next().unwrap_or("someone"), 32),
        s => s,
    };
    let base = if base.is_empty() {
        "someone".to_string()
    } else {
        base
    };
    let mut key = base.clone();
    let mut n = 2;
    while p.stakeholders.iter().any(|s| s.key == key) {
        key = format!("{base}-{n}");
        n += 1;
    }
    key
}

/// Loads the proposal, applies `change` to its text and writes the result back.
fn apply(
    ws: &Workspace,
    proposal: u32,
    change: impl FnOnce(&Proposal, &str) -> std::result::Result<String, SetterError>,
) -> Result<Found> {
    let found = ws.find(proposal)?;
    if found.proposal.step.is_ending() {
        return Err(Error::usage(format!(
            "proposal {} is {}; a closed proposal is not edited",
            found.proposal.id, found.proposal.step
        )));
    }
    let text = change(&found.proposal, &found.text).map_err(|e| match e {
        SetterError::Parse(e) => parse_error(&found.rel, e),
        SetterError::Other(e) => e,
    })?;
    ws.write(&found.rel, &text)?;
    Ok(found)
}

/// What a setter's change can fail with.
enum SetterError {
    Parse(ParseError),
    Other(Error),
}

impl From<ParseError> for SetterError {
    fn from(e: ParseError) -> Self {
        SetterError::Parse(e)
    }
}

impl From<Error> for SetterError {
    fn from(e: Error) -> Self {
        SetterError::Other(e)
    }
}

fn existing_idea(p: &Proposal, given: &str) -> std::result::Result<String, SetterError> {
    let found = normalize_item_id('I', given).and_then(|id| p.idea(&id).map(|i| i.id.clone()));
    found.ok_or_else(|| {
        SetterError::Other(Error::ItemNotFound {
            id: p.id,
            kind: "idea",
            name: given.to_string(),
        })
    })
}

fn not_blank<'a>(text: &'a str, what: &str) -> Result<&'a str> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(Error::usage(format!("{what} is empty")));
    }
    Ok(trimmed)
}

/// Adds feedback under the next id never used for this proposal; returns the id.
pub fn feedback(ws: &Workspace, proposal: u32, from: Option<&str>, text: &str) -> Result<String> {
    let text = not_blank(text, "the feedback")?;
    let (me, time, offset) = ws.repo.author()?;
    let from = match from {
        Some(f) => Person::parse(f).ok_or_else(|| {
            Error::usage(format!(
                "'{f}' is not a person; write them as git does: \"Name <email>\""
            ))
        })?,
        None => me,
    };
    let used = used_feedback_ids(ws, proposal)?;
    let id = format!("F{}", used + 1);
    let date = crate::model::util::date(time, offset);
    apply(ws, proposal, |_, src| {
        edit::add_feedback(src, &id, &from.to_string(), &date, text).map_err(SetterError::from)
    })?;
    Ok(id)
}

/// The highest feedback number this proposal has ever used, in the working tree or in any
/// committed version: ids are never reused, even after an entry was deleted.
fn used_feedback_ids(ws: &Workspace, proposal: u32) -> Result<u32> {
    let current = ws.find(proposal)?;
    let mut max = current
        .proposal
        .feedback
        .iter()
        .map(|f| item_number(&f.id))
        .max()
        .unwrap_or(0);
    // Every committed version, through the walk every command shares (in a shallow clone,
    // the versions it has).
    if let Some(head) = ws.repo.head_id()? {
        let id = current.proposal.id;
        let history = ws.folder_history_of(&head, &ws.config.folder, id)?;
        for (_, blob) in history.changes_after_start(id) {
            let Some(blob) = blob else { continue };
            if let Ok(p) = ws.parse_blob(&blob)? {
                max = p
                    .feedback
                    .iter()
                    .map(|f| item_number(&f.id))
                    .fold(max, u32::max);
            }
        }
    }
    Ok(max)
}

/// How feedback is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Response {
    Incorporated,
    Declined,
}

/// Answers a feedback entry; returns its id. Answering again needs `amend`.
pub fn respond(
    ws: &Workspace,
    proposal: u32,
    entry: &str,
    response: Response,
    text: &str,
    amend: bool,
) -> Result<String> {
    let what = match response {
        Response::Incorporated => "what changed to incorporate it",
        Response::Declined => "the reason for declining it",
    };
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::usage(format!("the answer is empty: say {what}")));
    }
    let mut fid = String::new();
    apply(ws, proposal, |p, src| {
        let found = normalize_item_id('F', entry)
            .and_then(|id| p.feedback.iter().find(|f| f.id == id))
            .ok_or_else(|| {
                SetterError::Other(Error::ItemNotFound {
                    id: p.id,
                    kind: "feedback entry",
                    name: entry.to_string(),
                })
            })?;
        fid = found.id.clone();
        if found.answer != Answer::Open && !amend {
            let (status, answer) = crate::model::diff::answer_parts(&found.answer);
            return Err(SetterError::Other(Error::usage(format!(
                "{fid} is already answered ({status}: {answer}); use --amend to change the answer"
            ))));
        }
        let status = match response {
            Response::Incorporated => "incorporated",
            Response::Declined => "declined",
        };
        edit::answer_feedback(src, &fid, status, text).map_err(SetterError::from)
    })?;
    Ok(fid)
}

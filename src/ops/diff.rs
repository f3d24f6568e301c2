//! `diff`: what changed in a proposal between two revisions, field by field.

use crate::error::{Error, Result};
use crate::model::diff::{self, Change, FeedbackKind, Revision};
use crate::model::ledger::EventKind;
use crate::model::person::Person;
use crate::model::proposal::{normalize_item_id, Proposal};

use super::{parse_error, Workspace};

/// Which two versions to compare.
#[derive(Debug, Clone)]
pub enum Spec {
    /// From the last recorded transition to the working tree.
    SinceTransition,
    /// From a revision to another, or to the working tree.
    Revisions(String, Option<String>),
    /// From where a feedback entry was given to where it was answered.
    Feedback(String),
    /// From someone's latest sign-off to the working tree.
    SinceSignoff(String),
}

/// One side of a comparison.
#[derive(Debug, Clone)]
pub struct Side {
    /// What the user would call it: a revision as given, or "working tree".
    pub label: String,
    /// The commit, unless it is the working tree.
    pub commit: Option<String>,
    pub text: String,
    pub proposal: Proposal,
}

/// Two versions of a proposal and their differences.
#[derive(Debug, Clone)]
pub struct Compared {
    pub id: u32,
    pub old: Side,
    pub new: Side,
    pub changes: Vec<Change>,
}

/// Compares two versions of proposal `id` as `spec` says.
pub fn compare(ws: &Workspace, id: u32, spec: &Spec) -> Result<Compared> {
    let (old, new) = match spec {
        Spec::SinceTransition => {
            let ledger = ws.ledger_of(id)?;
            let (step, last) = ledger
                .transitions(id)
                .last()
                .map(|(s, e)| (*s, e.commit.clone()))
                .ok_or_else(|| Error::state(format!("proposal {id} has no recorded transition")))?;
            let old = labelled(at(ws, id, &last)?, format!("transition to {step}"));
            (old, working_tree(ws, id)?)
        }
        Spec::Revisions(a, None) => (at(ws, id, a)?, working_tree(ws, id)?),
        Spec::Revisions(a, Some(b)) => (at(ws, id, a)?, at(ws, id, b)?),
        Spec::Feedback(entry) => feedback_span(ws, id, entry)?,
        Spec::SinceSignoff(who) => {
            let ledger = ws.ledger_of(id)?;
            let wanted = who.trim().to_lowercase();
            let signed = ledger
                .of(id)
                .filter(|e| e.kind == EventKind::Signoff)
                .filter(|e| {
                    e.author.email.to_lowercase() == wanted
                        || e.author.name.to_lowercase() == wanted
                        || e.author.to_string().to_lowercase() == wanted
                })
                .last()
                .ok_or_else(|| Error::ItemNotFound {
                    id,
                    kind: "sign-off by",
                    name: who.to_string(),
                })?;
            let old = labelled(
                at(ws, id, &signed.commit)?,
                format!("sign-off by {}", signed.author),
            );
            (old, working_tree(ws, id)?)
        }
    };
    let changes = diff::diff(Some(&old.proposal), &new.proposal);
    Ok(Compared {
        id,
        old,
        new,
        changes,
    })
}

fn labelled(mut side: Side, label: String) -> Side {
    side.label = label;
    side
}

/// The proposal as it is in the working tree.
fn working_tree(ws: &Workspace, id: u32) -> Result<Side> {
    let found = ws.find(id)?;
    Ok(Side {
        label: "working tree".into(),
        commit: None,
        text: found.text,
        proposal: found.proposal,
    })
}

/// The proposal at a revision: an error names the revision when it is not there or does
/// not parse there.
pub fn at(ws: &Workspace, id: u32, rev: &str) -> Result<Side> {
    let commit = ws.repo.resolve(rev)?;
    let folder = &ws.config.folder;
    let mut found = ws.repo.proposal_at(&commit, folder, id)?;
    // Before a renumbering, under a name it had.
    if found.is_none() {
        let former = ws.ledger_of(id)?.former(id);
        let names = former.iter().flat_map(|(_, names)| names);
        found = ws.repo.file_named_at(&commit, folder, names)?;
    }
    let (path, bytes) = found.ok_or_else(|| Error::NotAtRevision {
        id,
        rev: rev.to_string(),
    })?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let proposal =
        Proposal::parse(&text).map_err(|e| parse_error(&format!("{path} at {rev}"), e))?;
    Ok(Side {
        label: rev.to_string(),
        commit: Some(commit),
        text,
        proposal,
    })
}

/// The revisions of a proposal through the history reachable from HEAD, oldest first.
pub fn revisions(ws: &Workspace, id: u32) -> Result<Vec<Revision>> {
    let Some(head) = ws.repo.head_id()? else {
        return Ok(Vec::new());
    };
    // The walk that read the ledger recorded the file's changes; reuse it.
    ws.ledger_of(id)?;
    revisions_at(ws, &head, id, |_| None)
}

/// [`revisions`] through the history reachable from `tip`. `known` tells who made a commit
/// and when (as `.mailmap` maps them) where the caller knows already, as the ledger's
/// events do for nearly every commit that changes a proposal; others are read.
pub fn revisions_at(
    ws: &Workspace,
    tip: &str,
    id: u32,
    known: impl Fn(&str) -> Option<(Person, i64, i32)>,
) -> Result<Vec<Revision>> {
    let history = ws.folder_history_of(tip, &ws.config.folder, id)?;
    let mut out = Vec::new();
    for (commit, blob) in former_changes(ws, tip, id)?
        .into_iter()
        .chain(history.changes_after_start(id))
    {
        let (author, time, offset) = match known(&commit) {
            Some(k) => k,
            None => ws.repo.commit_meta(&commit)?,
        };
        let proposal = match blob {
            Some(b) => ws.proposal_blob(&b)?,
            None => None,
        };
        out.push(Revision {
            commit,
            author,
            time,
            offset,
            proposal,
        });
    }
    Ok(out)
}

/// The changes of a renumbered proposal's file before its renumberings, oldest first: the
/// changes of each former id whose blob is the file under one of its former names (another
/// proposal that kept the old id had another file).
fn former_changes(ws: &Workspace, tip: &str, id: u32) -> Result<Vec<(String, Option<String>)>> {
    let former = ws.ledger_of(id)?.former(id);
    let folder = &ws.config.folder;
    let mut found: Vec<(usize, String, Option<String>)> = Vec::new();
    for (old, names) in &former {
        let history = ws.folder_history_of(tip, folder, *old)?;
        for (commit, blob) in history.changes_after_start(*old) {
            let Some(b) = &blob else { continue };
            let mut ours = false;
            for name in names {
                if ws.folder_blob(&history, &commit, name)?.flatten().as_ref() == Some(b) {
                    ours = true;
                    break;
                }
            }
            if let (true, Some(pos)) = (ours, history.position(&commit)) {
                found.push((pos, commit, blob));
            }
        }
    }
    found.sort_by_key(|(pos, _, _)| *pos);
    found.dedup_by(|a, b| a.1 == b.1);
    Ok(found.into_iter().map(|(_, c, b)| (c, b)).collect())
}

/// From the revision where a feedback entry first appeared to the one where it was first
/// answered (the working tree when it is answered only there).
fn feedback_span(ws: &Workspace, id: u32, entry: &str) -> Result<(Side, Side)> {
    let fid = normalize_item_id('F', entry).unwrap_or_else(|| entry.to_string());
    let not_found = || Error::ItemNotFound {
        id,
        kind: "feedback entry",
        name: entry.to_string(),
    };
    let revisions = revisions(ws, id)?;
    let timeline = diff::feedback_timeline(&revisions);
    let current = working_tree(ws, id)?;
    let given = timeline
        .iter()
        .find(|e| e.id == fid && e.kind == FeedbackKind::Given);
    let answered = timeline
        .iter()
        .find(|e| e.id == fid && matches!(e.kind, FeedbackKind::Answered { .. }));
    let in_tree = current.proposal.feedback.iter().find(|f| f.id == fid);
    let old = match (given, answered) {
        // Given and answered in one commit: start from the version before it.
        (Some(g), Some(a)) if g.commit == a.commit => {
            let before = revisions
                .iter()
                .take_while(|r| r.commit != g.commit)
                .filter(|r| r.proposal.is_some())
                .last();
            match before {
                Some(r) => labelled(at(ws, id, &r.commit)?, format!("before {fid}")),
                None => labelled(at(ws, id, &g.commit)?, format!("{fid} given")),
            }
        }
        (Some(g), _) => labelled(at(ws, id, &g.commit)?, format!("{fid} given")),
        (None, _) if in_tree.is_some() => {
            return Err(Error::state(format!(
                "{fid} is only in the working tree; commit it to compare its answer"
            )))
        }
        (None, _) => return Err(not_found()),
    };
    let new = match answered {
        Some(a) => labelled(at(ws, id, &a.commit)?, format!("{fid} answered")),
        None if in_tree.is_some_and(|f| f.answer != crate::model::proposal::Answer::Open) => {
            current
        }
        None => {
            return Err(Error::state(format!(
                "{fid} of proposal {id} is not answered yet"
            )))
        }
    };
    Ok((old, new))
}

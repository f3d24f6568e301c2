//! The read side: what `list`, `show` and `log` report.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::model::check::{self, Finding};
use crate::model::diff::{self, FeedbackEvent};
use crate::model::gate::{self, Gate};
use crate::model::ledger::{Event, Ledger};
use crate::model::proposal::{ParseError, Proposal};
use crate::model::signoff::Matrix;
use crate::model::step::Step;

use super::{signoffs, Found, Workspace};

/// One row of `list`.
#[derive(Debug, Clone)]
pub struct Row {
    pub rel: String,
    pub proposal: Proposal,
    pub findings: Vec<Finding>,
    /// When it was proposed: the time of its first recorded event.
    pub since: Option<i64>,
}

/// Everything `list` reports.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    pub rows: Vec<Row>,
    /// Files that do not parse.
    pub broken: Vec<(String, ParseError)>,
    /// Ids held by more than one file, with those files.
    pub duplicates: Vec<(u32, Vec<String>)>,
    /// Files in HEAD that are gone from the working tree.
    pub deleted: Vec<String>,
}

/// Every proposal in the working tree, with its findings.
pub fn list(ws: &Workspace) -> Result<Listing> {
    // The files are read while the history is walked.
    let (entries, ledger) = ws.scan_during(|| ws.ledger_for_listing());
    let (entries, ledger) = (entries?, ledger?);
    let mut listing = Listing {
        deleted: ws.deleted(&entries)?,
        ..Listing::default()
    };
    let mut by_id: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for entry in entries {
        if let Some(id) = entry.id() {
            by_id.entry(id).or_default().push(entry.rel.clone());
        }
        match entry.parsed {
            Ok(proposal) => listing.rows.push(Row {
                findings: check::cross_check(&proposal, &ledger, &ws.config.gates),
                since: ledger.first(proposal.id).map(|e| e.time),
                rel: entry.rel,
                proposal,
            }),
            Err(e) => listing.broken.push((entry.rel, e)),
        }
    }
    listing.duplicates = by_id
        .into_iter()
        .filter(|(_, files)| files.len() > 1)
        .collect();
    listing
        .rows
        .sort_by(|a, b| (a.proposal.id, &a.rel).cmp(&(b.proposal.id, &b.rel)));
    Ok(listing)
}

/// Everything `show` reports.
#[derive(Debug, Clone)]
pub struct Detail {
    pub rel: String,
    pub proposal: Proposal,
    /// Each of the eight steps with its gate.
    pub gates: Vec<(Step, Gate)>,
    pub findings: Vec<Finding>,
    pub events: Vec<Event>,
    /// The sign-off matrix, or why it cannot be built (a broken allowed-signers file).
    pub signoffs: std::result::Result<Matrix, String>,
}

/// One proposal with the state of every step, its findings and its history.
pub fn show(ws: &Workspace, id: u32) -> Result<Detail> {
    // The files are read while the history is walked.
    let (found, ledger) = ws.find_during(id, || ws.ledger_of_even_if_shallow(id));
    let (found, ledger) = (found?, ledger?);
    let signoffs = signoffs::report_for(ws, &found.rel, &found.proposal, &ledger, None, None)
        .map(|r| r.matrix)
        .map_err(|e| e.to_string());
    let Found { rel, proposal, .. } = found;
    let gates = Step::STEPS
        .iter()
        .map(|s| (*s, gate::check(&proposal, *s, &ws.config.gates)))
        .collect();
    Ok(Detail {
        findings: check::cross_check(&proposal, &ledger, &ws.config.gates),
        events: ledger.of(proposal.id).cloned().collect(),
        gates,
        rel,
        proposal,
        signoffs,
    })
}

/// The recorded events of a proposal, oldest first. The proposal need not be in the working
/// tree any more, but it must have a history or a file.
pub fn log(ws: &Workspace, id: u32) -> Result<(Vec<Entry>, std::rc::Rc<Ledger>)> {
    let ledger = ws.ledger_of(id)?;
    let mut entries: Vec<Entry> = ledger.of(id).cloned().map(Entry::Ledger).collect();
    let feedback = diff::feedback_timeline(&super::diff::revisions(ws, id)?);
    if entries.is_empty() && feedback.is_empty() {
        match ws.find(id) {
            Ok(_) | Err(Error::DuplicateId { .. }) | Err(Error::Parse { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    if !feedback.is_empty() {
        entries.extend(feedback.into_iter().map(Entry::Feedback));
        let history = match ws.repo.head_id()? {
            Some(head) => Some(ws.folder_history_of(&head, &ws.config.folder, id)?),
            None => None,
        };
        // Stable: within one commit, ledger events come before what the file shows.
        entries.sort_by_key(|e| {
            history
                .as_ref()
                .and_then(|h| h.position(e.commit()))
                .unwrap_or(usize::MAX)
        });
    }
    Ok((entries, ledger))
}

/// One line of a proposal's timeline.
#[derive(Debug, Clone)]
pub enum Entry {
    /// A transition, sign-off, withdrawal, concern or resolution, from trailers.
    Ledger(Event),
    /// Feedback given or answered, from the file's history.
    Feedback(FeedbackEvent),
}

impl Entry {
    pub fn commit(&self) -> &str {
        match self {
            Entry::Ledger(e) => &e.commit,
            Entry::Feedback(f) => &f.commit,
        }
    }
}

//! `review`: what a pull request did to the proposals, from the merge base to HEAD.

use std::collections::{BTreeSet, HashSet};

use crate::error::{Error, Result};
use crate::model::check::Finding;
use crate::model::config::Config;
use crate::model::diff::{self, Change, FeedbackEvent};
use crate::model::id;
use crate::model::ledger::{Event, EventKind, Ledger};
use crate::model::proposal::{self, Proposal};
use crate::model::signoff::{why_not, Concern, Standing};
use crate::model::step::Step;

use super::{signoffs, Found, Workspace};

/// The whole report.
#[derive(Debug, Clone)]
pub struct Review {
    /// The base as given (or as defaulted), its merge base with HEAD, and HEAD.
    pub base: String,
    pub merge_base: String,
    pub head: String,
    pub commits: usize,
    pub proposals: Vec<ProposalReview>,
    /// What the pull request changed in the files that decide who counts: the policy, the
    /// allowed-signers file, `.mailmap` (`check --base` reports the same).
    pub findings: Vec<Finding>,
}

/// What happened to one proposal in the range.
#[derive(Debug, Clone)]
pub struct ProposalReview {
    pub id: u32,
    pub title: String,
    pub file: String,
    /// `added`, `changed`, `removed`, or `signed` (only events, no change to the file).
    pub status: &'static str,
    pub step_before: Option<Step>,
    pub step_after: Option<Step>,
    pub transitions: Vec<Event>,
    pub changes: Vec<Change>,
    pub feedback: Vec<FeedbackEvent>,
    /// Stakeholders whose sign-off counts now and did not at the base.
    pub gained: Vec<String>,
    /// Stakeholders whose sign-off counted at the base and does not now, with why.
    pub lost: Vec<(String, String)>,
    /// Sign-offs that are stale now, with why.
    pub stale: Vec<(String, String)>,
    /// Sign-off events in the range that do not count, with why.
    pub rejected: Vec<(String, String)>,
    pub open_concerns: Vec<Concern>,
    /// Whether the sign-off policy holds at HEAD, and the counts.
    pub policy_holds: bool,
    pub signed: usize,
    pub needed: usize,
    pub eligible: usize,
    pub findings: Vec<Finding>,
    /// Why the proposal could not be reviewed (a file that does not parse).
    pub error: Option<String>,
}

/// Reviews HEAD against `base` (default: the upstream of the current branch, else `main`).
pub fn review(ws: &Workspace, base: Option<&str>) -> Result<Review> {
    let base = match base {
        Some(b) => b.to_string(),
        None => ws.repo.default_base()?,
    };
    let (merge_base, range) = ws.repo.range_from(&base)?;
    ws.repo.identities_from(&merge_base);
    let head = ws
        .repo
        .head_id()?
        .ok_or_else(|| Error::usage("the branch has no commits yet"))?;
    let config = ws.config_at(&merge_base)?;
    let folder = config.folder.clone();

    // The proposals under review: those whose file the range changed, and those with events
    // in its commits.
    let mut ids: BTreeSet<u32> = BTreeSet::new();
    let mut changed: Vec<String> = Vec::new();
    for (name, before, after) in ws.repo.folder_file_changes(&merge_base, &head, &folder)? {
        ids.extend(id::from_file_name(&name));
        changed.extend(after.or(before));
    }
    // The ledger of just those (as `check` after a change reads it): the proposals the
    // range's commits name, and those of the changed files by name and by the id they hold
    // (read from the text's first lines where that is safe; more ids than needed only
    // decode more events).
    let mut scan: BTreeSet<u32> = ids.clone();
    scan.extend(ws.repo.named_in(&range)?);
    for blob in &changed {
        let Ok(text) = ws.repo.blob_text(blob) else {
            continue;
        };
        match proposal::quick_id(&text) {
            Some(id) => {
                scan.insert(id);
            }
            None => scan.extend(ws.parse_text(&text).ok().map(|p| p.id)),
        }
    }
    let scan: Vec<u32> = scan.into_iter().collect();
    let range: HashSet<String> = range.into_iter().collect();
    let ledger = ws.ledger_of_many(&scan)?;
    ids.extend(
        ledger
            .events()
            .iter()
            .filter(|e| range.contains(&e.commit))
            .map(|e| e.proposal),
    );
    // The merge base's history is HEAD's less the range: no second walk.
    let base_ledger = ledger.without(&range);
    ws.remember_history_without(&head, &merge_base, &folder, &range);
    ws.remember_histories_without(&head, &merge_base, &folder, &scan, &range);

    let mut proposals = Vec::new();
    for id in ids {
        let ctx = Ctx {
            ws,
            base: &base,
            merge_base: &merge_base,
            head: &head,
            folder: &folder,
            config: &config,
            range: &range,
            ledger: &ledger,
            base_ledger: &base_ledger,
        };
        proposals.push(ctx.proposal(id)?);
    }
    let findings = super::trusted::repository(ws, &merge_base, &head, &config)?;
    Ok(Review {
        base,
        merge_base,
        head,
        commits: range.len(),
        proposals,
        findings,
    })
}

struct Ctx<'a> {
    ws: &'a Workspace,
    base: &'a str,
    merge_base: &'a str,
    head: &'a str,
    folder: &'a str,
    config: &'a Config,
    range: &'a HashSet<String>,
    ledger: &'a Ledger,
    base_ledger: &'a Ledger,
}

impl Ctx<'_> {
    /// The version of the proposal at a commit: its file, text and parsed content.
    fn version(&self, commit: &str, id: u32) -> Result<Option<(String, String, Result<Proposal>)>> {
        Ok(self
            .ws
            .repo
            .proposal_at(commit, self.folder, id)?
            .map(|(path, bytes)| {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                let parsed = self
                    .ws
                    .parse_text(&text)
                    .map_err(|e| super::parse_error(&format!("{path} at {}", &commit[..7]), e));
                (path, text, parsed)
            }))
    }

    fn proposal(&self, id: u32) -> Result<ProposalReview> {
        let before = self.version(self.merge_base, id)?;
        let after = self.version(self.head, id)?;
        let status = match (&before, &after) {
            (None, Some(_)) => "added",
            (Some(_), None) => "removed",
            (Some((_, a, _)), Some((_, b, _))) if a != b => "changed",
            _ => "signed",
        };
        let in_range = |e: &&Event| self.range.contains(&e.commit);
        let transitions: Vec<Event> = self
            .ledger
            .of(id)
            .filter(in_range)
            .filter(|e| matches!(e.kind, EventKind::Step(_)))
            .cloned()
            .collect();
        let old = before.as_ref().and_then(|(_, _, p)| p.as_ref().ok());
        let mut review = ProposalReview {
            id,
            title: String::new(),
            file: after
                .as_ref()
                .or(before.as_ref())
                .map(|(path, _, _)| path.clone())
                .unwrap_or_default(),
            status,
            step_before: old.map(|p| p.step),
            step_after: None,
            transitions,
            changes: Vec::new(),
            feedback: Vec::new(),
            gained: Vec::new(),
            lost: Vec::new(),
            stale: Vec::new(),
            rejected: Vec::new(),
            open_concerns: Vec::new(),
            policy_holds: false,
            signed: 0,
            needed: 0,
            eligible: 0,
            findings: Vec::new(),
            error: None,
        };
        let Some((path, text, parsed)) = after else {
            review.title = old.map(|p| p.title.clone()).unwrap_or_default();
            return Ok(review);
        };
        let new = match parsed {
            Ok(p) => p,
            Err(e) => {
                review.error = Some(e.to_string());
                return Ok(review);
            }
        };
        review.title = new.title.clone();
        review.step_after = Some(new.step);
        review.changes = diff::diff(old, &new);
        review.feedback = diff::feedback_timeline(&super::diff::revisions(self.ws, id)?)
            .into_iter()
            .filter(|e| self.range.contains(&e.commit))
            .collect();
        review.findings = super::check::proposal_findings(
            self.ws,
            &path,
            &text,
            new.clone(),
            self.config,
            self.ledger,
            Some(self.base),
            self.head,
        )?
        .into_iter()
        .filter(|f| f.code != "signoff-not-counted")
        .collect();
        review.findings.extend(super::trusted::roster(
            self.ws,
            self.merge_base,
            self.config,
            &path,
            &new,
        )?);
        let found = Found {
            rel: path,
            text,
            proposal: new,
        };
        self.signoffs(&mut review, &found, old)?;
        Ok(review)
    }

    /// Sign-offs at HEAD against those at the base, both judged with the base's trust.
    fn signoffs(
        &self,
        r: &mut ProposalReview,
        found: &Found,
        old: Option<&Proposal>,
    ) -> Result<()> {
        let now = signoffs::report_for(
            self.ws,
            &found.rel,
            &found.proposal,
            self.ledger,
            Some(self.base),
            Some(self.head),
        )?;
        let then = match (old, self.version(self.merge_base, r.id)?) {
            (Some(p), Some((rel, _, _))) => Some(signoffs::report_for(
                self.ws,
                &rel,
                p,
                self.base_ledger,
                Some(self.base),
                Some(self.merge_base),
            )?),
            _ => None,
        };
        let counted_then = |key: &str| {
            then.as_ref().is_some_and(|t| {
                t.matrix
                    .rows
                    .iter()
                    .any(|row| row.key == key && row.counts())
            })
        };
        for row in &now.matrix.rows {
            let who = row.who.to_string();
            let stale = matches!(
                &row.standing,
                Standing::Signed {
                    changed_by: Some(_),
                    ..
                }
            );
            match (row.counts(), counted_then(&row.key)) {
                _ if stale => r.stale.push((who, why_not(&row.standing))),
                (true, false) => r.gained.push(who),
                (false, true) => r.lost.push((who, why_not(&row.standing))),
                _ => {}
            }
        }
        r.rejected = now
            .matrix
            .rejected
            .iter()
            .filter(|x| self.range.contains(&x.commit))
            .map(|x| (x.commit.clone(), x.reason.clone()))
            .collect();
        r.open_concerns = now.matrix.open_concerns().cloned().collect();
        r.policy_holds = now.matrix.holds();
        r.signed = now.matrix.signed;
        r.needed = now.matrix.needed;
        r.eligible = now.matrix.eligible;
        Ok(())
    }
}

//! `advance`: check the gate, then record one transition as one commit.

use crate::error::{Error, Result};
use crate::model::check;
use crate::model::gate::{self, Gate};
use crate::model::step::Step;
use crate::model::{edit, trailer};

use super::{parse_error, signoffs, Found, Workspace};

/// What the user asked `advance` to do.
#[derive(Debug, Clone, Default)]
pub struct AdvanceArgs {
    pub id: u32,
    /// The target; the next step when `None`.
    pub to: Option<Step>,
    /// Why the proposal is withdrawn or superseded.
    pub reason: Option<String>,
    /// The proposal that supersedes this one.
    pub by: Option<u32>,
    pub dry_run: bool,
    /// Evaluate the sign-off policy with the trust of this base revision (a pull request's
    /// target), as `signoffs --base` does.
    pub base: Option<String>,
}

/// A transition made (or, with `dry_run`, one that would be made).
#[derive(Debug, Clone)]
pub struct Advanced {
    pub id: u32,
    pub rel: String,
    pub from: Step,
    pub to: Step,
    /// The new commit; `None` on a dry run.
    pub commit: Option<String>,
}

/// Moves a proposal to its next step (or an ending) when the gate allows it.
pub fn advance(ws: &Workspace, args: &AdvanceArgs) -> Result<Advanced> {
    // Before any walk: under a base, its `.mailmap` says who is who.
    if let Some(base) = &args.base {
        ws.trust_base(base)?;
    }
    let found = ws.find(args.id)?;
    let p = &found.proposal;
    let from = p.step;
    let refuse = |to: Step, reason: String| Error::BadTransition {
        id: p.id,
        from: from.to_string(),
        to: to.to_string(),
        reason,
    };
    let to = match (args.to, from.next()) {
        (Some(to), _) => to,
        (None, Some(next)) => next,
        (None, None) if from == Step::Implement => {
            return Err(refuse(
                Step::Done,
                "implement is the last step; close it with --to done".into(),
            ))
        }
        (None, None) => return Err(refuse(from, "the proposal is closed".into())),
    };
    from.can_move_to(to)
        .map_err(|why| refuse(to, why.to_string()))?;
    let ledger = ws.ledger_of(p.id)?;
    if let Some(f) = check::step_unrecorded(p, &ledger).first() {
        return Err(refuse(
            to,
            format!(
                "{}; put the step back as recorded, or record the transition with git",
                f.message
            ),
        ));
    }
    let reason = args.reason.as_deref().map(str::trim).unwrap_or_default();
    let mut text = found.text.clone();
    match to {
        Step::Withdrawn | Step::Superseded => {
            if to == Step::Withdrawn && reason.is_empty() {
                return Err(Error::usage(
                    "withdrawing a proposal needs a reason: --reason \"...\"",
                ));
            }
            let by = match (to, args.by) {
                (Step::Superseded, None) => return Err(Error::usage(
                    "superseding a proposal needs the id of the one that replaces it: --by <id>",
                )),
                (Step::Superseded, Some(by)) if by == p.id => {
                    return Err(refuse(to, "a proposal cannot supersede itself".into()))
                }
                (Step::Superseded, Some(by)) => Some(ws.find(by)?.proposal.id),
                _ => None,
            };
            text = edit::set_closing(&text, reason, by).map_err(|e| parse_error(&found.rel, e))?;
        }
        _ => gate_allows(ws, &found, to, args.base.as_deref())?,
    }
    text = edit::set_step(&text, to).map_err(|e| parse_error(&found.rel, e))?;
    let mut advanced = Advanced {
        id: p.id,
        rel: found.rel.clone(),
        from,
        to,
        commit: None,
    };
    if args.dry_run {
        return Ok(advanced);
    }
    let mut body = p.title.clone();
    if !reason.is_empty() {
        body = format!("{body}\n\n{reason}");
    }
    let message = trailer::compose(
        &format!("lead({:0w$}): {from} -> {to}", p.id, w = ws.config.id_width),
        &body,
        &[
            ("Lead-Proposal", p.id.to_string()),
            ("Lead-Step", to.as_str().to_string()),
        ],
    );
    advanced.commit = Some(ws.repo.commit_file(&found.rel, text.as_bytes(), &message)?);
    Ok(advanced)
}

/// Entering `to` needs every step before it complete; entering `implement` or `done` also
/// needs the sign-off policy to hold.
fn gate_allows(ws: &Workspace, found: &Found, to: Step, base: Option<&str>) -> Result<()> {
    let p = &found.proposal;
    if let Gate::Missing(missing) = gate::check_before(p, to, &ws.config.gates) {
        return Err(Error::StepIncomplete {
            id: p.id,
            step: p.step.to_string(),
            missing,
        });
    }
    if matches!(to, Step::Implement | Step::Done) {
        let report = signoffs::report_for(ws, &found.rel, p, &*ws.ledger_of(p.id)?, base, None)?;
        if !report.matrix.holds() {
            return Err(Error::PolicyUnmet {
                id: p.id,
                to: to.to_string(),
                unmet: report
                    .matrix
                    .rules
                    .iter()
                    .filter(|r| !r.holds)
                    .map(|r| (r.id.to_string(), r.detail.clone()))
                    .collect(),
            });
        }
    }
    Ok(())
}

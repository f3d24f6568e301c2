//! Cross-checks of a proposal's file against its recorded history: the ground that
//! `git lead check` stands on, and what `list` and `show` mark.

use super::config::Gates;
use super::gate::{self, Gate};
use super::ledger::Ledger;
use super::proposal::Proposal;
use super::step::Step;

/// How bad a finding is: an error fails `git lead check`, a warning only with `--strict`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// Something wrong with a proposal or the history: what `list` and `show` mark and what
/// `git lead check` reports. Codes are stable; `docs/checks.md` lists them all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub code: &'static str,
    pub severity: Severity,
    /// The proposal it concerns, if one.
    pub proposal: Option<u32>,
    /// The file it concerns, and the line there, where one applies.
    pub file: Option<String>,
    pub line: Option<usize>,
    /// The field of the file it concerns, if one.
    pub field: Option<String>,
    /// The commit it concerns, if one.
    pub commit: Option<String>,
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
}

impl Finding {
    /// An error about proposal `id`, with nothing located yet.
    pub fn error(code: &'static str, id: Option<u32>, message: String) -> Finding {
        Finding {
            code,
            severity: Severity::Error,
            proposal: id,
            file: None,
            line: None,
            field: None,
            commit: None,
            message,
            hint: None,
        }
    }

    /// The same, as a warning.
    pub fn warning(code: &'static str, id: Option<u32>, message: String) -> Finding {
        Finding {
            severity: Severity::Warning,
            ..Finding::error(code, id, message)
        }
    }

    pub fn field(mut self, field: impl Into<String>) -> Finding {
        self.field = Some(field.into());
        self
    }

    pub fn commit(mut self, commit: Option<String>) -> Finding {
        self.commit = commit;
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Finding {
        self.hint = Some(hint.into());
        self
    }
}

/// Every finding code, as `docs/checks.md` lists them.
pub const CODES: [&str; 16] = [
    "parse-error",
    "merge-conflict",
    "duplicate-id",
    "file-name",
    "step-unrecorded",
    "transition-out-of-order",
    "step-regressed",
    "policy-unmet",
    "open-concern",
    "feedback-unanswered",
    "implements-early",
    "stranded-trailer",
    "unknown-trailer",
    "bad-trailer",
    "signoff-not-counted",
    "shallow-history",
];

/// Runs every cross-check on one proposal.
pub fn cross_check(p: &Proposal, ledger: &Ledger, rules: &Gates) -> Vec<Finding> {
    let mut out = step_unrecorded(p, ledger);
    out.extend(out_of_order(p.id, ledger));
    out.extend(regressed(p, rules));
    out
}

/// "The step in the file differs from the last recorded transition."
pub fn step_unrecorded(p: &Proposal, ledger: &Ledger) -> Vec<Finding> {
    let recorded = ledger.last_step(p.id);
    let message = match recorded {
        Some(step) if step == p.step => return Vec::new(),
        None if p.step == Step::Problem => return Vec::new(),
        Some(step) => format!(
            "the file says step \"{}\" but the last recorded transition is to {step}",
            p.step
        ),
        None => format!(
            "the file says step \"{}\" but no transition of proposal {} is recorded",
            p.step, p.id
        ),
    };
    let commit = ledger
        .transitions(p.id)
        .last()
        .map(|(_, e)| e.commit.clone());
    vec![Finding::error("step-unrecorded", Some(p.id), message)
        .field("step")
        .commit(commit)
        .hint(format!(
            "change steps only with 'git lead advance {}', or put the step back as recorded",
            p.id
        ))]
}

/// "A transition out of order or skipped."
pub fn out_of_order(id: u32, ledger: &Ledger) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut previous: Option<Step> = None;
    for (step, event) in ledger.transitions(id) {
        let problem = match previous {
            // A file committed without `Lead-Step: problem` starts there all the same.
            None if step == Step::Problem || Step::Problem.can_move_to(step).is_ok() => None,
            None => Some(format!(
                "the first recorded transition is to {step}; a proposal starts at problem"
            )),
            Some(from) => from
                .can_move_to(step)
                .err()
                .map(|why| format!("the transition {from} -> {step} is not allowed: {why}")),
        };
        if let Some(message) = problem {
            out.push(
                Finding::error("transition-out-of-order", Some(id), message)
                    .commit(Some(event.commit.clone()))
                    .hint("transitions are recorded by 'git lead advance', one step at a time"),
            );
        }
        previous = Some(step);
    }
    out
}

/// "A completed step's content is no longer complete."
pub fn regressed(p: &Proposal, rules: &Gates) -> Vec<Finding> {
    let completed: &[Step] = match p.step {
        Step::Withdrawn | Step::Superseded => return Vec::new(),
        Step::Done => &Step::STEPS,
        current => {
            let n = current.number().unwrap_or(1) - 1;
            Step::STEPS.get(..n).unwrap_or_default()
        }
    };
    let mut out = Vec::new();
    for step in completed {
        if let Gate::Missing(missing) = gate::check(p, *step, rules) {
            for m in missing {
                let message = format!(
                    "the proposal is past {step}, which now lacks {} [{}]",
                    m.need, m.field
                );
                out.push(
                    Finding::error("step-regressed", Some(p.id), message)
                        .field(m.field)
                        .hint(
                            "restore the content, or withdraw the proposal if it no longer holds",
                        ),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::model::config::Config;
    use crate::model::ledger::tests::commit;

    fn proposal(step: &str, body: &str) -> Proposal {
        Proposal::parse(&format!(
            "schema = 1\nid = 1\ntitle = \"T\"\nauthor = \"Ada <ada@example.com>\"\nstep = \"{step}\"\n{body}"
        ))
        .unwrap()
    }

    fn ledger(steps: &[&str]) -> Ledger {
        let commits: Vec<_> = steps
            .iter()
            .enumerate()
            .map(|(i, s)| {
                commit(
                    &format!("c{i}"),
                    &[("Lead-Proposal", "1"), ("Lead-Step", s)],
                )
            })
            .collect();
        Ledger::from_commits(commits)
    }

    const PROBLEM: &str = "[problem]\nstatement = \"s\"\naffected = \"a\"\n";

    #[test]
    fn a_clean_history_has_no_findings() {
        let p = proposal("idea", PROBLEM);
        let rules = Config::default().gates;
        assert!(cross_check(&p, &ledger(&["problem", "idea"]), &rules).is_empty());
    }

    #[test]
    fn a_hand_edited_step_is_found() {
        let p = proposal("critique", PROBLEM);
        let f = step_unrecorded(&p, &ledger(&["problem", "idea"]));
        assert_eq!(f[0].code, "step-unrecorded");
        assert_eq!(f[0].commit.as_deref(), Some("c1"));
        assert!(f[0].message.contains("last recorded transition is to idea"));
        let p = proposal("idea", PROBLEM);
        assert_eq!(step_unrecorded(&p, &Ledger::default()).len(), 1);
        let p = proposal("problem", PROBLEM);
        assert!(step_unrecorded(&p, &Ledger::default()).is_empty());
    }

    #[test]
    fn skipped_and_backward_transitions_are_found() {
        let f = out_of_order(1, &ledger(&["problem", "critique", "idea"]));
        let commits: Vec<_> = f.iter().map(|f| f.commit.clone().unwrap()).collect();
        assert_eq!(commits, ["c1", "c2"]);
        assert!(f[0].message.contains("no step is ever skipped"));
        assert!(f[1].message.contains("steps never go back"));
        let f = out_of_order(1, &ledger(&["critique"]));
        assert!(f[0].message.contains("starts at problem"));
        assert!(out_of_order(1, &ledger(&["idea", "alternatives"])).is_empty());
        assert!(out_of_order(1, &ledger(&["problem", "withdrawn"])).is_empty());
    }

    #[test]
    fn emptied_steps_are_found() {
        let rules = Config::default().gates;
        let p = proposal("alternatives", "[problem]\nstatement = \"s\"\n");
        let f = regressed(&p, &rules);
        let fields: Vec<_> = f.iter().map(|f| f.field.clone().unwrap()).collect();
        assert_eq!(fields, ["problem.affected", "idea"]);
        assert!(regressed(&proposal("withdrawn", ""), &rules).is_empty());
    }
}

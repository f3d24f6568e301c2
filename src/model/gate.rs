//! The completeness rules: what each step needs before the proposal may leave it.

use super::config::Gates;
use super::proposal::{Answer, Proposal};
use super::step::Step;

/// A missing item of a step's gate: the field it concerns and what is needed there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    /// Dotted path of the field in the proposal file, such as `problem.statement`.
    pub field: String,
    /// What the field needs, as a phrase: "a problem statement".
    pub need: String,
}

/// Whether a step is complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    Complete,
    Missing(Vec<Missing>),
}

impl Gate {
    pub fn is_complete(&self) -> bool {
        matches!(self, Gate::Complete)
    }
}

/// Checks the rule of `step` against the proposal's content.
pub fn check(p: &Proposal, step: Step, rules: &Gates) -> Gate {
    let mut missing = Vec::new();
    let mut need = |field: String, need: String| missing.push(Missing { field, need });
    match step {
        Step::Problem => {
            if blank(&p.problem.statement) {
                need(
                    "problem.statement".into(),
                    "a statement of the problem".into(),
                );
            }
            if blank(&p.problem.affected) {
                need(
                    "problem.affected".into(),
                    "who else the problem affects".into(),
                );
            }
        }
        Step::Idea => {
            if !p.ideas.iter().any(|i| !blank(&i.summary)) {
                need("idea".into(), "at least one idea with a summary".into());
            }
        }
        Step::Alternatives => {
            for idea in p.ideas.iter().filter(|i| blank(&i.summary)) {
                need(format!("idea.{}.summary", idea.id), "a summary".into());
            }
            if p.ideas.len() < rules.min_ideas {
                need(
                    "idea".into(),
                    format!(
                        "at least {} ideas (there are {})",
                        rules.min_ideas,
                        p.ideas.len()
                    ),
                );
            }
            if p.objections.iter().filter(|o| !blank(o)).count() < rules.min_objections {
                need(
                    "alternatives.objections".into(),
                    format!(
                        "at least {} objection(s) you expect to hear",
                        rules.min_objections
                    ),
                );
            }
        }
        Step::Critique => {
            for idea in &p.ideas {
                let c = p.critique(&idea.id);
                if c.and_then(|c| c.verdict).is_none() {
                    need(
                        format!("critique.{}.verdict", idea.id),
                        "\"root-cause\" or \"band-aid\"".into(),
                    );
                }
                if c.is_none_or(|c| blank(&c.reason)) {
                    need(
                        format!("critique.{}.reason", idea.id),
                        "a reason for the verdict".into(),
                    );
                }
            }
            if p.idea(&p.chosen).is_none() {
                need("critique.chosen".into(), "the id of the chosen idea".into());
            }
            if blank(&p.why) {
                need("critique.why".into(), "why that idea was chosen".into());
            }
        }
        Step::Stakeholders => {
            let others = p.others().count();
            if others < rules.min_stakeholders {
                need(
                    "stakeholders".into(),
                    format!(
                        "at least {} stakeholder(s) besides the author (there are {others})",
                        rules.min_stakeholders
                    ),
                );
            }
            for s in p.stakeholders.iter().filter(|s| blank(&s.perspective)) {
                need(
                    format!("stakeholders.{}.perspective", s.key),
                    "how they see the problem".into(),
                );
            }
        }
        Step::Strategy => {
            for s in &p.stakeholders {
                if blank(&s.pain) {
                    need(
                        format!("strategy.{}.pain", s.key),
                        "the pain it causes them".into(),
                    );
                }
                if blank(&s.pitch) {
                    need(
                        format!("strategy.{}.pitch", s.key),
                        "a pitch written for them".into(),
                    );
                }
            }
        }
        Step::Socialize => {
            if !p.feedback.iter().any(|f| !f.from.same_email(&p.author)) {
                need(
                    "socialize".into(),
                    "at least one feedback entry from someone other than the author".into(),
                );
            }
            for f in &p.feedback {
                match &f.answer {
                    Answer::Open => need(
                        format!("socialize.{}.status", f.id),
                        "an answer: incorporated (and what changed) or declined (and why)".into(),
                    ),
                    Answer::Incorporated(what) if blank(what) => need(
                        format!("socialize.{}.answer", f.id),
                        "what changed to incorporate it".into(),
                    ),
                    Answer::Declined(why) if blank(why) => need(
                        format!("socialize.{}.answer", f.id),
                        "the reason for declining it".into(),
                    ),
                    _ => {}
                }
            }
        }
        // Entering implement is decided by the sign-off policy, not by the file's content.
        Step::Implement => {}
        Step::Done | Step::Withdrawn | Step::Superseded => {}
    }
    if missing.is_empty() {
        Gate::Complete
    } else {
        Gate::Missing(missing)
    }
}

/// Every gate from `problem` up to (not including) `step`, with their missing items merged:
/// what entering `step` requires.
pub fn check_before(p: &Proposal, step: Step, rules: &Gates) -> Gate {
    let mut all = Vec::new();
    for s in Step::STEPS.iter().take_while(|s| **s < step) {
        if let Gate::Missing(m) = check(p, *s, rules) {
            all.extend(m);
        }
    }
    if all.is_empty() {
        Gate::Complete
    } else {
        Gate::Missing(all)
    }
}

fn blank(s: &str) -> bool {
    s.trim().is_empty()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::model::config::Config;

    fn proposal(body: &str) -> Proposal {
        let src = format!(
            "schema = 1\nid = 1\ntitle = \"T\"\nauthor = \"Ada <ada@example.com>\"\nstep = \"problem\"\n{body}"
        );
        Proposal::parse(&src).unwrap()
    }

    fn fields(gate: Gate) -> Vec<String> {
        match gate {
            Gate::Missing(m) => m.into_iter().map(|m| m.field).collect(),
            other => panic!("expected missing items, got {other:?}"),
        }
    }

    #[test]
    fn each_gate_names_its_missing_fields() {
        let rules = Config::default().gates;
        let empty = proposal("");
        assert_eq!(
            fields(check(&empty, Step::Problem, &rules)),
            ["problem.statement", "problem.affected"]
        );
        assert_eq!(fields(check(&empty, Step::Idea, &rules)), ["idea"]);
        assert_eq!(
            fields(check(&empty, Step::Alternatives, &rules)),
            ["idea", "alternatives.objections"]
        );
        assert_eq!(
            fields(check(&empty, Step::Critique, &rules)),
            ["critique.chosen", "critique.why"]
        );
        assert_eq!(
            fields(check(&empty, Step::Stakeholders, &rules)),
            ["stakeholders"]
        );
        assert!(check(&empty, Step::Strategy, &rules).is_complete());
        assert_eq!(
            fields(check(&empty, Step::Socialize, &rules)),
            ["socialize"]
        );
        assert!(check(&empty, Step::Implement, &rules).is_complete());
    }

    #[test]
    fn the_author_is_not_their_own_stakeholder() {
        let rules = Config::default().gates;
        let p =
            proposal("[stakeholders.ada]\nwho = \"Ada <ADA@example.com>\"\nperspective = \"p\"\n");
        assert_eq!(
            fields(check(&p, Step::Stakeholders, &rules)),
            ["stakeholders"]
        );
        let p = proposal("[stakeholders.bo]\nwho = \"Bo <bo@example.com>\"\n");
        assert_eq!(
            fields(check(&p, Step::Stakeholders, &rules)),
            ["stakeholders.bo.perspective"]
        );
        assert_eq!(
            fields(check(&p, Step::Strategy, &rules)),
            ["strategy.bo.pain", "strategy.bo.pitch"]
        );
    }

    #[test]
    fn socialize_needs_outside_feedback_all_answered() {
        let rules = Config::default().gates;
        let p = proposal(
            "[socialize.F1]\nfrom = \"Ada <ada@example.com>\"\ntext = \"mine\"\nstatus = \"declined\"\nanswer = \"no\"\n\
             [socialize.F2]\nfrom = \"Bo <bo@example.com>\"\ntext = \"t\"\n\
             [socialize.F3]\nfrom = \"Cy <cy@example.com>\"\ntext = \"t\"\nstatus = \"incorporated\"\n",
        );
        assert_eq!(
            fields(check(&p, Step::Socialize, &rules)),
            ["socialize.F2.status", "socialize.F3.answer"]
        );
        let only_author = proposal(
            "[socialize.F1]\nfrom = \"Ada <ada@example.com>\"\ntext = \"mine\"\nstatus = \"declined\"\nanswer = \"no\"\n",
        );
        assert_eq!(
            fields(check(&only_author, Step::Socialize, &rules)),
            ["socialize"]
        );
    }

    #[test]
    fn critique_needs_every_idea_judged_and_a_choice() {
        let rules = Config::default().gates;
        let p = proposal(
            "[idea.I1]\nsummary = \"a\"\n[idea.I2]\nsummary = \"b\"\n[critique]\nchosen = \"I2\"\nwhy = \"w\"\n\
             [critique.I1]\nverdict = \"root-cause\"\nreason = \"r\"\n",
        );
        assert_eq!(
            fields(check(&p, Step::Critique, &rules)),
            ["critique.I2.verdict", "critique.I2.reason"]
        );
    }

    #[test]
    fn entering_a_step_needs_all_earlier_ones() {
        let rules = Config::default().gates;
        let p = proposal("[problem]\nstatement = \"s\"\naffected = \"a\"\n");
        assert!(check_before(&p, Step::Idea, &rules).is_complete());
        assert_eq!(
            fields(check_before(&p, Step::Alternatives, &rules)),
            ["idea"]
        );
    }
}

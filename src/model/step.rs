//! The eight steps and the three endings, and which moves between them are legal.

use std::fmt;

/// Where a proposal stands: one of the eight steps, or an ending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    Problem,
    Idea,
    Alternatives,
    Critique,
    Stakeholders,
    Strategy,
    Socialize,
    Implement,
    Done,
    Withdrawn,
    Superseded,
}

impl Step {
    /// The eight working steps, in order.
    pub const STEPS: [Step; 8] = [
        Step::Problem,
        Step::Idea,
        Step::Alternatives,
        Step::Critique,
        Step::Stakeholders,
        Step::Strategy,
        Step::Socialize,
        Step::Implement,
    ];

    /// Every value, steps then endings.
    pub const ALL: [Step; 11] = [
        Step::Problem,
        Step::Idea,
        Step::Alternatives,
        Step::Critique,
        Step::Stakeholders,
        Step::Strategy,
        Step::Socialize,
        Step::Implement,
        Step::Done,
        Step::Withdrawn,
        Step::Superseded,
    ];

    /// The id written in files and trailers.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Problem => "problem",
            Step::Idea => "idea",
            Step::Alternatives => "alternatives",
            Step::Critique => "critique",
            Step::Stakeholders => "stakeholders",
            Step::Strategy => "strategy",
            Step::Socialize => "socialize",
            Step::Implement => "implement",
            Step::Done => "done",
            Step::Withdrawn => "withdrawn",
            Step::Superseded => "superseded",
        }
    }

    /// Every id, for messages that list the valid ones.
    pub fn names() -> Vec<&'static str> {
        Step::ALL.iter().map(|s| s.as_str()).collect()
    }

    /// Parses a step id, case-insensitively and ignoring surrounding space.
    pub fn parse(s: &str) -> Option<Step> {
        let s = s.trim();
        Step::ALL
            .into_iter()
            .find(|step| step.as_str().eq_ignore_ascii_case(s))
    }

    /// 1-based position among the eight steps; `None` for an ending.
    pub fn number(self) -> Option<usize> {
        Step::STEPS.iter().position(|s| *s == self).map(|i| i + 1)
    }

    /// Whether this is `done`, `withdrawn` or `superseded`.
    pub fn is_ending(self) -> bool {
        matches!(self, Step::Done | Step::Withdrawn | Step::Superseded)
    }

    /// The step after this one, if it is one of the eight and not the last.
    pub fn next(self) -> Option<Step> {
        let n = self.number()?;
        Step::STEPS.get(n).copied()
    }

    /// The question the step answers, in a few words.
    pub fn question(self) -> &'static str {
        match self {
            Step::Problem => "What gets in the way, and who else does it hurt?",
            Step::Idea => "What change would shrink the problem?",
            Step::Alternatives => "What other changes could, and what will people object?",
            Step::Critique => "Which idea fixes the cause rather than the symptom?",
            Step::Stakeholders => "Who is touched by the change, and how do they see it?",
            Step::Strategy => "Why would each of them want it?",
            Step::Socialize => "What did people say when you told them?",
            Step::Implement => "Is enough of the team on board to start?",
            Step::Done => "The change is in place.",
            Step::Withdrawn => "The proposal was withdrawn.",
            Step::Superseded => "Another proposal took its place.",
        }
    }

    /// Whether `to` is a legal move from `self`: the next step, or an ending allowed here.
    pub fn can_move_to(self, to: Step) -> Result<(), &'static str> {
        if self.is_ending() {
            return Err("the proposal is closed");
        }
        match to {
            Step::Withdrawn | Step::Superseded => Ok(()),
            Step::Done if self == Step::Implement => Ok(()),
            Step::Done => Err("a proposal is done only after implement"),
            _ if Some(to) == self.next() => Ok(()),
            _ if to == self => Err("the proposal is already there"),
            _ if to < self => Err("steps never go back; edit the file instead"),
            _ => Err("no step is ever skipped"),
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        for step in Step::ALL {
            assert_eq!(Step::parse(step.as_str()), Some(step));
            assert_eq!(Step::parse(&step.as_str().to_uppercase()), Some(step));
        }
        assert_eq!(Step::parse("ideas"), None);
    }

    #[test]
    fn only_the_next_step_or_an_ending_is_legal() {
        for (i, from) in Step::STEPS.iter().enumerate() {
            for to in Step::ALL {
                let legal = from.can_move_to(to).is_ok();
                let expected = Step::STEPS.get(i + 1) == Some(&to)
                    || matches!(to, Step::Withdrawn | Step::Superseded)
                    || (to == Step::Done && *from == Step::Implement);
                assert_eq!(legal, expected, "{from} -> {to}");
            }
        }
        for end in [Step::Done, Step::Withdrawn, Step::Superseded] {
            assert!(Step::ALL.iter().all(|to| end.can_move_to(*to).is_err()));
        }
    }

    #[test]
    fn numbers_follow_the_order() {
        assert_eq!(Step::Problem.number(), Some(1));
        assert_eq!(Step::Implement.number(), Some(8));
        assert_eq!(Step::Done.number(), None);
        assert_eq!(Step::Implement.next(), None);
    }
}

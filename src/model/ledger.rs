//! The ledger: the events of every proposal, read from the trailers of commits.
//!
//! A commit's final trailer block names a proposal with `Lead-Proposal: 7` and the event
//! with another key: `Lead-Step: critique` for a transition. When a block names one
//! proposal, every event in it belongs to that proposal; when it names several, each event
//! belongs to the `Lead-Proposal` above it. Keys match without regard to case, and ids as
//! numbers (`0007` is 7), as everywhere else.

use super::id;
use super::person::Person;
use super::step::Step;
use super::trailer::Trailer;

/// A commit that carries `Lead-` trailers, as the git layer reads it.
#[derive(Debug, Clone)]
pub struct CommitInfo {
    /// Full hexadecimal id.
    pub id: String,
    /// The author, as `.mailmap` maps them.
    pub author: Person,
    /// Author time in seconds since the Unix epoch, and the author's offset in minutes.
    pub time: i64,
    pub offset: i32,
    pub summary: String,
    /// The final trailer block.
    pub trailers: Vec<Trailer>,
}

/// Whether a trailer key belongs to git lead (`Lead-...`, any case).
pub fn is_lead_key(key: &str) -> bool {
    key.get(..5)
        .is_some_and(|p| p.eq_ignore_ascii_case("lead-"))
}

/// What happened to a proposal in one commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// The proposal entered this step (or ending).
    Step(Step),
}

/// One event, with the commit that records it.
#[derive(Debug, Clone)]
pub struct Event {
    pub proposal: u32,
    pub kind: EventKind,
    pub commit: String,
    pub author: Person,
    pub time: i64,
    pub offset: i32,
    pub summary: String,
}

/// A trailer that looks like ours but cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadTrailer {
    pub commit: String,
    pub key: String,
    pub value: String,
    pub reason: String,
}

/// Every event in the history, oldest first.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    pub events: Vec<Event>,
    pub bad: Vec<BadTrailer>,
}

impl Ledger {
    /// Reads the events of `commits`, which come oldest first.
    pub fn from_commits(commits: &[CommitInfo]) -> Ledger {
        let mut ledger = Ledger::default();
        for commit in commits {
            ledger.read_commit(commit);
        }
        ledger
    }

    fn read_commit(&mut self, c: &CommitInfo) {
        let proposals: Vec<&Trailer> = c
            .trailers
            .iter()
            .filter(|t| t.key_is("Lead-Proposal"))
            .collect();
        let single = match proposals.as_slice() {
            [one] => id::parse(&one.value),
            _ => None,
        };
        let mut current: Option<u32> = None;
        for t in &c.trailers {
            let bad = |reason: &str| BadTrailer {
                commit: c.id.clone(),
                key: t.key.clone(),
                value: t.value.clone(),
                reason: reason.to_string(),
            };
            if t.key_is("Lead-Proposal") {
                current = id::parse(&t.value);
                if current.is_none() {
                    self.bad.push(bad("the value is not a proposal id"));
                }
            } else if t.key_is("Lead-Step") {
                let Some(step) = Step::parse(&t.value) else {
                    self.bad.push(bad("the value is not a step"));
                    continue;
                };
                let Some(proposal) = single.or(current) else {
                    self.bad
                        .push(bad("no Lead-Proposal trailer names the proposal"));
                    continue;
                };
                self.events.push(Event {
                    proposal,
                    kind: EventKind::Step(step),
                    commit: c.id.clone(),
                    author: c.author.clone(),
                    time: c.time,
                    offset: c.offset,
                    summary: c.summary.clone(),
                });
            }
        }
    }

    /// The events of one proposal, oldest first.
    pub fn of(&self, proposal: u32) -> impl Iterator<Item = &Event> {
        self.events.iter().filter(move |e| e.proposal == proposal)
    }

    /// The recorded transitions of one proposal, oldest first.
    pub fn transitions(&self, proposal: u32) -> Vec<(Step, &Event)> {
        self.of(proposal)
            .map(|e| match e.kind {
                EventKind::Step(s) => (s, e),
            })
            .collect()
    }

    /// The step of the latest recorded transition.
    pub fn last_step(&self, proposal: u32) -> Option<Step> {
        self.transitions(proposal).last().map(|(s, _)| *s)
    }

    /// The first event of a proposal: usually the commit that proposed it.
    pub fn first(&self, proposal: u32) -> Option<&Event> {
        self.of(proposal).next()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn commit(id: &str, trailers: &[(&str, &str)]) -> CommitInfo {
        CommitInfo {
            id: id.to_string(),
            author: Person::new("Ada", "ada@example.com"),
            time: 0,
            offset: 0,
            summary: String::new(),
            trailers: trailers
                .iter()
                .map(|(k, v)| Trailer {
                    key: k.to_string(),
                    value: v.to_string(),
                })
                .collect(),
        }
    }

    #[test]
    fn steps_are_read_from_trailers() {
        let ledger = Ledger::from_commits(&[
            commit("a", &[("Lead-Proposal", "0001"), ("Lead-Step", "problem")]),
            commit("b", &[("lead-step", "Idea"), ("LEAD-PROPOSAL", "1")]),
            commit("c", &[("Lead-Proposal", "2"), ("Lead-Step", "problem")]),
        ]);
        let steps: Vec<Step> = ledger.transitions(1).iter().map(|(s, _)| *s).collect();
        assert_eq!(steps, [Step::Problem, Step::Idea]);
        assert_eq!(ledger.last_step(2), Some(Step::Problem));
        assert!(ledger.bad.is_empty());
    }

    #[test]
    fn several_proposals_in_one_block_pair_by_order() {
        let ledger = Ledger::from_commits(&[commit(
            "a",
            &[
                ("Lead-Proposal", "1"),
                ("Lead-Step", "idea"),
                ("Lead-Proposal", "2"),
                ("Lead-Step", "critique"),
            ],
        )]);
        assert_eq!(ledger.last_step(1), Some(Step::Idea));
        assert_eq!(ledger.last_step(2), Some(Step::Critique));
    }

    #[test]
    fn unreadable_trailers_are_kept_aside() {
        let ledger = Ledger::from_commits(&[
            commit("a", &[("Lead-Proposal", "x"), ("Lead-Step", "idea")]),
            commit("b", &[("Lead-Proposal", "1"), ("Lead-Step", "ideas")]),
        ]);
        assert!(ledger.events.is_empty());
        let reasons: Vec<&str> = ledger.bad.iter().map(|b| b.reason.as_str()).collect();
        assert_eq!(
            reasons,
            [
                "the value is not a proposal id",
                "no Lead-Proposal trailer names the proposal",
                "the value is not a step"
            ]
        );
    }
}

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
    /// The message between the subject and the trailer block, trimmed.
    pub body: String,
    /// The final trailer block.
    pub trailers: Vec<Trailer>,
    /// `Lead-` trailers found in the body instead of the final block (a squash merge moves
    /// them there), with their line numbers in the message.
    pub stranded: Vec<(usize, Trailer)>,
}

/// Whether a trailer key belongs to git lead (`Lead-...`, any case).
pub fn is_lead_key(key: &str) -> bool {
    key.get(..5)
        .is_some_and(|p| p.eq_ignore_ascii_case("lead-"))
}

/// The proposal ids a commit's `Lead-` trailers name, in its final block or stranded in its
/// body: every event of a proposal, and every stranded trailer
/// [`Ledger::stranded_for`] reports for it, comes from a commit that names it. So the
/// commits that name a proposal are enough to answer any question about that proposal.
pub fn named(c: &CommitInfo) -> Vec<u32> {
    let mut ids: Vec<u32> = c
        .trailers
        .iter()
        .chain(c.stranded.iter().map(|(_, t)| t))
        .filter(|t| is_lead_key(&t.key))
        .flat_map(|t| match t.key_is("Lead-Renumbered") {
            true => parse_renumbered(&t.value).map_or_else(Vec::new, |(a, b)| vec![a, b]),
            false => id::parse(&t.value).into_iter().collect(),
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// What happened to a proposal in one commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// The proposal entered this step (or ending): `Lead-Step`.
    Step(Step),
    /// The commit's author signs off: `Lead-Signoff: <id>`.
    Signoff,
    /// The commit's author takes their sign-off back: `Lead-Signoff-Withdrawn: <id>`.
    Withdraw,
    /// The commit's author raises a blocking concern: `Lead-Concern: <name>`.
    Concern(String),
    /// The commit's author resolves a concern: `Lead-Concern-Resolved: <name>`.
    Resolve(String),
    /// The commit implements the proposal: `Lead-Implements: <id>`.
    Implements,
    /// The proposal took this id, leaving `from`: `Lead-Renumbered: <from> -> <id>`. The
    /// events of `from` before it that belong to the renumbered file are this proposal's
    /// ([`Ledger::rekey`]).
    Renumbered { from: u32 },
}

/// A `Lead-Renumbered` event: proposal `from` became `to` in `commit`, the ledger's event
/// at position `at`. `names` are the file names the proposal had before, once the ops
/// layer has found them (see [`Ledger::rekey`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renumbering {
    pub commit: String,
    pub from: u32,
    pub to: u32,
    pub at: usize,
    pub names: Vec<String>,
}

/// Reads `8 -> 12`, the value of `Lead-Renumbered`.
pub fn parse_renumbered(value: &str) -> Option<(u32, u32)> {
    let (from, to) = value.split_once("->")?;
    let (from, to) = (id::parse(from.trim())?, id::parse(to.trim())?);
    (from != to).then_some((from, to))
}

/// The trailer keys git lead reads, in their canonical spelling.
pub const KEYS: [&str; 8] = [
    "Lead-Proposal",
    "Lead-Step",
    "Lead-Signoff",
    "Lead-Signoff-Withdrawn",
    "Lead-Concern",
    "Lead-Concern-Resolved",
    "Lead-Implements",
    "Lead-Renumbered",
];

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
    /// The message body: the comment of a sign-off, the reason of a concern.
    pub body: String,
}

/// A commit whose `Lead-` trailers sit in the body, where git does not read them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stranded {
    pub commit: String,
    pub line: usize,
    pub key: String,
    pub value: String,
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
    events: Vec<Event>,
    pub bad: Vec<BadTrailer>,
    pub stranded: Vec<Stranded>,
    /// The positions in `events` of each proposal's events: a history holds thousands of
    /// proposals, and every question is about one of them.
    by_proposal: std::collections::HashMap<u32, Vec<usize>>,
    /// Whether it keeps only what a listing reads (see [`Ledger::for_listing`]).
    listing: bool,
    /// The renumberings, oldest first.
    renumberings: Vec<Renumbering>,
}

/// Reads more commits, which come after every commit read so far (as a walk visits them):
/// the ledger is built as the history is read, with no list of commits in between.
impl Extend<CommitInfo> for Ledger {
    fn extend<I: IntoIterator<Item = CommitInfo>>(&mut self, commits: I) {
        let commits = commits.into_iter();
        // Most `Lead-` commits record one event.
        self.events.reserve(commits.size_hint().0);
        for commit in commits {
            self.read_commit(commit);
        }
    }
}

impl Ledger {
    /// An empty ledger that keeps, of the commits it reads, only what a listing asks of
    /// it: each proposal's first event ([`Ledger::first`]) and its transitions
    /// ([`Ledger::transitions`], [`Ledger::last_step`]); no other event and no stranded
    /// trailer. A third of the events of a history, and the memory they fill.
    pub fn for_listing() -> Ledger {
        Ledger {
            listing: true,
            ..Ledger::default()
        }
    }

    /// Reads the events of `commits`, which come oldest first.
    pub fn from_commits(commits: impl IntoIterator<Item = CommitInfo>) -> Ledger {
        let mut ledger = Ledger::default();
        ledger.extend(commits);
        ledger
    }

    fn read_commit(&mut self, mut c: CommitInfo) {
        let mut found = Vec::new();
        let stranded = if self.listing {
            &[][..]
        } else {
            &c.stranded[..]
        };
        for (line, t) in stranded {
            self.stranded.push(Stranded {
                commit: c.id.clone(),
                line: *line,
                key: t.key.clone(),
                value: t.value.clone(),
            });
        }
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
            let named = || single.or(current);
            let (proposal, kind) = if t.key_is("Lead-Proposal") {
                current = id::parse(&t.value);
                if current.is_none() {
                    self.bad.push(bad("the value is not a proposal id"));
                }
                continue;
            } else if t.key_is("Lead-Step") {
                let Some(step) = Step::parse(&t.value) else {
                    self.bad.push(bad("the value is not a step"));
                    continue;
                };
                (named(), EventKind::Step(step))
            } else if t.key_is("Lead-Signoff")
                || t.key_is("Lead-Signoff-Withdrawn")
                || t.key_is("Lead-Implements")
            {
                let Some(id) = id::parse(&t.value) else {
                    self.bad.push(bad("the value is not a proposal id"));
                    continue;
                };
                let kind = if t.key_is("Lead-Signoff") {
                    EventKind::Signoff
                } else if t.key_is("Lead-Implements") {
                    EventKind::Implements
                } else {
                    EventKind::Withdraw
                };
                (Some(id), kind)
            } else if t.key_is("Lead-Renumbered") {
                let Some((from, to)) = parse_renumbered(&t.value) else {
                    self.bad
                        .push(bad("the value is not '<old id> -> <new id>' with two ids"));
                    continue;
                };
                (Some(to), EventKind::Renumbered { from })
            } else if t.key_is("Lead-Concern") || t.key_is("Lead-Concern-Resolved") {
                let name = t.value.trim().to_string();
                if name.is_empty() {
                    self.bad.push(bad("the concern has no name"));
                    continue;
                }
                let kind = if t.key_is("Lead-Concern") {
                    EventKind::Concern(name)
                } else {
                    EventKind::Resolve(name)
                };
                (named(), kind)
            } else {
                if is_lead_key(&t.key) {
                    self.bad.push(bad("git lead does not know this trailer"));
                }
                continue;
            };
            let Some(proposal) = proposal else {
                self.bad
                    .push(bad("no Lead-Proposal trailer names the proposal"));
                continue;
            };
            found.push((proposal, kind));
        }
        // The commit's details go to its last event, copies to any before it.
        let last = found.len();
        for (k, (proposal, kind)) in found.into_iter().enumerate() {
            let step = matches!(kind, EventKind::Step(_) | EventKind::Renumbered { .. });
            if self.listing && !step && self.by_proposal.contains_key(&proposal) {
                continue;
            }
            if let EventKind::Renumbered { from } = kind {
                self.renumberings.push(Renumbering {
                    commit: c.id.clone(),
                    from,
                    to: proposal,
                    at: self.events.len(),
                    names: Vec::new(),
                });
            }
            self.by_proposal
                .entry(proposal)
                .or_default()
                .push(self.events.len());
            let (commit, author, summary, body) = match k + 1 < last {
                true => (
                    c.id.clone(),
                    c.author.clone(),
                    c.summary.clone(),
                    c.body.clone(),
                ),
                false => (
                    std::mem::take(&mut c.id),
                    Person::new(
                        std::mem::take(&mut c.author.name),
                        std::mem::take(&mut c.author.email),
                    ),
                    std::mem::take(&mut c.summary),
                    std::mem::take(&mut c.body),
                ),
            };
            let event = Event {
                proposal,
                kind,
                commit,
                author,
                time: c.time,
                offset: c.offset,
                summary,
                body,
            };
            self.events.push(event);
        }
    }

    /// The `Lead-Renumbered` events, oldest first.
    pub fn renumberings(&self) -> &[Renumbering] {
        &self.renumberings
    }

    /// The commits of the events of `r.from` before renumbering `r`: those that may have
    /// been the renumbered proposal's.
    pub fn before(&self, r: &Renumbering) -> Vec<&str> {
        self.by_proposal
            .get(&r.from)
            .into_iter()
            .flatten()
            .filter(|&&at| at < r.at)
            .filter_map(|&at| self.events.get(at))
            .map(|e| e.commit.as_str())
            .collect()
    }

    /// Gives proposal `r.to` the events of `r.from` before renumbering `r` that were
    /// recorded in `commits` (those whose tree held the renumbered file under one of its
    /// former `names`), and keeps the names with the renumbering, for the sign-offs of
    /// those events to find the version they approved.
    pub fn rekey(
        &mut self,
        r: &Renumbering,
        commits: &std::collections::HashSet<String>,
        names: Vec<String>,
    ) {
        let moved: Vec<usize> = self
            .by_proposal
            .get(&r.from)
            .into_iter()
            .flatten()
            .copied()
            .filter(|&at| {
                at < r.at
                    && self
                        .events
                        .get(at)
                        .is_some_and(|e| commits.contains(&e.commit))
            })
            .collect();
        for &at in &moved {
            if let Some(e) = self.events.get_mut(at) {
                e.proposal = r.to;
            }
        }
        if let Some(left) = self.by_proposal.get_mut(&r.from) {
            left.retain(|at| !moved.contains(at));
        }
        let to = self.by_proposal.entry(r.to).or_default();
        to.extend(moved);
        to.sort_unstable();
        if let Some(kept) = self
            .renumberings
            .iter_mut()
            .find(|k| k.commit == r.commit && k.to == r.to)
        {
            kept.names = names;
        }
    }

    /// The former ids of proposal `id` and their file names, newest first: what it was
    /// called before each renumbering into it, through chains (8 -> 12 -> 15).
    pub fn former(&self, id: u32) -> Vec<(u32, Vec<String>)> {
        let mut out = Vec::new();
        let mut current = id;
        for r in self.renumberings.iter().rev() {
            if r.to == current {
                out.push((r.from, r.names.clone()));
                current = r.from;
            }
        }
        out
    }

    /// Every event, oldest first.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// The events of one proposal, oldest first.
    pub fn of(&self, proposal: u32) -> impl Iterator<Item = &Event> {
        self.by_proposal
            .get(&proposal)
            .into_iter()
            .flatten()
            .filter_map(|&i| self.events.get(i))
    }

    /// The recorded transitions of one proposal, oldest first.
    pub fn transitions(&self, proposal: u32) -> Vec<(Step, &Event)> {
        self.of(proposal)
            .filter_map(|e| match e.kind {
                EventKind::Step(s) => Some((s, e)),
                _ => None,
            })
            .collect()
    }

    /// The step of the latest recorded transition.
    pub fn last_step(&self, proposal: u32) -> Option<Step> {
        self.transitions(proposal).last().map(|(s, _)| *s)
    }

    /// Stranded trailers of the commits whose stranded `Lead-Proposal`, `Lead-Signoff` or
    /// `Lead-Signoff-Withdrawn` names this proposal.
    pub fn stranded_for(&self, proposal: u32) -> Vec<&Stranded> {
        let names = |s: &Stranded| {
            ["Lead-Proposal", "Lead-Signoff", "Lead-Signoff-Withdrawn"]
                .iter()
                .any(|k| s.key.eq_ignore_ascii_case(k))
                && id::parse(&s.value) == Some(proposal)
        };
        let commits: Vec<&str> = self
            .stranded
            .iter()
            .filter(|s| names(s))
            .map(|s| s.commit.as_str())
            .collect();
        self.stranded
            .iter()
            .filter(|s| commits.contains(&s.commit.as_str()))
            .collect()
    }

    /// The first event of a proposal: usually the commit that proposed it.
    pub fn first(&self, proposal: u32) -> Option<&Event> {
        self.of(proposal).next()
    }

    /// The ledger of the same history without the commits `dropped`: what reading the
    /// others alone gives, when no kept commit descends from a dropped one (the ledger of
    /// a merge base from that of a tip, less the commits since: each commit's events are
    /// read on their own, and the order of an ancestor-closed part of a history is the
    /// whole order's, restricted to it).
    pub fn without(&self, dropped: &std::collections::HashSet<String>) -> Ledger {
        let mut out = Ledger {
            listing: self.listing,
            ..Ledger::default()
        };
        for event in self.events.iter().filter(|e| !dropped.contains(&e.commit)) {
            out.by_proposal
                .entry(event.proposal)
                .or_default()
                .push(out.events.len());
            if let EventKind::Renumbered { .. } = event.kind {
                let kept = self
                    .renumberings
                    .iter()
                    .find(|r| r.commit == event.commit && r.to == event.proposal);
                if let Some(r) = kept {
                    out.renumberings.push(Renumbering {
                        at: out.events.len(),
                        ..r.clone()
                    });
                }
            }
            out.events.push(event.clone());
        }
        out.bad = self
            .bad
            .iter()
            .filter(|b| !dropped.contains(&b.commit))
            .cloned()
            .collect();
        out.stranded = self
            .stranded
            .iter()
            .filter(|s| !dropped.contains(&s.commit))
            .cloned()
            .collect();
        out
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
            body: String::new(),
            stranded: Vec::new(),
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
    fn a_renumbering_moves_the_chosen_events_of_the_old_id() {
        let ledger_of = || {
            Ledger::from_commits([
                commit("a", &[("Lead-Proposal", "8"), ("Lead-Step", "problem")]),
                commit("b", &[("Lead-Proposal", "8"), ("Lead-Step", "problem")]),
                commit("c", &[("Lead-Signoff", "8")]),
                commit("d", &[("Lead-Renumbered", "8 -> 12")]),
                commit("e", &[("Lead-Signoff", "8")]),
                commit("f", &[("lead-renumbered", "12 ->12")]),
            ])
        };
        let mut ledger = ledger_of();
        assert_eq!(ledger.bad.len(), 1, "the same id twice is no renumbering");
        assert_eq!(
            named(&commit("d", &[("Lead-Renumbered", "0008 -> 12")])),
            [8, 12]
        );
        let r = ledger.renumberings()[0].clone();
        assert_eq!((r.from, r.to, r.commit.as_str()), (8, 12, "d"));
        // Events after the renumbering stay, whatever the set says.
        assert_eq!(ledger.before(&r), ["a", "b", "c"]);
        let mine: std::collections::HashSet<String> =
            ["a", "c", "e"].map(String::from).into_iter().collect();
        ledger.rekey(&r, &mine, vec!["0008-x.toml".into()]);
        let commits = |id| ledger.of(id).map(|e| e.commit.clone()).collect::<Vec<_>>();
        assert_eq!(commits(12), ["a", "c", "d"]);
        assert_eq!(commits(8), ["b", "e"]);
        assert_eq!(ledger.former(12), [(8, vec!["0008-x.toml".to_string()])]);
        // `without` keeps the renumbering where its event went.
        let dropped: std::collections::HashSet<String> = ["b".to_string()].into();
        let fewer = ledger.without(&dropped);
        assert_eq!(fewer.renumberings()[0].at, 2);
    }

    #[test]
    fn the_commits_that_name_a_proposal_answer_for_it() {
        // Random commits from pieces that matter: one or several proposals in a block,
        // events attributed to the block's proposal, bad values, stranded trailers.
        let keys: Vec<&str> = KEYS
            .into_iter()
            .chain(["lead-proposal", "Lead-Unknown", "Signed-off-by"])
            .collect();
        let values = ["1", "2", "0003", "idea", "implement", "flaky", "x", "", "9"];
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let mut commits = Vec::new();
        for i in 0..400 {
            let pairs: Vec<(&str, &str)> = (0..1 + next(4))
                .map(|_| (keys[next(keys.len())], values[next(values.len())]))
                .collect();
            let mut c = commit(&format!("c{i}"), &pairs);
            if next(5) == 0 {
                let t = Trailer {
                    key: keys[next(3)].to_string(),
                    value: values[next(values.len())].to_string(),
                };
                c.stranded.push((3, t));
            }
            commits.push(c);
        }
        let all = Ledger::from_commits(commits.clone());
        let show = |events: Vec<&Event>| format!("{events:?}");
        for p in [1, 2, 3, 9, 4] {
            let naming: Vec<CommitInfo> = commits
                .iter()
                .filter(|c| named(c).contains(&p))
                .cloned()
                .collect();
            let some = Ledger::from_commits(naming);
            assert_eq!(show(some.of(p).collect()), show(all.of(p).collect()), "{p}");
            assert_eq!(
                format!("{:?}", some.stranded_for(p)),
                format!("{:?}", all.stranded_for(p)),
                "{p}"
            );
        }
        assert!(all.of(1).count() > 10, "the sample is too thin");
        // A listing's ledger answers a listing's questions alike, with fewer events.
        let mut listing = Ledger::for_listing();
        listing.extend(commits.clone());
        for p in [1, 2, 3, 9, 4] {
            let first = |l: &Ledger| format!("{:?}", l.first(p));
            assert_eq!(first(&listing), first(&all), "{p}");
            let steps = |l: &Ledger| format!("{:?}", l.transitions(p));
            assert_eq!(steps(&listing), steps(&all), "{p}");
            assert_eq!(listing.last_step(p), all.last_step(p), "{p}");
        }
        assert!(listing.events().len() < all.events().len());
        assert!(listing.stranded.is_empty() && !all.stranded.is_empty());
        // Without the later commits, the ledger of the earlier ones alone.
        for cut in [0, 1, 150, 399, 400] {
            let later: std::collections::HashSet<String> =
                commits[cut..].iter().map(|c| c.id.clone()).collect();
            let earlier = Ledger::from_commits(commits[..cut].to_vec());
            let less = all.without(&later);
            let whole = |l: &Ledger| format!("{:?} {:?} {:?}", l.events, l.bad, l.stranded);
            assert_eq!(whole(&less), whole(&earlier), "{cut}");
            for p in [1, 2, 3, 9, 4] {
                assert_eq!(show(less.of(p).collect()), show(earlier.of(p).collect()));
            }
        }
    }

    #[test]
    fn steps_are_read_from_trailers() {
        let ledger = Ledger::from_commits([
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
    fn signoffs_name_their_own_proposal_and_concerns_the_block_s() {
        let ledger = Ledger::from_commits([
            commit("a", &[("Lead-Signoff", "0007")]),
            commit("b", &[("Lead-Proposal", "8"), ("Lead-Signoff", "7")]),
            commit(
                "c",
                &[("Lead-Proposal", "7"), ("Lead-Signoff-Withdrawn", "7")],
            ),
            commit("d", &[("Lead-Proposal", "7"), ("Lead-Concern", "cost")]),
            commit(
                "e",
                &[("Lead-Concern-Resolved", "cost"), ("Lead-Proposal", "7")],
            ),
            commit("f", &[("Lead-Signof", "7")]),
        ]);
        let kinds: Vec<&EventKind> = ledger.of(7).map(|e| &e.kind).collect();
        assert_eq!(
            kinds,
            [
                &EventKind::Signoff,
                &EventKind::Signoff,
                &EventKind::Withdraw,
                &EventKind::Concern("cost".into()),
                &EventKind::Resolve("cost".into())
            ]
        );
        assert_eq!(ledger.of(8).count(), 0);
        assert_eq!(ledger.bad[0].reason, "git lead does not know this trailer");
    }

    #[test]
    fn several_proposals_in_one_block_pair_by_order() {
        let ledger = Ledger::from_commits([commit(
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
        let ledger = Ledger::from_commits([
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

//! Who is on board: the sign-off matrix of a proposal and whether its policy holds.
//!
//! The events come from the ledger, already checked by the caller for what needs I/O: the
//! commit's signature (when the policy requires one) and whether the content a sign-off
//! approved has changed since. Everything else is decided here:
//!
//! - the signer is the commit's author (as `.mailmap` maps them), and counts only while
//!   they are a listed stakeholder of the proposal; the proposal's author never counts;
//! - the latest counted event per person wins (sign, withdraw, sign again);
//! - a concern is raised by a stakeholder (or the author) and stays open until the person
//!   who raised it resolves it, or the proposal's author resolves it with a reason;
//! - the policy holds when every required stakeholder has a current sign-off, a quorum of
//!   the stakeholders has one, and no concern is open.

use super::config::Policy;
use super::ledger::{Event, EventKind};
use super::person::Person;
use super::proposal::{Proposal, Stakeholder};

/// One event of the ledger, with what the caller found out about it.
#[derive(Debug, Clone)]
pub struct Checked {
    pub event: Event,
    /// `Ok(Some(fingerprint))` when a required signature was verified, `Ok(None)` when none
    /// is required, `Err(reason)` when the signature does not count.
    pub signature: Result<Option<String>, String>,
    /// For a sign-off: where the approved content has changed since (a commit id, or a
    /// phrase such as "uncommitted changes in the working tree"); `None` when it has not.
    pub changed_by: Option<String>,
}

/// Where a stakeholder stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    NotSigned,
    Signed {
        commit: String,
        time: i64,
        comment: String,
        /// The verified key, when signatures are required.
        key: Option<String>,
        /// Where the approved content changed since; `None` while it is current.
        changed_by: Option<String>,
    },
    Withdrawn {
        commit: String,
    },
}

/// A row of the matrix: one stakeholder.
#[derive(Debug, Clone)]
pub struct Row {
    pub key: String,
    pub who: Person,
    pub required: bool,
    /// The proposal's author: listed, but never counted.
    pub is_author: bool,
    pub standing: Standing,
}

impl Row {
    /// Whether this row counts toward the policy: a current sign-off by someone other than
    /// the author.
    pub fn counts(&self) -> bool {
        !self.is_author
            && matches!(
                &self.standing,
                Standing::Signed {
                    changed_by: None,
                    ..
                }
            )
    }
}

/// An event that does not count, and why.
#[derive(Debug, Clone)]
pub struct Rejected {
    pub commit: String,
    pub who: Person,
    /// `signoff`, `withdraw`, `concern` or `resolve`.
    pub kind: &'static str,
    pub reason: String,
}

/// A named concern and its state.
#[derive(Debug, Clone)]
pub struct Concern {
    pub name: String,
    pub raised_by: Person,
    pub commit: String,
    pub reason: String,
    /// Who resolved it and in which commit; `None` while open.
    pub resolved: Option<(Person, String)>,
}

/// One rule of the policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// `required`, `quorum` or `concerns`.
    pub id: &'static str,
    pub holds: bool,
    pub detail: String,
}

/// Everything `git lead signoffs` shows.
#[derive(Debug, Clone)]
pub struct Matrix {
    pub rows: Vec<Row>,
    pub rejected: Vec<Rejected>,
    pub concerns: Vec<Concern>,
    pub rules: Vec<Rule>,
    /// Stakeholders who count toward the quorum (all but the author), signed, needed.
    pub eligible: usize,
    pub signed: usize,
    pub needed: usize,
}

impl Matrix {
    /// Whether every rule holds.
    pub fn holds(&self) -> bool {
        self.rules.iter().all(|r| r.holds)
    }

    /// Concerns still open.
    pub fn open_concerns(&self) -> impl Iterator<Item = &Concern> {
        self.concerns.iter().filter(|c| c.resolved.is_none())
    }

    /// The commits of the sign-offs that stand in the end, one at most per stakeholder.
    /// Which ones stand does not depend on [`Checked::changed_by`]; it only marks them
    /// current or not. So a caller may find out whether the approved content changed for
    /// these alone, then evaluate again.
    pub fn standing_signoffs(&self) -> impl Iterator<Item = &str> {
        self.rows.iter().filter_map(|r| match &r.standing {
            Standing::Signed { commit, .. } => Some(commit.as_str()),
            _ => None,
        })
    }
}

/// Whether two versions of a proposal say the same thing, the `step` and the `id` aside:
/// what decides whether a sign-off is still current.
pub fn same_content(a: &Proposal, b: &Proposal) -> bool {
    // Field by field rather than on a copy with the step set: a check compares thousands
    // of versions. Every field is named, so a new one cannot be left out.
    // The id aside too: a renumbering does not change what was approved.
    let Proposal {
        id: _,
        title,
        author,
        created,
        area,
        step: _,
        problem,
        ideas,
        objections,
        critiques,
        chosen,
        why,
        stakeholders,
        feedback,
        plan,
        closing,
    } = a;
    *title == b.title
        && *author == b.author
        && *created == b.created
        && *area == b.area
        && *problem == b.problem
        && *ideas == b.ideas
        && *objections == b.objections
        && *critiques == b.critiques
        && *chosen == b.chosen
        && *why == b.why
        && *stakeholders == b.stakeholders
        && *feedback == b.feedback
        && *plan == b.plan
        && *closing == b.closing
}

/// Builds the matrix of `roster` (the proposal whose stakeholders are trusted) from its
/// checked events, oldest first.
pub fn evaluate(roster: &Proposal, events: &[Checked], policy: &Policy) -> Matrix {
    let author = &roster.author;
    let mut rows: Vec<Row> = roster
        .stakeholders
        .iter()
        .map(|s| Row {
            key: s.key.clone(),
            who: s.who.clone(),
            required: s.required,
            is_author: s.who.same_email(author),
            standing: Standing::NotSigned,
        })
        .collect();
    let mut rejected = Vec::new();
    let mut concerns: Vec<Concern> = Vec::new();
    for checked in events {
        let e = &checked.event;
        let kind = match &e.kind {
            EventKind::Signoff => "signoff",
            EventKind::Withdraw => "withdraw",
            EventKind::Concern(_) => "concern",
            EventKind::Resolve(_) => "resolve",
            EventKind::Step(_) | EventKind::Implements | EventKind::Renumbered { .. } => continue,
        };
        let reject = |reason: String| Rejected {
            commit: e.commit.clone(),
            who: e.author.clone(),
            kind,
            reason,
        };
        let stakeholder = find(&roster.stakeholders, &e.author);
        let is_author = e.author.same_email(author);
        if stakeholder.is_none() && !is_author {
            rejected.push(reject(format!(
                "{} is not a stakeholder of proposal {}",
                e.author, roster.id
            )));
            continue;
        }
        if let Err(reason) = &checked.signature {
            rejected.push(reject(reason.clone()));
            continue;
        }
        match &e.kind {
            EventKind::Signoff | EventKind::Withdraw if is_author => {
                rejected.push(reject(format!(
                    "{} wrote proposal {}; the author's own sign-off never counts",
                    e.author, roster.id
                )));
            }
            EventKind::Signoff | EventKind::Withdraw => {
                let Some(row) = rows.iter_mut().find(|r| r.who.same_email(&e.author)) else {
                    continue;
                };
                row.standing = if e.kind == EventKind::Signoff {
                    Standing::Signed {
                        commit: e.commit.clone(),
                        time: e.time,
                        comment: e.body.clone(),
                        key: checked.signature.clone().ok().flatten(),
                        changed_by: checked.changed_by.clone(),
                    }
                } else {
                    Standing::Withdrawn {
                        commit: e.commit.clone(),
                    }
                };
            }
            EventKind::Concern(name) => {
                if concerns
                    .iter()
                    .any(|c| c.name == *name && c.resolved.is_none())
                {
                    rejected.push(reject(format!("concern '{name}' is already open")));
                    continue;
                }
                concerns.retain(|c| c.name != *name);
                concerns.push(Concern {
                    name: name.clone(),
                    raised_by: e.author.clone(),
                    commit: e.commit.clone(),
                    reason: e.body.clone(),
                    resolved: None,
                });
            }
            EventKind::Resolve(name) => {
                let Some(open) = concerns
                    .iter_mut()
                    .find(|c| c.name == *name && c.resolved.is_none())
                else {
                    rejected.push(reject(format!("no open concern is named '{name}'")));
                    continue;
                };
                let by_raiser = open.raised_by.same_email(&e.author);
                let by_author_with_reason = is_author && !e.body.trim().is_empty();
                if by_raiser || by_author_with_reason {
                    open.resolved = Some((e.author.clone(), e.commit.clone()));
                } else {
                    rejected.push(reject(format!(
                        "only {} (who raised it) or the author, with a reason, may resolve \
                         concern '{name}'",
                        open.raised_by
                    )));
                }
            }
            EventKind::Step(_) | EventKind::Implements | EventKind::Renumbered { .. } => {}
        }
    }
    let eligible = rows.iter().filter(|r| !r.is_author).count();
    let signed = rows.iter().filter(|r| r.counts()).count();
    let needed = policy.quorum.needed(eligible);
    let rules = rules(&rows, &concerns, policy, eligible, signed, needed);
    Matrix {
        rows,
        rejected,
        concerns,
        rules,
        eligible,
        signed,
        needed,
    }
}

fn find<'a>(stakeholders: &'a [Stakeholder], who: &Person) -> Option<&'a Stakeholder> {
    stakeholders.iter().find(|s| s.who.same_email(who))
}

fn rules(
    rows: &[Row],
    concerns: &[Concern],
    policy: &Policy,
    eligible: usize,
    signed: usize,
    needed: usize,
) -> Vec<Rule> {
    let missing: Vec<String> = rows
        .iter()
        .filter(|r| r.required && !r.is_author && !r.counts())
        .map(|r| format!("{} ({})", r.key, why_not(&r.standing)))
        .collect();
    let required = Rule {
        id: "required",
        holds: missing.is_empty(),
        detail: if missing.is_empty() {
            "every required stakeholder has signed off".into()
        } else {
            format!("not signed off by required {}", missing.join(", "))
        },
    };
    let quorum = Rule {
        id: "quorum",
        holds: eligible > 0 && signed >= needed,
        detail: if eligible == 0 {
            "there are no stakeholders besides the author".into()
        } else {
            format!(
                "{signed} of {eligible} stakeholders signed off; {needed} needed ({})",
                policy.quorum
            )
        },
    };
    let open: Vec<&str> = concerns
        .iter()
        .filter(|c| c.resolved.is_none())
        .map(|c| c.name.as_str())
        .collect();
    let concerns = Rule {
        id: "concerns",
        holds: open.is_empty(),
        detail: if open.is_empty() {
            "no concern is open".into()
        } else {
            format!("open: {}", open.join(", "))
        },
    };
    vec![required, quorum, concerns]
}

/// Why a row does not count, in a few words.
pub fn why_not(standing: &Standing) -> String {
    match standing {
        Standing::NotSigned => "has not signed off".into(),
        Standing::Withdrawn { commit } => format!("withdrew in {}", short(commit)),
        Standing::Signed {
            changed_by: Some(by),
            commit,
            ..
        } => format!(
            "sign-off {} is stale: changed {}",
            short(commit),
            describe_change(by)
        ),
        Standing::Signed { .. } => "signed off".into(),
    }
}

/// "in commit abc1234" for an id, the phrase itself otherwise.
pub fn describe_change(by: &str) -> String {
    if by.len() == 40 && by.bytes().all(|b| b.is_ascii_hexdigit()) {
        format!("in commit {}", short(by))
    } else {
        by.to_string()
    }
}

fn short(id: &str) -> &str {
    id.get(..7).unwrap_or(id)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::model::config::{Config, Quorum};

    fn roster() -> Proposal {
        Proposal::parse(
            "schema = 1\nid = 7\ntitle = \"T\"\nauthor = \"Ada <ada@example.com>\"\nstep = \"socialize\"\n\
             [stakeholders.ada]\nwho = \"Ada <ada@example.com>\"\n\
             [stakeholders.bo]\nwho = \"Bo <bo@example.com>\"\nrequired = true\n\
             [stakeholders.cy]\nwho = \"Cy <cy@example.com>\"\n\
             [stakeholders.di]\nwho = \"Di <di@example.com>\"\n",
        )
        .unwrap()
    }

    fn event(commit: &str, who: &str, kind: EventKind) -> Checked {
        let name = who.split('@').next().unwrap();
        Checked {
            event: Event {
                proposal: 7,
                kind,
                commit: commit.to_string(),
                author: Person::new(name, who),
                time: 0,
                offset: 0,
                summary: String::new(),
                body: String::new(),
            },
            signature: Ok(None),
            changed_by: None,
        }
    }

    fn policy() -> Policy {
        Config::default().signoff
    }

    #[test]
    fn only_the_standing_signoffs_need_to_know_whether_they_are_current() {
        let events = vec![
            event("c1", "bo@example.com", EventKind::Signoff),
            event("c2", "cy@example.com", EventKind::Signoff),
            event("c3", "bo@example.com", EventKind::Signoff),
            // Not a stakeholder, and the author: both rejected.
            event("c4", "zed@example.com", EventKind::Signoff),
            event("c5", "ada@example.com", EventKind::Signoff),
            event("c6", "di@example.com", EventKind::Signoff),
            event("c7", "di@example.com", EventKind::Withdraw),
        ];
        let unjudged = evaluate(&roster(), &events, &policy());
        let standing: Vec<&str> = unjudged.standing_signoffs().collect();
        assert_eq!(standing, ["c3", "c2"]);
        // Marking every other sign-off changed leaves the matrix as it was.
        let mut others = events.clone();
        for e in others
            .iter_mut()
            .filter(|e| !standing.contains(&&*e.event.commit))
        {
            e.changed_by = Some("c9".into());
        }
        let m = evaluate(&roster(), &others, &policy());
        assert_eq!(format!("{m:?}"), format!("{unjudged:?}"));
        // Marking a standing one changed does not move what stands; it stops counting.
        others[2].changed_by = Some("c9".into());
        let m = evaluate(&roster(), &others, &policy());
        assert_eq!(m.standing_signoffs().collect::<Vec<_>>(), standing);
        assert_eq!((m.signed, unjudged.signed), (1, 2));
    }

    #[test]
    fn the_policy_needs_required_quorum_and_no_open_concern() {
        let events = vec![
            event("c1", "bo@example.com", EventKind::Signoff),
            event("c2", "cy@example.com", EventKind::Signoff),
        ];
        let m = evaluate(&roster(), &events, &policy());
        assert_eq!((m.eligible, m.signed, m.needed), (3, 2, 2));
        assert!(m.holds(), "{:?}", m.rules);

        let m = evaluate(&roster(), &events[1..], &policy());
        assert_eq!(
            m.rules[0].detail,
            "not signed off by required bo (has not signed off)"
        );
        assert!(!m.rules[0].holds && !m.rules[1].holds && m.rules[2].holds);

        let mut all = policy();
        all.quorum = Quorum::Fraction(1, 1);
        let m = evaluate(&roster(), &events, &all);
        assert_eq!(
            m.rules[1].detail,
            "2 of 3 stakeholders signed off; 3 needed (all)"
        );
        assert!(!m.holds());
        let mut two = policy();
        two.quorum = Quorum::Count(2);
        let m = evaluate(&roster(), &events, &two);
        assert_eq!(
            m.rules[1].detail,
            "2 of 3 stakeholders signed off; 2 needed (at least 2)"
        );
    }

    #[test]
    fn the_latest_event_per_person_wins() {
        let events = vec![
            event("c1", "bo@example.com", EventKind::Signoff),
            event("c2", "bo@example.com", EventKind::Withdraw),
        ];
        let m = evaluate(&roster(), &events, &policy());
        assert_eq!(
            m.rows[1].standing,
            Standing::Withdrawn {
                commit: "c2".into()
            }
        );
        let mut again = events.clone();
        again.push(event("c3", "bo@example.com", EventKind::Signoff));
        let m = evaluate(&roster(), &again, &policy());
        assert!(m.rows[1].counts());
    }

    #[test]
    fn outsiders_the_author_bad_signatures_and_stale_content_do_not_count() {
        let mut forged = event("c3", "di@example.com", EventKind::Signoff);
        forged.signature = Err("the commit is not signed".into());
        let mut stale = event("c4", "cy@example.com", EventKind::Signoff);
        stale.changed_by = Some("f".repeat(40));
        let events = vec![
            event("c1", "mallory@example.com", EventKind::Signoff),
            event("c2", "ada@example.com", EventKind::Signoff),
            forged,
            stale,
        ];
        let m = evaluate(&roster(), &events, &policy());
        let reasons: Vec<&str> = m.rejected.iter().map(|r| r.reason.as_str()).collect();
        assert_eq!(
            reasons,
            [
                "mallory <mallory@example.com> is not a stakeholder of proposal 7",
                "ada <ada@example.com> wrote proposal 7; the author's own sign-off never counts",
                "the commit is not signed",
            ]
        );
        assert_eq!(m.signed, 0);
        assert_eq!(
            why_not(&m.rows[2].standing),
            "sign-off c4 is stale: changed in commit fffffff"
        );
    }

    #[test]
    fn concerns_are_resolved_by_their_raiser_or_the_author_with_a_reason() {
        let mut events = vec![
            event("c1", "bo@example.com", EventKind::Signoff),
            event("c2", "cy@example.com", EventKind::Signoff),
            event("c3", "di@example.com", EventKind::Concern("cost".into())),
            event("c4", "cy@example.com", EventKind::Resolve("cost".into())),
            event("c5", "ada@example.com", EventKind::Resolve("cost".into())),
        ];
        let m = evaluate(&roster(), &events, &policy());
        assert!(!m.holds());
        assert_eq!(m.rules[2].detail, "open: cost");
        assert!(m.rejected[0].reason.contains("only di <di@example.com>"));
        assert!(m.rejected[1].reason.contains("with a reason"));
        events[4].event.body = "Budget approved by finance".into();
        let m = evaluate(&roster(), &events, &policy());
        assert!(m.holds(), "{:?}", m.rules);
        events.push(event(
            "c6",
            "di@example.com",
            EventKind::Concern("cost".into()),
        ));
        assert!(!evaluate(&roster(), &events, &policy()).holds());
    }

    #[test]
    fn content_compares_without_the_step_or_the_id() {
        use crate::model::proposal::{Answer, Critique, Feedback, Idea};
        let a = roster();
        let mut b = a.clone();
        b.step = crate::model::step::Step::Implement;
        assert!(same_content(&a, &b));
        // A renumbered proposal says the same thing.
        b.id += 11;
        assert!(same_content(&a, &b));
        // A change to any other field is a change of content.
        type Change = (&'static str, fn(&mut Proposal));
        let changes: Vec<Change> = vec![
            ("title", |p| p.title.push('!')),
            ("author", |p| p.author.email.push('x')),
            ("created", |p| p.created.push('x')),
            ("area", |p| p.area.push('x')),
            ("problem", |p| p.problem.affected.push('x')),
            ("ideas", |p| {
                p.ideas.push(Idea {
                    id: "I9".into(),
                    summary: "s".into(),
                });
            }),
            ("objections", |p| p.objections.push("o".into())),
            ("critiques", |p| {
                p.critiques.push(Critique {
                    idea: "I9".into(),
                    verdict: None,
                    reason: String::new(),
                });
            }),
            ("chosen", |p| p.chosen.push('x')),
            ("why", |p| p.why.push('x')),
            ("stakeholders", |p| {
                p.stakeholders.pop();
            }),
            ("feedback", |p| {
                p.feedback.push(Feedback {
                    id: "F9".into(),
                    from: Person::new("Fa", "fa@example.com"),
                    date: "2026-01-01".into(),
                    text: "t".into(),
                    answer: Answer::Open,
                });
            }),
            ("plan", |p| p.plan.push('x')),
            ("closing", |p| p.closing.superseded_by = Some(9)),
        ];
        for (field, change) in changes {
            let mut c = b.clone();
            change(&mut c);
            assert!(!same_content(&a, &c), "{field}");
        }
    }
}

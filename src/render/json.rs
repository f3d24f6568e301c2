//! JSON views: types of their own, separate from the model, each with a `schema` number.

use std::io::{self, Write};

use serde::Serialize;

use crate::model::check::Finding;
use crate::model::diff::FeedbackKind;
use crate::model::gate::Gate;
use crate::model::ledger::{Event, EventKind};
use crate::model::person::Person;
use crate::model::proposal::{Answer, Proposal};
use crate::model::signoff::{Row, Standing};
use crate::model::util;
use crate::ops::query::{Detail, Entry, Listing};
use crate::ops::signoffs::Report;

/// The version of every JSON document git lead prints. Fields are only ever added within a
/// schema; a removal or a change of meaning bumps it.
pub const SCHEMA: u32 = 1;

#[derive(Serialize)]
struct PersonView<'a> {
    name: &'a str,
    email: &'a str,
}

fn person(p: &Person) -> PersonView<'_> {
    PersonView {
        name: &p.name,
        email: &p.email,
    }
}

#[derive(Serialize)]
struct FindingView<'a> {
    code: &'a str,
    proposal: u32,
    field: Option<&'a str>,
    commit: Option<&'a str>,
    message: &'a str,
}

fn finding(f: &Finding) -> FindingView<'_> {
    FindingView {
        code: f.code,
        proposal: f.proposal.unwrap_or(0),
        field: f.field.as_deref(),
        commit: f.commit.as_deref(),
        message: &f.message,
    }
}

#[derive(Serialize)]
struct EventView<'a> {
    commit: &'a str,
    author: PersonView<'a>,
    time: i64,
    date: String,
    kind: &'a str,
    step: Option<&'a str>,
    concern: Option<&'a str>,
    feedback: Option<&'a str>,
    /// The former id, for a `renumbered` event.
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<u32>,
    summary: String,
    body: &'a str,
}

fn event(e: &Event) -> EventView<'_> {
    let (kind, step, concern) = match &e.kind {
        EventKind::Step(s) => ("step", Some(s.as_str()), None),
        EventKind::Signoff => ("signoff", None, None),
        EventKind::Withdraw => ("withdraw", None, None),
        EventKind::Concern(name) => ("concern", None, Some(name.as_str())),
        EventKind::Resolve(name) => ("resolve", None, Some(name.as_str())),
        EventKind::Implements => ("implements", None, None),
        EventKind::Renumbered { .. } => ("renumbered", None, None),
    };
    let from = match e.kind {
        EventKind::Renumbered { from } => Some(from),
        _ => None,
    };
    EventView {
        commit: &e.commit,
        author: person(&e.author),
        time: e.time,
        date: util::date_time(e.time, e.offset),
        kind,
        step,
        concern,
        feedback: None,
        from,
        summary: e.summary.clone(),
        body: &e.body,
    }
}

#[derive(Serialize)]
struct ListView<'a> {
    schema: u32,
    proposals: Vec<RowView<'a>>,
    broken: Vec<BrokenView<'a>>,
    duplicates: Vec<DuplicateView<'a>>,
    deleted: &'a [String],
}

#[derive(Serialize)]
struct RowView<'a> {
    id: u32,
    title: &'a str,
    step: &'a str,
    step_number: Option<usize>,
    author: PersonView<'a>,
    file: &'a str,
    proposed_at: Option<i64>,
    findings: Vec<FindingView<'a>>,
}

#[derive(Serialize)]
struct BrokenView<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    message: &'a str,
}

#[derive(Serialize)]
struct DuplicateView<'a> {
    id: u32,
    files: &'a [String],
}

/// `list --json`.
pub fn list(out: &mut dyn Write, l: &Listing) -> io::Result<()> {
    let view = ListView {
        schema: SCHEMA,
        proposals: l
            .rows
            .iter()
            .map(|r| RowView {
                id: r.proposal.id,
                title: &r.proposal.title,
                step: r.proposal.step.as_str(),
                step_number: r.proposal.step.number(),
                author: person(&r.proposal.author),
                file: &r.rel,
                proposed_at: r.since,
                findings: r.findings.iter().map(finding).collect(),
            })
            .collect(),
        broken: l
            .broken
            .iter()
            .map(|(file, e)| BrokenView {
                file,
                line: e.line,
                column: e.column,
                message: &e.message,
            })
            .collect(),
        duplicates: l
            .duplicates
            .iter()
            .map(|(id, files)| DuplicateView { id: *id, files })
            .collect(),
        deleted: &l.deleted,
    };
    write(out, &view)
}

#[derive(Serialize)]
struct ShowView<'a> {
    schema: u32,
    file: &'a str,
    id: u32,
    title: &'a str,
    author: PersonView<'a>,
    created: &'a str,
    area: &'a str,
    step: &'a str,
    step_number: Option<usize>,
    steps: Vec<StepView<'a>>,
    problem: ProblemView<'a>,
    ideas: Vec<IdeaView<'a>>,
    objections: &'a [String],
    chosen: &'a str,
    why: &'a str,
    stakeholders: Vec<StakeholderView<'a>>,
    feedback: Vec<FeedbackView<'a>>,
    plan: &'a str,
    closing_reason: &'a str,
    superseded_by: Option<u32>,
    findings: Vec<FindingView<'a>>,
    events: Vec<EventView<'a>>,
    signoffs: SignoffSummaryView<'a>,
}

#[derive(Serialize)]
struct SignoffSummaryView<'a> {
    /// Whether the sign-off policy holds; `None` when it cannot be evaluated.
    holds: Option<bool>,
    eligible: usize,
    signed: usize,
    needed: usize,
    open_concerns: Vec<&'a str>,
    error: Option<String>,
}

#[derive(Serialize)]
struct StepView<'a> {
    step: &'a str,
    number: Option<usize>,
    complete: bool,
    /// "complete", "missing" or "unavailable".
    state: &'a str,
    missing: Vec<MissingView<'a>>,
}

#[derive(Serialize)]
struct MissingView<'a> {
    field: &'a str,
    need: &'a str,
}

#[derive(Serialize)]
struct ProblemView<'a> {
    statement: &'a str,
    affected: &'a str,
}

#[derive(Serialize)]
struct IdeaView<'a> {
    id: &'a str,
    summary: &'a str,
    verdict: Option<&'a str>,
    reason: Option<&'a str>,
}

#[derive(Serialize)]
struct StakeholderView<'a> {
    key: &'a str,
    who: PersonView<'a>,
    role: &'a str,
    perspective: &'a str,
    required: bool,
    pain: &'a str,
    pitch: &'a str,
}

#[derive(Serialize)]
struct FeedbackView<'a> {
    id: &'a str,
    from: PersonView<'a>,
    date: &'a str,
    text: &'a str,
    status: &'a str,
    answer: &'a str,
}

/// `show --json`.
pub fn show(out: &mut dyn Write, d: &Detail) -> io::Result<()> {
    let p: &Proposal = &d.proposal;
    let view = ShowView {
        schema: SCHEMA,
        file: &d.rel,
        id: p.id,
        title: &p.title,
        author: person(&p.author),
        created: &p.created,
        area: &p.area,
        step: p.step.as_str(),
        step_number: p.step.number(),
        steps: d
            .gates
            .iter()
            .map(|(step, gate)| StepView {
                step: step.as_str(),
                number: step.number(),
                complete: gate.is_complete(),
                state: match gate {
                    Gate::Complete => "complete",
                    Gate::Missing(_) => "missing",
                },
                missing: match gate {
                    Gate::Missing(m) => m
                        .iter()
                        .map(|m| MissingView {
                            field: &m.field,
                            need: &m.need,
                        })
                        .collect(),
                    _ => Vec::new(),
                },
            })
            .collect(),
        problem: ProblemView {
            statement: &p.problem.statement,
            affected: &p.problem.affected,
        },
        ideas: p
            .ideas
            .iter()
            .map(|i| {
                let c = p.critique(&i.id);
                IdeaView {
                    id: &i.id,
                    summary: &i.summary,
                    verdict: c.and_then(|c| c.verdict).map(|v| v.as_str()),
                    reason: c.map(|c| c.reason.as_str()),
                }
            })
            .collect(),
        objections: &p.objections,
        chosen: &p.chosen,
        why: &p.why,
        stakeholders: p
            .stakeholders
            .iter()
            .map(|s| StakeholderView {
                key: &s.key,
                who: person(&s.who),
                role: &s.role,
                perspective: &s.perspective,
                required: s.required,
                pain: &s.pain,
                pitch: &s.pitch,
            })
            .collect(),
        feedback: p
            .feedback
            .iter()
            .map(|f| {
                let (status, answer) = match &f.answer {
                    Answer::Open => ("open", ""),
                    Answer::Incorporated(a) => ("incorporated", a.as_str()),
                    Answer::Declined(a) => ("declined", a.as_str()),
                };
                FeedbackView {
                    id: &f.id,
                    from: person(&f.from),
                    date: &f.date,
                    text: &f.text,
                    status,
                    answer,
                }
            })
            .collect(),
        plan: &p.plan,
        closing_reason: &p.closing.reason,
        superseded_by: p.closing.superseded_by,
        findings: d.findings.iter().map(finding).collect(),
        events: d.events.iter().map(event).collect(),
        signoffs: match &d.signoffs {
            Ok(m) => SignoffSummaryView {
                holds: Some(m.holds()),
                eligible: m.eligible,
                signed: m.signed,
                needed: m.needed,
                open_concerns: m.open_concerns().map(|c| c.name.as_str()).collect(),
                error: None,
            },
            Err(e) => SignoffSummaryView {
                holds: None,
                eligible: 0,
                signed: 0,
                needed: 0,
                open_concerns: Vec::new(),
                error: Some(e.clone()),
            },
        },
    };
    write(out, &view)
}

#[derive(Serialize)]
struct LogView<'a> {
    schema: u32,
    proposal: u32,
    events: Vec<EventView<'a>>,
}

/// `log --json`.
pub fn log(out: &mut dyn Write, id: u32, entries: &[Entry]) -> io::Result<()> {
    let events = entries
        .iter()
        .map(|entry| match entry {
            Entry::Ledger(e) => event(e),
            Entry::Feedback(f) => {
                let (kind, answer) = match &f.kind {
                    FeedbackKind::Given => ("feedback-given", None),
                    FeedbackKind::Answered { status, answer } => {
                        ("feedback-answered", Some(format!("{status}: {answer}")))
                    }
                    FeedbackKind::Reopened => ("feedback-reopened", None),
                };
                EventView {
                    commit: &f.commit,
                    author: person(&f.author),
                    time: f.time,
                    date: util::date_time(f.time, f.offset),
                    kind,
                    step: None,
                    concern: None,
                    feedback: Some(&f.id),
                    from: None,
                    summary: answer.unwrap_or_else(|| f.text.clone()),
                    body: "",
                }
            }
        })
        .collect();
    write(
        out,
        &LogView {
            schema: SCHEMA,
            proposal: id,
            events,
        },
    )
}

fn write(out: &mut dyn Write, value: &impl Serialize) -> io::Result<()> {
    // `From` keeps the kind of an I/O error (a closed pipe stays `BrokenPipe`).
    serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::from)?;
    writeln!(out)
}

#[derive(Serialize)]
struct SignoffsView<'a> {
    schema: u32,
    proposal: u32,
    title: &'a str,
    file: &'a str,
    base: Option<&'a str>,
    policy: PolicyView<'a>,
    holds: bool,
    eligible: usize,
    signed: usize,
    needed: usize,
    stakeholders: Vec<SignoffRowView<'a>>,
    concerns: Vec<ConcernView<'a>>,
    rejected: Vec<RejectedView<'a>>,
    rules: Vec<RuleView<'a>>,
    stranded: Vec<StrandedView<'a>>,
}

#[derive(Serialize)]
struct PolicyView<'a> {
    quorum: String,
    require_signed: bool,
    allowed_signers: &'a str,
}

#[derive(Serialize)]
struct SignoffRowView<'a> {
    key: &'a str,
    who: PersonView<'a>,
    required: bool,
    is_author: bool,
    /// `not-signed`, `signed` or `withdrawn`.
    state: &'a str,
    counts: bool,
    current: Option<bool>,
    changed_by: Option<&'a str>,
    verified_key: Option<&'a str>,
    commit: Option<&'a str>,
    comment: Option<&'a str>,
}

#[derive(Serialize)]
struct ConcernView<'a> {
    name: &'a str,
    raised_by: PersonView<'a>,
    commit: &'a str,
    reason: &'a str,
    open: bool,
    resolved_by: Option<PersonView<'a>>,
    resolved_in: Option<&'a str>,
}

#[derive(Serialize)]
struct RejectedView<'a> {
    commit: &'a str,
    who: PersonView<'a>,
    kind: &'a str,
    reason: &'a str,
}

#[derive(Serialize)]
struct RuleView<'a> {
    id: &'a str,
    holds: bool,
    detail: &'a str,
}

#[derive(Serialize)]
struct StrandedView<'a> {
    commit: &'a str,
    line: usize,
    key: &'a str,
    value: &'a str,
}

/// `signoffs --json`.
pub fn signoffs(out: &mut dyn Write, r: &Report) -> io::Result<()> {
    let m = &r.matrix;
    let view = SignoffsView {
        schema: SCHEMA,
        proposal: r.proposal.id,
        title: &r.proposal.title,
        file: &r.rel,
        base: r.base.as_deref(),
        policy: PolicyView {
            quorum: r.policy.quorum.to_string(),
            require_signed: r.policy.require_signed,
            allowed_signers: &r.policy.allowed_signers,
        },
        holds: m.holds(),
        eligible: m.eligible,
        signed: m.signed,
        needed: m.needed,
        stakeholders: m.rows.iter().map(signoff_row).collect(),
        concerns: m
            .concerns
            .iter()
            .map(|c| ConcernView {
                name: &c.name,
                raised_by: person(&c.raised_by),
                commit: &c.commit,
                reason: &c.reason,
                open: c.resolved.is_none(),
                resolved_by: c.resolved.as_ref().map(|(p, _)| person(p)),
                resolved_in: c.resolved.as_ref().map(|(_, commit)| commit.as_str()),
            })
            .collect(),
        rejected: m
            .rejected
            .iter()
            .map(|x| RejectedView {
                commit: &x.commit,
                who: person(&x.who),
                kind: x.kind,
                reason: &x.reason,
            })
            .collect(),
        rules: m
            .rules
            .iter()
            .map(|rule| RuleView {
                id: rule.id,
                holds: rule.holds,
                detail: &rule.detail,
            })
            .collect(),
        stranded: r
            .stranded
            .iter()
            .map(|s| StrandedView {
                commit: &s.commit,
                line: s.line,
                key: &s.key,
                value: &s.value,
            })
            .collect(),
    };
    write(out, &view)
}

fn signoff_row(row: &Row) -> SignoffRowView<'_> {
    let mut view = SignoffRowView {
        key: &row.key,
        who: person(&row.who),
        required: row.required,
        is_author: row.is_author,
        state: "not-signed",
        counts: row.counts(),
        current: None,
        changed_by: None,
        verified_key: None,
        commit: None,
        comment: None,
    };
    match &row.standing {
        Standing::NotSigned => {}
        Standing::Withdrawn { commit } => {
            view.state = "withdrawn";
            view.commit = Some(commit);
        }
        Standing::Signed {
            commit,
            comment,
            key,
            changed_by,
            ..
        } => {
            view.state = "signed";
            view.commit = Some(commit);
            view.comment = Some(comment);
            view.verified_key = key.as_deref();
            view.current = Some(changed_by.is_none());
            view.changed_by = changed_by.as_deref();
        }
    }
    view
}

#[derive(Serialize)]
struct InboxView<'a> {
    schema: u32,
    who: String,
    items: Vec<InboxItemView<'a>>,
}

#[derive(Serialize)]
struct InboxItemView<'a> {
    proposal: u32,
    title: &'a str,
    step: &'static str,
    kind: &'a str,
    what: &'a str,
    /// ISO 8601, UTC.
    since: Option<String>,
    command: &'a str,
}

/// `inbox --json`.
pub fn inbox(out: &mut dyn Write, i: &crate::ops::inbox::Inbox) -> io::Result<()> {
    let view = InboxView {
        schema: SCHEMA,
        who: i.who.to_string(),
        items: i
            .items
            .iter()
            .map(|t| InboxItemView {
                proposal: t.proposal,
                title: &t.title,
                step: t.step.as_str(),
                kind: t.kind,
                what: &t.what,
                since: t.since.map(util::iso_time),
                command: &t.command,
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &view).map_err(io::Error::from)?;
    writeln!(out)
}

//! The review report: Markdown fit for a pull-request comment (a summary first, details
//! folded in `<details>`, no terminal colour), and JSON.

use std::io::{self, Write};

use serde::Serialize;

use crate::model::diff::{words, Change, FeedbackEvent, FeedbackKind, Kind, Span};
use crate::model::ledger::{Event, EventKind};
use crate::ops::review::{ProposalReview, Review};

use super::diff::{change_view, entry_value, ChangeView};
use super::json::SCHEMA;

fn short(id: &str) -> &str {
    id.get(..7).unwrap_or(id)
}

/// Escapes text for Markdown (and the HTML that Markdown lets through).
fn md(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' => out.push(' '),
            '\\' | '*' | '_' | '~' | '`' | '[' | ']' | '|' | '#' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

fn step_move(r: &ProposalReview) -> String {
    match (r.step_before, r.step_after) {
        (Some(a), Some(b)) if a != b => format!("{a} → {b}"),
        (_, Some(b)) => b.to_string(),
        (Some(a), None) => format!("{a} (removed)"),
        (None, None) => "-".into(),
    }
}

fn feedback_counts(r: &ProposalReview) -> String {
    let given = r
        .feedback
        .iter()
        .filter(|f| f.kind == FeedbackKind::Given)
        .count();
    let answered = r
        .feedback
        .iter()
        .filter(|f| matches!(f.kind, FeedbackKind::Answered { .. }))
        .count();
    match (given, answered) {
        (0, 0) => "-".into(),
        (g, a) => format!("{g} given, {a} answered"),
    }
}

fn signoff_cell(r: &ProposalReview) -> String {
    if r.step_after.is_none() || r.error.is_some() {
        return "-".into();
    }
    let mark = if r.policy_holds {
        "holds"
    } else {
        "does not hold"
    };
    format!(
        "{} of {} ({} needed), {mark}",
        r.signed, r.eligible, r.needed
    )
}

/// The Markdown report.
pub fn markdown(out: &mut dyn Write, r: &Review) -> io::Result<()> {
    writeln!(out, "### git lead review\n")?;
    if !r.findings.is_empty() {
        writeln!(
            out,
            "**Who counts:** this pull request changes what decides it; the base's is used.\n"
        )?;
        for f in &r.findings {
            writeln!(out, "- `{}` {}", f.code, md(&f.message))?;
        }
        writeln!(out)?;
    }
    if r.proposals.is_empty() {
        writeln!(
            out,
            "No proposal was touched between `{}` (merge base with `{}`) and `{}`.",
            short(&r.merge_base),
            r.base,
            short(&r.head)
        )?;
        return Ok(());
    }
    let count = r.proposals.len();
    let plural = if count == 1 { "proposal" } else { "proposals" };
    writeln!(
        out,
        "The {} commit(s) between `{}` (merge base with `{}`) and `{}` touched **{count} {plural}**.\n",
        r.commits,
        short(&r.merge_base),
        r.base,
        short(&r.head)
    )?;
    writeln!(
        out,
        "| # | Proposal | Step | Changes | Feedback | Sign-offs | Findings |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|---|")?;
    for p in &r.proposals {
        let findings = match (p.error.is_some(), p.findings.len()) {
            (true, _) => "does not parse".to_string(),
            (false, 0) => "none".into(),
            (false, n) => format!("**{n}**"),
        };
        writeln!(
            out,
            "| {} | {} ({}) | {} | {} | {} | {} | {} |",
            p.id,
            md(&p.title),
            p.status,
            step_move(p),
            p.changes.len(),
            feedback_counts(p),
            signoff_cell(p),
            findings
        )?;
    }
    for p in &r.proposals {
        writeln!(out)?;
        proposal_section(out, p)?;
    }
    Ok(())
}

fn proposal_section(out: &mut dyn Write, p: &ProposalReview) -> io::Result<()> {
    writeln!(out, "#### {} · {}\n", p.id, md(&p.title))?;
    writeln!(out, "`{}` ({})\n", p.file, p.status)?;
    if let Some(e) = &p.error {
        writeln!(out, "- **Error:** {}", md(e))?;
        return Ok(());
    }
    let transitions: Vec<String> = p.transitions.iter().map(transition).collect();
    if transitions.is_empty() {
        writeln!(out, "- **Step:** {}", step_move(p))?;
    } else {
        writeln!(out, "- **Steps:** {}", transitions.join(", "))?;
    }
    if p.step_after.is_some() {
        let mut parts = Vec::new();
        if !p.gained.is_empty() {
            parts.push(format!("gained {}", list(&p.gained)));
        }
        for (who, why) in &p.lost {
            parts.push(format!("lost {} ({})", md(who), md(why)));
        }
        for (who, why) in &p.stale {
            parts.push(format!("stale: {} ({})", md(who), md(why)));
        }
        let verdict = if p.policy_holds {
            "the policy holds"
        } else {
            "the policy does not hold"
        };
        parts.push(format!(
            "{verdict} ({} of {}, {} needed)",
            p.signed, p.eligible, p.needed
        ));
        writeln!(out, "- **Sign-offs:** {}", parts.join("; "))?;
        for (commit, why) in &p.rejected {
            writeln!(out, "- **Not counted:** `{}`: {}", short(commit), md(why))?;
        }
        let concerns: Vec<String> = p
            .open_concerns
            .iter()
            .map(|c| {
                format!(
                    "{} (raised by {})",
                    md(&c.name),
                    md(&c.raised_by.to_string())
                )
            })
            .collect();
        writeln!(
            out,
            "- **Open concerns:** {}",
            if concerns.is_empty() {
                "none".into()
            } else {
                concerns.join(", ")
            }
        )?;
        let findings: Vec<String> = p
            .findings
            .iter()
            .map(|f| format!("`{}` {}", f.code, md(&f.message)))
            .collect();
        writeln!(
            out,
            "- **Findings:** {}",
            if findings.is_empty() {
                "none".into()
            } else {
                findings.join("; ")
            }
        )?;
    }
    if !p.changes.is_empty() {
        writeln!(
            out,
            "\n<details><summary>{} change(s)</summary>\n",
            p.changes.len()
        )?;
        for c in &p.changes {
            writeln!(out, "- {}", change(c))?;
        }
        writeln!(out, "\n</details>")?;
    }
    if !p.feedback.is_empty() {
        writeln!(
            out,
            "\n<details><summary>Feedback: {}</summary>\n",
            feedback_counts(p)
        )?;
        for f in &p.feedback {
            writeln!(out, "- {}", feedback(f))?;
        }
        writeln!(out, "\n</details>")?;
    }
    Ok(())
}

fn list(people: &[String]) -> String {
    people.iter().map(|p| md(p)).collect::<Vec<_>>().join(", ")
}

fn transition(e: &Event) -> String {
    let to = match &e.kind {
        EventKind::Step(s) => s.to_string(),
        _ => String::new(),
    };
    format!("→ {to} in `{}` by {}", short(&e.commit), md(&e.author.name))
}

/// A change in Markdown: deletions struck through, insertions in bold.
fn change(c: &Change) -> String {
    match c.kind {
        Kind::Added => format!(
            "added `{}`: {}",
            c.path,
            md(&entry_value(c, c.new.as_deref()))
        ),
        Kind::Removed => format!(
            "removed `{}`: ~~{}~~",
            c.path,
            md(&entry_value(c, c.old.as_deref()))
        ),
        Kind::Changed => {
            let mut text = String::new();
            for span in words(
                c.old.as_deref().unwrap_or_default(),
                c.new.as_deref().unwrap_or_default(),
            ) {
                match span {
                    Span::Same(s) => text.push_str(&md(&s)),
                    Span::Deleted(s) if s.trim().is_empty() => text.push_str(&s),
                    Span::Inserted(s) if s.trim().is_empty() => text.push_str(&s),
                    Span::Deleted(s) => text.push_str(&emphasis(&s, "~~")),
                    Span::Inserted(s) => text.push_str(&emphasis(&s, "**")),
                }
            }
            format!("`{}`: {text}", c.path)
        }
    }
}

/// `**word**` around the text, with its surrounding spaces kept outside the markers (where
/// Markdown wants them).
fn emphasis(s: &str, marker: &str) -> String {
    let start = s.len() - s.trim_start().len();
    let end = s.trim_end().len();
    format!(
        "{}{marker}{}{marker}{}",
        &s[..start],
        md(s.trim()),
        &s[end.max(start)..]
    )
}

fn feedback(f: &FeedbackEvent) -> String {
    match &f.kind {
        FeedbackKind::Given => format!(
            "{} from {}: {} (given in `{}`)",
            f.id,
            md(&f.from.to_string()),
            md(&f.text),
            short(&f.commit)
        ),
        FeedbackKind::Answered { status, answer } => {
            format!(
                "{} {status} in `{}`: {}",
                f.id,
                short(&f.commit),
                md(answer)
            )
        }
        FeedbackKind::Reopened => format!("{} reopened in `{}`", f.id, short(&f.commit)),
    }
}

#[derive(Serialize)]
struct ReviewView<'a> {
    schema: u32,
    base: &'a str,
    merge_base: &'a str,
    head: &'a str,
    commits: usize,
    proposals: Vec<ProposalView<'a>>,
    /// What the pull request changed in the files that decide who counts.
    findings: Vec<FindingView<'a>>,
}

#[derive(Serialize)]
struct ProposalView<'a> {
    id: u32,
    title: &'a str,
    file: &'a str,
    status: &'a str,
    step_before: Option<&'static str>,
    step_after: Option<&'static str>,
    transitions: Vec<TransitionView<'a>>,
    changes: Vec<ChangeView<'a>>,
    feedback: Vec<FeedbackView<'a>>,
    signoffs: SignoffsView<'a>,
    open_concerns: Vec<&'a str>,
    findings: Vec<FindingView<'a>>,
    error: Option<&'a str>,
}

#[derive(Serialize)]
struct TransitionView<'a> {
    commit: &'a str,
    step: String,
    author: String,
}

#[derive(Serialize)]
struct FeedbackView<'a> {
    id: &'a str,
    /// `given`, `answered` or `reopened`.
    event: &'a str,
    status: Option<&'a str>,
    answer: Option<&'a str>,
    from: String,
    text: &'a str,
    commit: &'a str,
}

#[derive(Serialize)]
struct SignoffsView<'a> {
    holds: bool,
    signed: usize,
    needed: usize,
    eligible: usize,
    gained: &'a [String],
    lost: Vec<WhyView<'a>>,
    stale: Vec<WhyView<'a>>,
    rejected: Vec<RejectedView<'a>>,
}

#[derive(Serialize)]
struct RejectedView<'a> {
    commit: &'a str,
    reason: &'a str,
}

#[derive(Serialize)]
struct WhyView<'a> {
    who: &'a str,
    why: &'a str,
}

#[derive(Serialize)]
struct FindingView<'a> {
    code: &'a str,
    field: Option<&'a str>,
    commit: Option<&'a str>,
    message: &'a str,
}

fn finding_view(f: &crate::model::check::Finding) -> FindingView<'_> {
    FindingView {
        code: f.code,
        field: f.field.as_deref(),
        commit: f.commit.as_deref(),
        message: &f.message,
    }
}

/// The JSON report.
pub fn json(out: &mut dyn Write, r: &Review) -> io::Result<()> {
    fn why(pairs: &[(String, String)]) -> Vec<WhyView<'_>> {
        pairs
            .iter()
            .map(|(who, why)| WhyView { who, why })
            .collect()
    }
    let view = ReviewView {
        schema: SCHEMA,
        base: &r.base,
        merge_base: &r.merge_base,
        head: &r.head,
        commits: r.commits,
        proposals: r
            .proposals
            .iter()
            .map(|p| ProposalView {
                id: p.id,
                title: &p.title,
                file: &p.file,
                status: p.status,
                step_before: p.step_before.map(|s| s.as_str()),
                step_after: p.step_after.map(|s| s.as_str()),
                transitions: p
                    .transitions
                    .iter()
                    .map(|e| TransitionView {
                        commit: &e.commit,
                        step: match &e.kind {
                            EventKind::Step(s) => s.to_string(),
                            _ => String::new(),
                        },
                        author: e.author.to_string(),
                    })
                    .collect(),
                changes: p.changes.iter().map(change_view).collect(),
                feedback: p
                    .feedback
                    .iter()
                    .map(|f| {
                        let (event, status, answer) = match &f.kind {
                            FeedbackKind::Given => ("given", None, None),
                            FeedbackKind::Answered { status, answer } => {
                                ("answered", Some(status.as_str()), Some(answer.as_str()))
                            }
                            FeedbackKind::Reopened => ("reopened", None, None),
                        };
                        FeedbackView {
                            id: &f.id,
                            event,
                            status,
                            answer,
                            from: f.from.to_string(),
                            text: &f.text,
                            commit: &f.commit,
                        }
                    })
                    .collect(),
                signoffs: SignoffsView {
                    holds: p.policy_holds,
                    signed: p.signed,
                    needed: p.needed,
                    eligible: p.eligible,
                    gained: &p.gained,
                    lost: why(&p.lost),
                    stale: why(&p.stale),
                    rejected: p
                        .rejected
                        .iter()
                        .map(|(commit, reason)| RejectedView { commit, reason })
                        .collect(),
                },
                open_concerns: p.open_concerns.iter().map(|c| c.name.as_str()).collect(),
                findings: p.findings.iter().map(finding_view).collect(),
                error: p.error.as_deref(),
            })
            .collect(),
        findings: r.findings.iter().map(finding_view).collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &view).map_err(io::Error::from)?;
    writeln!(out)
}

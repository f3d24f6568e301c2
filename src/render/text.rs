//! Human output of `list`, `show` and `log`.

use std::io::{self, Write};

use comfy_table::{presets, Attribute, Cell, ContentArrangement, Table};

use crate::model::check::Finding;
use crate::model::diff::{FeedbackEvent, FeedbackKind};
use crate::model::gate::Gate;
use crate::model::ledger::{Event, EventKind, Stranded};
use crate::model::proposal::{Answer, Proposal};
use crate::model::signoff::{describe_change, Matrix, Standing};
use crate::model::step::Step;
use crate::model::util;
use crate::ops::query::{Detail, Entry, Listing};
use crate::ops::signoffs::Report;

use super::color::Paint;

/// `●●●○○○○○` for the fourth step; empty for an ending.
pub fn progress(step: Step) -> String {
    match step.number() {
        Some(n) => format!("{}{}", "●".repeat(n), "○".repeat(8 - n)),
        None if step == Step::Done => "●".repeat(8),
        None => String::new(),
    }
}

/// The `list` table: id, title, step with progress, author, age; `!` marks findings.
pub fn list(out: &mut dyn Write, listing: &Listing, paint: Paint, now: i64) -> io::Result<()> {
    if listing.rows.is_empty() {
        if listing.broken.is_empty() && listing.deleted.is_empty() {
            writeln!(
                out,
                "No proposals yet. Start one with: git lead propose \"<title>\""
            )?;
        }
        return Ok(());
    }
    let mut table = new_table(paint);
    let head = |s: &str| Cell::new(s).add_attribute(Attribute::Bold);
    table.set_header(vec![
        head("ID"),
        head("TITLE"),
        head("STEP"),
        head("PROGRESS"),
        head("AUTHOR"),
        head("AGE"),
    ]);
    for row in &listing.rows {
        let p = &row.proposal;
        let flag = if row.findings.is_empty() { "" } else { " !" };
        let number = match p.step.number() {
            Some(n) => format!(" {n}/8"),
            None => String::new(),
        };
        table.add_row(vec![
            Cell::new(format!("{}{flag}", p.id)),
            Cell::new(&p.title),
            Cell::new(p.step.as_str()),
            Cell::new(format!("{}{number}", progress(p.step))),
            Cell::new(if p.author.name.is_empty() {
                &p.author.email
            } else {
                &p.author.name
            }),
            Cell::new(row.since.map(|t| util::age(t, now)).unwrap_or_default()),
        ]);
    }
    for line in table.lines() {
        writeln!(out, "{}", line.trim_end())?;
    }
    if listing.rows.iter().any(|r| !r.findings.is_empty()) {
        writeln!(
            out,
            "\n{} has findings; 'git lead show <id>' explains them",
            paint.yellow("!")
        )?;
    }
    Ok(())
}

/// A borderless table sized to the terminal, styled only when colour is on.
fn new_table(paint: Paint) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Dynamic);
    if let Some(width) = terminal_width() {
        table.set_width(width);
    }
    if paint.on {
        table.enforce_styling();
    }
    table
}

/// Terminal width: `COLUMNS` when set, otherwise what comfy-table detects on a terminal.
fn terminal_width() -> Option<u16> {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<u16>().ok())
        .filter(|w| *w > 20)
}

/// The whole proposal, step by step, with each step's completeness.
pub fn show(out: &mut dyn Write, d: &Detail, paint: Paint) -> io::Result<()> {
    let p = &d.proposal;
    writeln!(
        out,
        "{}",
        paint.bold(&format!("Proposal {}: {}", p.id, p.title))
    )?;
    field(out, paint, "File", &d.rel)?;
    field(out, paint, "Author", &p.author.to_string())?;
    if !p.created.is_empty() {
        field(out, paint, "Created", &p.created)?;
    }
    if !p.area.is_empty() {
        field(out, paint, "Area", &p.area)?;
    }
    let where_ = match p.step.number() {
        Some(n) => format!("{} ({n}/8) {}", p.step, progress(p.step)),
        None => p.step.to_string(),
    };
    field(out, paint, "Step", &where_)?;
    if !p.closing.reason.is_empty() {
        field(out, paint, "Reason", &p.closing.reason)?;
    }
    if let Some(by) = p.closing.superseded_by {
        field(out, paint, "Superseded by", &by.to_string())?;
    }
    let policy_holds = d.signoffs.as_ref().map(Matrix::holds).unwrap_or(false);
    for (step, gate) in &d.gates {
        writeln!(out)?;
        step_heading(out, paint, p, *step, gate, policy_holds)?;
        step_body(out, paint, p, *step)?;
    }
    match &d.signoffs {
        Ok(m) => writeln!(out, "\n{} {}", paint.bold("Sign-offs:"), signoff_summary(m))?,
        Err(e) => writeln!(
            out,
            "\n{} cannot be evaluated: {e}",
            paint.bold("Sign-offs:")
        )?,
    }
    findings(out, paint, &d.findings)?;
    if !d.events.is_empty() {
        writeln!(out, "\n{}", paint.bold("History"))?;
        for e in &d.events {
            writeln!(out, "  {}", event_line(e, paint))?;
        }
    }
    Ok(())
}

fn field(out: &mut dyn Write, paint: Paint, name: &str, value: &str) -> io::Result<()> {
    let label = format!("{name}:");
    let pad = 15usize.saturating_sub(label.len());
    writeln!(out, "{}{:pad$}{value}", paint.dim(&label), "")
}

fn step_heading(
    out: &mut dyn Write,
    paint: Paint,
    p: &Proposal,
    step: Step,
    gate: &Gate,
    policy_holds: bool,
) -> io::Result<()> {
    let n = step.number().unwrap_or(0);
    let current = if p.step == step {
        paint.cyan("  <- current step")
    } else {
        String::new()
    };
    let state = match gate {
        // Entering implement is the sign-off policy's call, not the content's.
        Gate::Complete if step == Step::Implement && !policy_holds => {
            paint.yellow("waits for the sign-off policy")
        }
        Gate::Complete => paint.green("complete"),
        Gate::Missing(m) => {
            let fields: Vec<&str> = m.iter().map(|m| m.field.as_str()).collect();
            paint.yellow(&format!("needs {}", fields.join(", ")))
        }
    };
    writeln!(
        out,
        "{} {}{current}\n  {}",
        paint.bold(&format!("{n}. {step}")),
        paint.dim(&format!("[{state}]")),
        paint.dim(step.question())
    )?;
    if let Gate::Missing(missing) = gate {
        for m in missing {
            writeln!(out, "  {} {}: {}", paint.yellow("-"), m.field, m.need)?;
        }
    }
    Ok(())
}

fn step_body(out: &mut dyn Write, paint: Paint, p: &Proposal, step: Step) -> io::Result<()> {
    let text = |out: &mut dyn Write, label: &str, value: &str| -> io::Result<()> {
        if value.trim().is_empty() {
            return Ok(());
        }
        let mut lines = value.trim().lines();
        writeln!(
            out,
            "  {} {}",
            paint.dim(&format!("{label}:")),
            lines.next().unwrap_or("")
        )?;
        for line in lines {
            writeln!(out, "    {line}")?;
        }
        Ok(())
    };
    match step {
        Step::Problem => {
            text(out, "Statement", &p.problem.statement)?;
            text(out, "Affected", &p.problem.affected)?;
        }
        Step::Idea => {
            for idea in &p.ideas {
                writeln!(out, "  {} {}", paint.bold(&idea.id), idea.summary)?;
            }
        }
        Step::Alternatives => {
            for o in &p.objections {
                writeln!(out, "  {} {o}", paint.dim("objection:"))?;
            }
        }
        Step::Critique => {
            for c in &p.critiques {
                let verdict = c.verdict.map_or("no verdict", |v| v.as_str());
                writeln!(out, "  {} {verdict}: {}", paint.bold(&c.idea), c.reason)?;
            }
            if !p.chosen.is_empty() {
                text(out, "Chosen", &format!("{} - {}", p.chosen, p.why))?;
            }
        }
        Step::Stakeholders => {
            for s in &p.stakeholders {
                let mut tags = Vec::new();
                if !s.role.is_empty() {
                    tags.push(s.role.clone());
                }
                if s.required {
                    tags.push("required".into());
                }
                if s.who.same_email(&p.author) {
                    tags.push("author".into());
                }
                let tags = if tags.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", tags.join(", "))
                };
                writeln!(out, "  {} {}{tags}", paint.bold(&s.key), s.who)?;
                text(out, "  Perspective", &s.perspective)?;
            }
        }
        Step::Strategy => {
            for s in p
                .stakeholders
                .iter()
                .filter(|s| !s.pain.is_empty() || !s.pitch.is_empty())
            {
                writeln!(out, "  {}", paint.bold(&s.key))?;
                text(out, "  Pain", &s.pain)?;
                text(out, "  Pitch", &s.pitch)?;
            }
        }
        Step::Socialize => {
            for f in &p.feedback {
                let answer = match &f.answer {
                    Answer::Open => paint.yellow("open"),
                    Answer::Incorporated(how) => format!("incorporated: {how}"),
                    Answer::Declined(why) => format!("declined: {why}"),
                };
                writeln!(
                    out,
                    "  {} {} ({}): {}",
                    paint.bold(&f.id),
                    f.text,
                    f.from,
                    answer
                )?;
            }
        }
        Step::Implement => text(out, "Plan", &p.plan)?,
        Step::Done | Step::Withdrawn | Step::Superseded => {}
    }
    Ok(())
}

/// The findings block of `show`.
pub fn findings(out: &mut dyn Write, paint: Paint, findings: &[Finding]) -> io::Result<()> {
    if findings.is_empty() {
        return Ok(());
    }
    writeln!(out, "\n{}", paint.bold(&paint.yellow("Findings")))?;
    for f in findings {
        let commit = f
            .commit
            .as_deref()
            .map(|c| format!(" (commit {})", short(c)))
            .unwrap_or_default();
        writeln!(
            out,
            "  {} {}{commit}",
            paint.yellow(&format!("{}:", f.code)),
            f.message
        )?;
    }
    Ok(())
}

/// The timeline of `log`.
pub fn log(out: &mut dyn Write, id: u32, entries: &[Entry], paint: Paint) -> io::Result<()> {
    if entries.is_empty() {
        writeln!(out, "No recorded events for proposal {id}.")?;
        return Ok(());
    }
    for entry in entries {
        let line = match entry {
            Entry::Ledger(e) => event_line(e, paint),
            Entry::Feedback(f) => feedback_line(f, paint),
        };
        writeln!(out, "{line}")?;
    }
    Ok(())
}

fn feedback_line(f: &FeedbackEvent, paint: Paint) -> String {
    let what = match &f.kind {
        FeedbackKind::Given => format!("feedback {} from {}: {}", f.id, f.from, f.text),
        FeedbackKind::Answered { status, answer } => format!("{} {status}: {answer}", f.id),
        FeedbackKind::Reopened => format!("{} reopened", f.id),
    };
    format!(
        "{} {}  {}  {}",
        paint.yellow(short(&f.commit)),
        util::date_time(f.time, f.offset),
        what,
        paint.dim(&format!("({})", f.author))
    )
}

fn event_line(e: &Event, paint: Paint) -> String {
    let what = match &e.kind {
        EventKind::Step(step) => format!("{:<12}", step.as_str()),
        EventKind::Signoff => format!("{:<12}", "signed off"),
        EventKind::Withdraw => format!("{:<12}", "withdrew"),
        EventKind::Concern(name) => format!("concern {name}"),
        EventKind::Resolve(name) => format!("resolved {name}"),
        EventKind::Implements => format!("{:<12}", "implements"),
        EventKind::Renumbered { from } => format!("renumbered from {from}"),
    };
    format!(
        "{} {}  {}  {}",
        paint.yellow(short(&e.commit)),
        util::date_time(e.time, e.offset),
        paint.bold(&what),
        e.author
    )
}

/// The warning for a `Lead-` trailer stranded in a message body.
pub fn stranded(s: &Stranded) -> String {
    format!(
        "commit {} has '{}: {}' on line {} of its message, outside the final trailer block \
         where git does not read it (a squash merge moves trailers there); it is not counted",
        short(&s.commit),
        s.key,
        s.value,
        s.line
    )
}

/// The abbreviated commit id that git shows by default.
pub fn short(id: &str) -> &str {
    id.get(..7).unwrap_or(id)
}

/// The sign-off matrix of `git lead signoffs`.
pub fn signoffs(out: &mut dyn Write, r: &Report, paint: Paint) -> io::Result<()> {
    let m = &r.matrix;
    writeln!(
        out,
        "{}",
        paint.bold(&format!("Proposal {}: {}", r.proposal.id, r.proposal.title))
    )?;
    let signed = if r.policy.require_signed {
        "signed commits required"
    } else {
        "signatures not required"
    };
    writeln!(
        out,
        "Policy: every required stakeholder, a quorum ({}) of the stakeholders besides the author, no open concern; {signed}",
        r.policy.quorum
    )?;
    if let Some(base) = &r.base {
        writeln!(
            out,
            "Trusted from base {} (policy, stakeholders, allowed signers, .mailmap)",
            short(base)
        )?;
    }
    writeln!(out)?;
    let mut table = new_table(paint);
    let head = |s: &str| Cell::new(s).add_attribute(Attribute::Bold);
    table.set_header(vec![
        head("STAKEHOLDER"),
        head("REQUIRED"),
        head("SIGN-OFF"),
        head("CURRENT"),
        head("VERIFIED"),
        head("COMMIT"),
    ]);
    for row in &m.rows {
        let (state, current, verified, commit) = match &row.standing {
            _ if row.is_author => (
                "author, not counted".to_string(),
                "-".into(),
                "-".into(),
                String::new(),
            ),
            Standing::NotSigned => ("no".into(), "-".into(), "-".into(), String::new()),
            Standing::Withdrawn { commit } => (
                "withdrawn".into(),
                "-".into(),
                "-".into(),
                short(commit).to_string(),
            ),
            Standing::Signed {
                commit,
                key,
                changed_by,
                ..
            } => (
                "signed".into(),
                match changed_by {
                    None => "yes".into(),
                    Some(by) => format!("stale: changed {}", describe_change(by)),
                },
                match key {
                    Some(k) => format!("yes, {}", k.get(..19).unwrap_or(k)),
                    None if r.policy.require_signed => "no".into(),
                    None => "not required".into(),
                },
                short(commit).to_string(),
            ),
        };
        table.add_row(vec![
            Cell::new(format!("{} {}", row.key, row.who)),
            Cell::new(if row.required { "yes" } else { "no" }),
            Cell::new(state),
            Cell::new(current),
            Cell::new(verified),
            Cell::new(commit),
        ]);
    }
    if m.rows.is_empty() {
        writeln!(out, "No stakeholders are listed yet.")?;
    } else {
        for line in table.lines() {
            writeln!(out, "{}", line.trim_end())?;
        }
    }
    if !m.concerns.is_empty() {
        writeln!(out, "\n{}", paint.bold("Concerns"))?;
        for c in &m.concerns {
            let state = match &c.resolved {
                None => paint.red("open"),
                Some((by, commit)) => format!("resolved by {by} in {}", short(commit)),
            };
            writeln!(
                out,
                "  {} ({state}), raised by {} in {}: {}",
                paint.bold(&c.name),
                c.raised_by,
                short(&c.commit),
                c.reason.lines().next().unwrap_or("")
            )?;
        }
    }
    if !m.rejected.is_empty() {
        writeln!(out, "\n{}", paint.bold(&paint.yellow("Not counted")))?;
        for x in &m.rejected {
            writeln!(
                out,
                "  {} {} by {}: {}",
                paint.yellow(short(&x.commit)),
                x.kind,
                x.who,
                x.reason
            )?;
        }
    }
    writeln!(out, "\n{}", paint.bold("Rules"))?;
    for rule in &m.rules {
        let mark = if rule.holds {
            paint.green("ok  ")
        } else {
            paint.red("FAIL")
        };
        writeln!(out, "  {mark} {:<9}{}", rule.id, rule.detail)?;
    }
    let id = r.proposal.id;
    let verdict = match (m.holds(), r.proposal.step) {
        (true, Step::Socialize) => paint.green(&format!(
            "The policy holds: proposal {id} may enter implement."
        )),
        (true, _) => paint.green("The policy holds."),
        (false, Step::Implement | Step::Done) => paint.red(&format!(
            "The policy no longer holds: proposal {id} is in {} without it.",
            r.proposal.step
        )),
        (false, step) if step.is_ending() => paint.red("The policy does not hold."),
        (false, _) => paint.red(&format!(
            "The policy does not hold: proposal {id} cannot enter implement yet."
        )),
    };
    writeln!(out, "\n{verdict}")
}

/// One line for `show`: where the sign-offs stand.
pub fn signoff_summary(m: &Matrix) -> String {
    let open = m.open_concerns().count();
    let state = if m.holds() {
        "the policy holds"
    } else {
        "the policy does not hold"
    };
    format!(
        "{} of {} stakeholders signed off ({} needed), {open} open concern(s): {state}",
        m.signed, m.eligible, m.needed
    )
}

/// The hint told once a walk has looked the proposal folder up in `commits` commits one
/// by one for want of a commit-graph, in git's `hint:` style.
pub fn commit_graph_hint(commits: usize) -> String {
    hint_lines(&format!(
        "this walk looked the proposal folder up in {commits} commits one by one;
a commit-graph with changed-path filters lets it skip most of them:

    git config commitGraph.changedPaths true
    git commit-graph write --reachable --changed-paths

'git maintenance start' then keeps it up to date as the history grows.
Turn this message off with 'git config advice.leadCommitGraph false'."
    ))
}

/// `text` in git's `hint:` style: each line after `hint: `, an empty one as `hint:`.
pub fn hint_lines(text: &str) -> String {
    text.lines()
        .map(|l| match l {
            "" => "hint:\n".to_string(),
            l => format!("hint: {l}\n"),
        })
        .collect()
}

/// `inbox`: each proposal with what waits on the person, and the command that does it.
pub fn inbox(out: &mut dyn Write, i: &crate::ops::inbox::Inbox, now: i64) -> io::Result<()> {
    if i.items.is_empty() {
        return writeln!(out, "Nothing waits on {}.", i.who);
    }
    writeln!(out, "What waits on {}: {} item(s)", i.who, i.items.len())?;
    let mut last = None;
    for t in &i.items {
        if last != Some(t.proposal) {
            writeln!(out, "\n{} {} [{}]", t.proposal, t.title, t.step)?;
            last = Some(t.proposal);
        }
        let since = match t.since {
            Some(s) => format!(
                " (since {}, {} ago)",
                crate::model::util::date(s, 0),
                crate::model::util::age(s, now)
            ),
            None => String::new(),
        };
        writeln!(out, "  {}{since}", t.what)?;
        writeln!(out, "    {}", t.command)?;
    }
    Ok(())
}

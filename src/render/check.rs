//! The findings of `git lead check`: for people (grouped by proposal, coloured on a
//! terminal), JSON, GitHub workflow commands, and Markdown.

use std::io::{self, Write};

use serde::Serialize;

use crate::model::check::{Finding, Severity};
use crate::ops::check::Outcome;

use super::color::Paint;
use super::json::SCHEMA;

fn short(id: &str) -> &str {
    id.get(..7).unwrap_or(id)
}

/// The one-line summary every format ends with (or consists of, when clean).
pub fn summary(o: &Outcome) -> String {
    let scope = format!(
        "{} proposal(s) and {} commit(s) checked",
        o.proposals, o.commits
    );
    match (o.errors(), o.warnings()) {
        (0, 0) => format!("ok: {scope}, no findings"),
        (e, w) => format!("{e} error(s), {w} warning(s): {scope}"),
    }
}

/// Where a finding points: `file:line`, `file`, or `commit abc1234`.
fn location(f: &Finding) -> String {
    let mut parts = Vec::new();
    match (&f.file, f.line) {
        (Some(file), Some(line)) => parts.push(format!("{file}:{line}")),
        (Some(file), None) => parts.push(file.clone()),
        _ => {}
    }
    if let Some(c) = &f.commit {
        parts.push(format!("commit {}", short(c)));
    }
    parts.join(", ")
}

/// Grouped by proposal; findings about the history come last.
pub fn human(out: &mut dyn Write, o: &Outcome, paint: Paint) -> io::Result<()> {
    let mut group: Option<String> = None;
    for f in &o.findings {
        let title = match (f.proposal, &f.file) {
            (Some(id), _) => format!("proposal {id}"),
            (None, Some(file)) => file.clone(),
            (None, None) => "history".to_string(),
        };
        if group.as_ref() != Some(&title) {
            writeln!(out, "{}", paint.bold(&title))?;
            group = Some(title);
        }
        let label = format!("{}[{}]", f.severity.as_str(), f.code);
        let label = match f.severity {
            Severity::Error => paint.red(&label),
            Severity::Warning => paint.yellow(&label),
        };
        let at = location(f);
        let at = if at.is_empty() {
            String::new()
        } else {
            format!("{at}: ")
        };
        writeln!(out, "  {label} {at}{}", f.message)?;
        if let Some(hint) = &f.hint {
            writeln!(out, "    {} {hint}", paint.dim("hint:"))?;
        }
    }
    writeln!(out, "{}", summary(o))
}

#[derive(Serialize)]
struct CheckView<'a> {
    schema: u32,
    ok: bool,
    errors: usize,
    warnings: usize,
    proposals: usize,
    commits: usize,
    base: Option<&'a str>,
    findings: Vec<FindingView<'a>>,
}

#[derive(Serialize)]
struct FindingView<'a> {
    code: &'a str,
    severity: &'a str,
    proposal: Option<u32>,
    file: Option<&'a str>,
    line: Option<usize>,
    field: Option<&'a str>,
    commit: Option<&'a str>,
    message: &'a str,
    hint: Option<&'a str>,
}

/// Every field of every finding.
pub fn json(out: &mut dyn Write, o: &Outcome) -> io::Result<()> {
    let view = CheckView {
        schema: SCHEMA,
        ok: o.passes(),
        errors: o.errors(),
        warnings: o.warnings(),
        proposals: o.proposals,
        commits: o.commits,
        base: o.base.as_deref(),
        findings: o
            .findings
            .iter()
            .map(|f| FindingView {
                code: f.code,
                severity: f.severity.as_str(),
                proposal: f.proposal,
                file: f.file.as_deref(),
                line: f.line,
                field: f.field.as_deref(),
                commit: f.commit.as_deref(),
                message: &f.message,
                hint: f.hint.as_deref(),
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &view).map_err(io::Error::from)?;
    writeln!(out)
}

/// GitHub Actions workflow commands: `::error file=…,line=…,title=…::message`.
pub fn github(out: &mut dyn Write, o: &Outcome) -> io::Result<()> {
    for f in &o.findings {
        let mut props = Vec::new();
        if let Some(file) = &f.file {
            props.push(format!("file={}", property(file)));
        }
        if let Some(line) = f.line {
            props.push(format!("line={line}"));
        }
        props.push(format!(
            "title={}",
            property(&format!("git lead {}", f.code))
        ));
        let mut message = f.message.clone();
        if let Some(c) = &f.commit {
            message.push_str(&format!(" (commit {})", short(c)));
        }
        if let Some(hint) = &f.hint {
            message.push_str(&format!("\nhint: {hint}"));
        }
        writeln!(
            out,
            "::{} {}::{}",
            f.severity.as_str(),
            props.join(","),
            data(&message)
        )?;
    }
    writeln!(out, "{}", summary(o))
}

/// Escapes the message of a workflow command.
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property of a workflow command.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

/// A Markdown report: the summary, then a table of findings.
pub fn markdown(out: &mut dyn Write, o: &Outcome) -> io::Result<()> {
    writeln!(out, "### git lead check\n")?;
    writeln!(out, "{}\n", summary(o))?;
    if o.findings.is_empty() {
        return Ok(());
    }
    writeln!(out, "| Severity | Code | Proposal | Where | Message |")?;
    writeln!(out, "|---|---|---|---|---|")?;
    for f in &o.findings {
        let proposal = f.proposal.map(|p| p.to_string()).unwrap_or_default();
        let mut message = cell(&f.message);
        if let Some(hint) = &f.hint {
            message.push_str(&format!("<br>*{}*", cell(hint)));
        }
        writeln!(
            out,
            "| {} | `{}` | {} | {} | {} |",
            f.severity.as_str(),
            f.code,
            proposal,
            cell(&location(f)),
            message
        )?;
    }
    Ok(())
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\n', " ")
}

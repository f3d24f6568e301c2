//! Rendering a semantic diff: coloured on a terminal, `[-deleted-]{+inserted+}` markers
//! when piped (as `git diff --word-diff=plain`), JSON, or a plain line diff.

use std::io::{self, Write};

use serde::Serialize;
use similar::TextDiff;

use crate::model::diff::{words, Change, Kind, Span};
use crate::ops::diff::{Compared, Side};

use super::color::Paint;
use super::json::SCHEMA;

/// The field-by-field diff.
pub fn text(out: &mut dyn Write, c: &Compared, paint: Paint) -> io::Result<()> {
    writeln!(
        out,
        "{}",
        paint.bold(&format!(
            "proposal {}: {} -> {}",
            c.id,
            label(&c.old),
            label(&c.new)
        ))
    )?;
    if c.changes.is_empty() {
        writeln!(out, "no changes")?;
        return Ok(());
    }
    let mut section = "";
    for change in &c.changes {
        if change.section != section {
            section = change.section;
            writeln!(out, "{}", paint.cyan(section))?;
        }
        writeln!(out, "{}", change_line(change, paint))?;
    }
    Ok(())
}

/// `rev (abc1234)` or `working tree`.
fn label(side: &Side) -> String {
    match &side.commit {
        Some(c) if !c.starts_with(&side.label) => format!("{} ({})", side.label, short(c)),
        Some(c) => short(c).to_string(),
        None => side.label.clone(),
    }
}

fn short(id: &str) -> &str {
    id.get(..7).unwrap_or(id)
}

/// One change: `+ path: value`, `- path: value`, or `~ path: ` and the word diff.
pub fn change_line(change: &Change, paint: Paint) -> String {
    match change.kind {
        Kind::Added => paint.green(&format!(
            "  + {}: {}",
            change.path,
            entry_text(change, change.new.as_deref())
        )),
        Kind::Removed => paint.red(&format!(
            "  - {}: {}",
            change.path,
            entry_text(change, change.old.as_deref())
        )),
        Kind::Changed => {
            let old = change.old.as_deref().unwrap_or_default();
            let new = change.new.as_deref().unwrap_or_default();
            format!("  ~ {}: {}", change.path, inline(old, new, paint))
        }
    }
}

/// The value of a field, or the fields of a whole entry.
fn entry_text(change: &Change, value: Option<&str>) -> String {
    if change.fields.len() > 1 {
        let parts: Vec<String> = change
            .fields
            .iter()
            .map(|(k, v)| format!("{k} = {v:?}"))
            .collect();
        parts.join(", ")
    } else {
        one_line(value.unwrap_or_default())
    }
}

/// The value of a field, or `field: value; ...` for a whole entry, as text (the reports
/// of `review` and `board` escape it for their markup).
pub fn entry_value(c: &Change, v: Option<&str>) -> String {
    if c.fields.len() > 1 {
        let parts: Vec<String> = c.fields.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        parts.join("; ")
    } else {
        v.unwrap_or_default().to_string()
    }
}

fn one_line(s: &str) -> String {
    s.replace('\n', "\u{23ce} ")
}

/// The word-level difference on one line, coloured or with plain markers.
pub fn inline(old: &str, new: &str, paint: Paint) -> String {
    let mut out = String::new();
    for span in words(old, new) {
        match span {
            Span::Same(s) => out.push_str(&one_line(&s)),
            Span::Deleted(s) if paint.on => out.push_str(&paint.red(&one_line(&s))),
            Span::Inserted(s) if paint.on => out.push_str(&paint.green(&one_line(&s))),
            Span::Deleted(s) => out.push_str(&format!("[-{}-]", one_line(&s))),
            Span::Inserted(s) => out.push_str(&format!("{{+{}+}}", one_line(&s))),
        }
    }
    out
}

/// A unified line diff of the two files.
pub fn raw(out: &mut dyn Write, c: &Compared, paint: Paint) -> io::Result<()> {
    let diff = TextDiff::from_lines(&c.old.text, &c.new.text);
    let old = format!("a ({})", label(&c.old));
    let new = format!("b ({})", label(&c.new));
    for line in diff.unified_diff().header(&old, &new).to_string().lines() {
        let line = match line.chars().next() {
            Some('+') if !line.starts_with("+++") => paint.green(line),
            Some('-') if !line.starts_with("---") => paint.red(line),
            Some('@') => paint.cyan(line),
            _ => line.to_string(),
        };
        writeln!(out, "{line}")?;
    }
    Ok(())
}

#[derive(Serialize)]
pub struct ChangeView<'a> {
    pub section: &'a str,
    pub path: &'a str,
    pub kind: &'a str,
    pub old: Option<&'a str>,
    pub new: Option<&'a str>,
    pub fields: Vec<FieldView<'a>>,
    /// For a changed field: the word-level diff.
    pub words: Vec<WordView>,
}

#[derive(Serialize)]
pub struct FieldView<'a> {
    pub field: &'a str,
    pub value: &'a str,
}

#[derive(Serialize)]
pub struct WordView {
    /// `same`, `deleted` or `inserted`.
    pub op: &'static str,
    pub text: String,
}

/// The JSON view of one change.
pub fn change_view(c: &Change) -> ChangeView<'_> {
    let words = match (c.kind, &c.old, &c.new) {
        (Kind::Changed, Some(old), Some(new)) => words(old, new)
            .into_iter()
            .map(|s| match s {
                Span::Same(text) => WordView { op: "same", text },
                Span::Deleted(text) => WordView {
                    op: "deleted",
                    text,
                },
                Span::Inserted(text) => WordView {
                    op: "inserted",
                    text,
                },
            })
            .collect(),
        _ => Vec::new(),
    };
    ChangeView {
        section: c.section,
        path: &c.path,
        kind: c.kind.as_str(),
        old: c.old.as_deref(),
        new: c.new.as_deref(),
        fields: c
            .fields
            .iter()
            .map(|(field, value)| FieldView { field, value })
            .collect(),
        words,
    }
}

#[derive(Serialize)]
struct DiffView<'a> {
    schema: u32,
    proposal: u32,
    from: SideView<'a>,
    to: SideView<'a>,
    changes: Vec<ChangeView<'a>>,
}

#[derive(Serialize)]
struct SideView<'a> {
    label: &'a str,
    commit: Option<&'a str>,
}

/// `diff --json`.
pub fn json(out: &mut dyn Write, c: &Compared) -> io::Result<()> {
    fn side(s: &Side) -> SideView<'_> {
        SideView {
            label: &s.label,
            commit: s.commit.as_deref(),
        }
    }
    let view = DiffView {
        schema: SCHEMA,
        proposal: c.id,
        from: side(&c.old),
        to: side(&c.new),
        changes: c.changes.iter().map(change_view).collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &view).map_err(io::Error::from)?;
    writeln!(out)
}

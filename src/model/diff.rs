//! Semantic differences between two versions of a proposal, and the feedback timeline of
//! its history.
//!
//! Both versions are parsed and compared section by section and field by field; ideas,
//! critiques, stakeholders and feedback entries are matched by their ids, never by their
//! position, so reordering the file is not a change.

use similar::{ChangeTag, TextDiff};

use super::person::Person;
use super::proposal::{Answer, Proposal, SECTIONS};

/// What happened to a field or an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Added,
    Removed,
    Changed,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Added => "added",
            Kind::Removed => "removed",
            Kind::Changed => "changed",
        }
    }
}

/// One difference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The step section it belongs to (`problem`, `idea`, ...), or `proposal` for the
    /// top-level fields.
    pub section: &'static str,
    /// `problem.statement` for a field, `idea.I3` for a whole entry.
    pub path: String,
    pub kind: Kind,
    /// The old and new value of a changed field, or the value of an added or removed one.
    pub old: Option<String>,
    pub new: Option<String>,
    /// The fields of an entry added or removed as a whole.
    pub fields: Vec<(String, String)>,
}

/// One field of a flattened proposal.
struct Item {
    section: &'static str,
    /// The entry's id (`I1`, `bo-chen`, `F2`), or the objection's text.
    entry: Option<String>,
    field: &'static str,
    value: String,
}

impl Item {
    /// Whether the item belongs to the entry at `path` (`idea.I3`), without building the
    /// item's own path: the diff asks this of every item for every entry.
    fn in_entry(&self, path: &str) -> bool {
        self.entry.as_deref().is_some_and(|e| {
            path.strip_prefix(self.section)
                .and_then(|rest| rest.strip_prefix('.'))
                == Some(e)
        })
    }

    fn path(&self) -> String {
        match (&self.entry, self.section) {
            (None, "proposal") => self.field.to_string(),
            (None, section) => format!("{section}.{}", self.field),
            (Some(e), section) if self.field.is_empty() => format!("{section}.{e}"),
            (Some(e), section) => format!("{section}.{e}.{}", self.field),
        }
    }
}

fn flatten(p: &Proposal) -> Vec<Item> {
    let mut out = Vec::new();
    let mut put = |section, entry: Option<&str>, field, value: String| {
        out.push(Item {
            section,
            entry: entry.map(str::to_string),
            field,
            value,
        });
    };
    put("proposal", None, "title", p.title.clone());
    put("proposal", None, "author", p.author.to_string());
    put("proposal", None, "created", p.created.clone());
    put("proposal", None, "area", p.area.clone());
    put("proposal", None, "step", p.step.to_string());
    put("problem", None, "statement", p.problem.statement.clone());
    put("problem", None, "affected", p.problem.affected.clone());
    for i in &p.ideas {
        put("idea", Some(&i.id), "summary", i.summary.clone());
    }
    for o in &p.objections {
        put("alternatives", Some(o), "", o.clone());
    }
    put("critique", None, "chosen", p.chosen.clone());
    put("critique", None, "why", p.why.clone());
    for c in &p.critiques {
        let verdict = c
            .verdict
            .map(|v| v.as_str().to_string())
            .unwrap_or_default();
        put("critique", Some(&c.idea), "verdict", verdict);
        put("critique", Some(&c.idea), "reason", c.reason.clone());
    }
    for s in &p.stakeholders {
        put("stakeholders", Some(&s.key), "who", s.who.to_string());
        put("stakeholders", Some(&s.key), "role", s.role.clone());
        put(
            "stakeholders",
            Some(&s.key),
            "perspective",
            s.perspective.clone(),
        );
        put(
            "stakeholders",
            Some(&s.key),
            "required",
            s.required.to_string(),
        );
    }
    for s in p
        .stakeholders
        .iter()
        .filter(|s| !s.pain.is_empty() || !s.pitch.is_empty())
    {
        put("strategy", Some(&s.key), "pain", s.pain.clone());
        put("strategy", Some(&s.key), "pitch", s.pitch.clone());
    }
    for f in &p.feedback {
        let (status, answer) = answer_parts(&f.answer);
        put("socialize", Some(&f.id), "from", f.from.to_string());
        put("socialize", Some(&f.id), "date", f.date.clone());
        put("socialize", Some(&f.id), "text", f.text.clone());
        put("socialize", Some(&f.id), "status", status.to_string());
        put("socialize", Some(&f.id), "answer", answer.to_string());
    }
    put("implement", None, "plan", p.plan.clone());
    put("closing", None, "reason", p.closing.reason.clone());
    let by = p
        .closing
        .superseded_by
        .map(|n| n.to_string())
        .unwrap_or_default();
    put("closing", None, "superseded_by", by);
    out
}

/// The status word and the answer text of a feedback answer.
pub fn answer_parts(a: &Answer) -> (&'static str, &str) {
    match a {
        Answer::Open => ("open", ""),
        Answer::Incorporated(s) => ("incorporated", s),
        Answer::Declined(s) => ("declined", s),
    }
}

/// The differences from `old` to `new`, in the order of the file's sections. With no `old`
/// (a new proposal), every non-empty field is added.
pub fn diff(old: Option<&Proposal>, new: &Proposal) -> Vec<Change> {
    let before = old.map(flatten).unwrap_or_default();
    let after = flatten(new);
    let mut out = Vec::new();
    let entries = |items: &[Item]| -> Vec<String> {
        let mut seen: Vec<String> = Vec::new();
        for item in items {
            let Some(e) = &item.entry else { continue };
            // The fields of one entry come together: most items repeat the last path.
            if seen.last().is_some_and(|p| item.in_entry(p)) {
                continue;
            }
            let path = format!("{}.{e}", item.section);
            if !seen.contains(&path) {
                seen.push(path);
            }
        }
        seen
    };
    let (old_entries, new_entries) = (entries(&before), entries(&after));
    // The top-level fields first, as `proposal`, then the tables in file order.
    for section in std::iter::once("proposal").chain(SECTIONS) {
        // Plain fields of the section.
        for item in after
            .iter()
            .filter(|i| i.section == section && i.entry.is_none())
        {
            let was = before
                .iter()
                .find(|b| b.section == section && b.entry.is_none() && b.field == item.field)
                .map_or("", |b| b.value.as_str());
            if was != item.value {
                out.push(field_change(section, item.path(), was, &item.value));
            }
        }
        // Entries removed, then entries added or changed, in the new file's order.
        for path in old_entries.iter().filter(|p| in_section(p, section)) {
            if !new_entries.contains(path) {
                out.push(entry_change(section, path, Kind::Removed, &before));
            }
        }
        for path in new_entries.iter().filter(|p| in_section(p, section)) {
            if !old_entries.contains(path) {
                out.push(entry_change(section, path, Kind::Added, &after));
                continue;
            }
            for item in after.iter().filter(|i| i.in_entry(path)) {
                let was = before
                    .iter()
                    .find(|b| b.in_entry(path) && b.field == item.field)
                    .map_or("", |b| b.value.as_str());
                if was != item.value {
                    out.push(field_change(section, item.path(), was, &item.value));
                }
            }
        }
    }
    out
}

fn in_section(path: &str, section: &str) -> bool {
    path.split_once('.').is_some_and(|(s, _)| s == section)
}

fn field_change(section: &'static str, path: String, was: &str, now: &str) -> Change {
    let kind = match (was.is_empty(), now.is_empty()) {
        (true, false) => Kind::Added,
        (false, true) => Kind::Removed,
        _ => Kind::Changed,
    };
    Change {
        section,
        path,
        kind,
        old: (!was.is_empty()).then(|| was.to_string()),
        new: (!now.is_empty()).then(|| now.to_string()),
        fields: Vec::new(),
    }
}

fn entry_change(section: &'static str, path: &str, kind: Kind, items: &[Item]) -> Change {
    let fields: Vec<(String, String)> = items
        .iter()
        .filter(|i| i.in_entry(path) && !i.value.is_empty())
        .map(|i| (i.field.to_string(), i.value.clone()))
        .collect();
    let value = fields.first().map(|(_, v)| v.clone());
    let (old, new) = match kind {
        Kind::Removed => (value, None),
        _ => (None, value),
    };
    Change {
        section,
        path: path.to_string(),
        kind,
        old,
        new,
        fields,
    }
}

/// A span of a word-level diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Span {
    Same(String),
    Deleted(String),
    Inserted(String),
}

/// The word-level difference between two texts.
pub fn words(old: &str, new: &str) -> Vec<Span> {
    let diff = TextDiff::configure().diff_words(old, new);
    let mut out: Vec<Span> = Vec::new();
    for change in diff.iter_all_changes() {
        let text = change.value().to_string();
        match (change.tag(), out.last_mut()) {
            (ChangeTag::Equal, Some(Span::Same(s)))
            | (ChangeTag::Delete, Some(Span::Deleted(s)))
            | (ChangeTag::Insert, Some(Span::Inserted(s))) => s.push_str(&text),
            (ChangeTag::Equal, _) => out.push(Span::Same(text)),
            (ChangeTag::Delete, _) => out.push(Span::Deleted(text)),
            (ChangeTag::Insert, _) => out.push(Span::Inserted(text)),
        }
    }
    out
}

/// A version of a proposal in the history: the commit that made it, and the proposal as
/// it was (`None` when the file was deleted or did not parse there).
#[derive(Debug, Clone)]
pub struct Revision {
    pub commit: String,
    pub author: Person,
    pub time: i64,
    pub offset: i32,
    /// Shared: the same version is read by the sign-offs and the diffs of one run.
    pub proposal: Option<std::rc::Rc<Proposal>>,
}

/// What happened to a feedback entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedbackKind {
    /// The entry first appeared.
    Given,
    /// It was answered (or its answer changed): `incorporated` or `declined`, and the text.
    Answered { status: String, answer: String },
    /// Its answer was taken back to open.
    Reopened,
}

/// A feedback event, derived from the history of the file.
#[derive(Debug, Clone)]
pub struct FeedbackEvent {
    pub id: String,
    pub kind: FeedbackKind,
    /// Who gave the feedback (from the entry).
    pub from: Person,
    pub text: String,
    /// The commit where it happened, and its author and time.
    pub commit: String,
    pub author: Person,
    pub time: i64,
    pub offset: i32,
}

/// Where each feedback entry first appeared and where it was answered, from the revisions
/// of a proposal, oldest first.
pub fn feedback_timeline(revisions: &[Revision]) -> Vec<FeedbackEvent> {
    let mut out = Vec::new();
    let mut last: Vec<(String, Answer)> = Vec::new();
    for rev in revisions {
        let Some(p) = &rev.proposal else { continue };
        for f in &p.feedback {
            let event = |kind| FeedbackEvent {
                id: f.id.clone(),
                kind,
                from: f.from.clone(),
                text: f.text.clone(),
                commit: rev.commit.clone(),
                author: rev.author.clone(),
                time: rev.time,
                offset: rev.offset,
            };
            let before = last
                .iter()
                .find(|(id, _)| *id == f.id)
                .map(|(_, a)| a.clone());
            if before.is_none() {
                out.push(event(FeedbackKind::Given));
            }
            if before.as_ref() != Some(&f.answer) {
                let (status, answer) = answer_parts(&f.answer);
                match (&before, &f.answer) {
                    (None, Answer::Open) => {}
                    (Some(_), Answer::Open) => out.push(event(FeedbackKind::Reopened)),
                    _ => out.push(event(FeedbackKind::Answered {
                        status: status.to_string(),
                        answer: answer.to_string(),
                    })),
                }
            }
        }
        last = p
            .feedback
            .iter()
            .map(|f| (f.id.clone(), f.answer.clone()))
            .collect();
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn proposal(body: &str) -> Proposal {
        Proposal::parse(&format!(
            "schema = 1\nid = 7\ntitle = \"T\"\nauthor = \"Ada <ada@example.com>\"\nstep = \"idea\"\n{body}"
        ))
        .unwrap()
    }

    #[test]
    fn fields_and_entries_are_matched_by_id() {
        let old = proposal(
            "[problem]\nstatement = \"CI fails\"\n[idea.I1]\nsummary = \"Retry\"\n[idea.I2]\nsummary = \"Quarantine\"\n",
        );
        let new = proposal(
            "[idea.I2]\nsummary = \"Quarantine them\"\n[idea.I3]\nsummary = \"Fix\"\n[problem]\nstatement = \"CI fails often\"\naffected = \"all\"\n",
        );
        let changes = diff(Some(&old), &new);
        let summary: Vec<(&str, Kind)> =
            changes.iter().map(|c| (c.path.as_str(), c.kind)).collect();
        assert_eq!(
            summary,
            [
                ("problem.statement", Kind::Changed),
                ("problem.affected", Kind::Added),
                ("idea.I1", Kind::Removed),
                ("idea.I2.summary", Kind::Changed),
                ("idea.I3", Kind::Added),
            ]
        );
        assert_eq!(changes[2].old.as_deref(), Some("Retry"));
        assert_eq!(
            changes[4].fields,
            [("summary".to_string(), "Fix".to_string())]
        );
        assert!(diff(Some(&new), &new).is_empty());
    }

    #[test]
    fn reordering_is_not_a_change() {
        let a = proposal("[idea.I1]\nsummary = \"a\"\n[idea.I2]\nsummary = \"b\"\n");
        let b = proposal("[idea.I2]\nsummary = \"b\"\n[idea.I1]\nsummary = \"a\"\n");
        assert!(diff(Some(&a), &b).is_empty());
    }

    #[test]
    fn word_diff_keeps_the_shared_words() {
        assert_eq!(
            words("the owner is paged", "the team is paged"),
            [
                Span::Same("the ".into()),
                Span::Deleted("owner".into()),
                Span::Inserted("team".into()),
                Span::Same(" is paged".into())
            ]
        );
    }

    #[test]
    fn the_feedback_timeline_follows_the_revisions() {
        let rev = |commit: &str, body: &str| Revision {
            commit: commit.into(),
            author: Person::new("Ada", "ada@example.com"),
            time: 0,
            offset: 0,
            proposal: Some(std::rc::Rc::new(proposal(body))),
        };
        let f1 = "[socialize.F1]\nfrom = \"Dana <d@example.com>\"\ntext = \"page\"\n";
        let revisions = [
            rev("a", ""),
            rev("b", f1),
            rev(
                "c",
                &format!("{f1}status = \"incorporated\"\nanswer = \"paged\"\n"),
            ),
            rev("d", f1),
        ];
        let events: Vec<(String, FeedbackKind)> = feedback_timeline(&revisions)
            .into_iter()
            .map(|e| (e.commit, e.kind))
            .collect();
        assert_eq!(
            events,
            [
                ("b".into(), FeedbackKind::Given),
                (
                    "c".into(),
                    FeedbackKind::Answered {
                        status: "incorporated".into(),
                        answer: "paged".into()
                    }
                ),
                ("d".into(), FeedbackKind::Reopened),
            ]
        );
    }
}

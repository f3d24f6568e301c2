//! Format-preserving edits of a proposal file.
//!
//! Each function takes the file's text and returns the new text with one change made:
//! comments, key order, spacing and the decoration of a replaced value are kept. The
//! result is parsed again before it is returned, so an edit never yields a file that
//! [`Proposal::parse`] rejects.

use toml_edit::{DocumentMut, Item, Table, Value};

use super::proposal::{item_number, ParseError, Proposal, Verdict};
use super::step::Step;

/// What `git lead stakeholder` sets; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct StakeholderFields {
    pub who: String,
    pub role: Option<String>,
    pub perspective: Option<String>,
    pub pain: Option<String>,
    pub pitch: Option<String>,
    pub required: Option<bool>,
}

/// Sets the top-level `step`.
pub fn set_step(src: &str, step: Step) -> Result<String, ParseError> {
    edit(src, |doc| {
        set_str(doc.as_table_mut(), "step", step.as_str());
    })
}

/// Sets the problem statement and who it affects, where given.
pub fn set_problem(
    src: &str,
    statement: Option<&str>,
    affected: Option<&str>,
) -> Result<String, ParseError> {
    edit(src, |doc| {
        let t = section(doc, "problem");
        if let Some(s) = statement {
            set_str(t, "statement", s);
        }
        if let Some(a) = affected {
            set_str(t, "affected", a);
        }
    })
}

/// Adds an idea under the next free id; returns the new text and the id.
pub fn add_idea(src: &str, summary: &str) -> Result<(String, String), ParseError> {
    let id = next_id(src, 'I', |p| p.ideas.iter().map(|i| i.id.clone()).collect())?;
    let text = edit(src, |doc| {
        let t = sub_table(section(doc, "idea"), &id);
        set_str(t, "summary", summary);
    })?;
    Ok((text, id))
}

/// Appends an expected objection.
pub fn add_objection(src: &str, objection: &str) -> Result<String, ParseError> {
    edit(src, |doc| {
        let t = section(doc, "alternatives");
        let item = t
            .entry("objections")
            .or_insert(toml_edit::value(toml_edit::Array::new()));
        match item.as_array_mut() {
            Some(array) => array.push(objection),
            None => {
                let mut array = toml_edit::Array::new();
                array.push(objection);
                *item = toml_edit::value(array);
            }
        }
    })
}

/// Writes the verdict and reason of an idea's critique.
pub fn set_critique(
    src: &str,
    idea: &str,
    verdict: Verdict,
    reason: &str,
) -> Result<String, ParseError> {
    edit(src, |doc| {
        let t = sub_table(section(doc, "critique"), idea);
        set_str(t, "verdict", verdict.as_str());
        set_str(t, "reason", reason);
    })
}

/// Records the chosen idea and why.
pub fn set_choice(src: &str, idea: &str, why: &str) -> Result<String, ParseError> {
    edit(src, |doc| {
        let t = section(doc, "critique");
        set_str(t, "chosen", idea);
        set_str(t, "why", why);
    })
}

/// Adds or updates the stakeholder under `key`; pain and pitch go to `[strategy.<key>]`.
pub fn set_stakeholder(
    src: &str,
    key: &str,
    fields: &StakeholderFields,
) -> Result<String, ParseError> {
    edit(src, |doc| {
        let s = sub_table(section(doc, "stakeholders"), key);
        set_str(s, "who", &fields.who);
        for (name, value) in [("role", &fields.role), ("perspective", &fields.perspective)] {
            if let Some(v) = value {
                set_str(s, name, v);
            } else if !s.contains_key(name) {
                set_str(s, name, "");
            }
        }
        match fields.required {
            Some(r) => set_value(s, "required", Value::from(r)),
            None if !s.contains_key("required") => set_value(s, "required", Value::from(false)),
            None => {}
        }
        if fields.pain.is_some() || fields.pitch.is_some() {
            let st = sub_table(section(doc, "strategy"), key);
            for (name, value) in [("pain", &fields.pain), ("pitch", &fields.pitch)] {
                if let Some(v) = value {
                    set_str(st, name, v);
                } else if !st.contains_key(name) {
                    set_str(st, name, "");
                }
            }
        }
    })
}

/// Adds feedback entry `id` (the caller picks it, so that ids are never reused).
pub fn add_feedback(
    src: &str,
    id: &str,
    from: &str,
    date: &str,
    text: &str,
) -> Result<String, ParseError> {
    edit(src, |doc| {
        let t = sub_table(section(doc, "socialize"), id);
        set_str(t, "from", from);
        set_str(t, "date", date);
        set_str(t, "text", text);
        set_str(t, "status", "open");
        set_str(t, "answer", "");
    })
}

/// Answers feedback entry `id`: `status` is `incorporated` or `declined`.
pub fn answer_feedback(
    src: &str,
    id: &str,
    status: &str,
    answer: &str,
) -> Result<String, ParseError> {
    edit(src, |doc| {
        let t = sub_table(section(doc, "socialize"), id);
        set_str(t, "status", status);
        set_str(t, "answer", answer);
    })
}

/// Records why a proposal closed early: a reason, and the proposal that replaces it.
pub fn set_closing(
    src: &str,
    reason: &str,
    superseded_by: Option<u32>,
) -> Result<String, ParseError> {
    edit(src, |doc| {
        let t = section(doc, "closing");
        set_str(t, "reason", reason);
        if let Some(id) = superseded_by {
            set_value(t, "superseded_by", Value::from(i64::from(id)));
        }
    })
}

/// Gives the proposal id `to` (it was `from`): the `id` field, and the template's comments
/// above the first field that name the old id (`# Proposal 8, ...`, `git lead show 8`).
pub fn set_id(src: &str, from: u32, to: u32) -> Result<String, ParseError> {
    edit(src, |doc| {
        let root = doc.as_table_mut();
        let first = root.iter().next().map(|(k, _)| k.to_string());
        if let Some(mut key) = first.and_then(|k| root.key_mut(&k)) {
            let decor = key.leaf_decor_mut();
            if let Some(prefix) = decor.prefix().and_then(|p| p.as_str()) {
                let mut text = prefix.to_string();
                for (old, new) in [
                    (format!("# Proposal {from},"), format!("# Proposal {to},")),
                    (
                        format!("`git lead show {from}`"),
                        format!("`git lead show {to}`"),
                    ),
                    (
                        format!("`git lead advance {from}`"),
                        format!("`git lead advance {to}`"),
                    ),
                ] {
                    text = text.replace(&old, &new);
                }
                decor.set_prefix(text);
            }
        }
        set_value(root, "id", Value::from(i64::from(to)));
    })
}

/// The next free item id with `prefix`, one past the highest in the file.
fn next_id(
    src: &str,
    prefix: char,
    ids: impl Fn(&Proposal) -> Vec<String>,
) -> Result<String, ParseError> {
    let p = Proposal::parse(src)?;
    let max = ids(&p).iter().map(|id| item_number(id)).max().unwrap_or(0);
    Ok(format!("{prefix}{}", max + 1))
}

fn edit(src: &str, change: impl FnOnce(&mut DocumentMut)) -> Result<String, ParseError> {
    Proposal::parse(src)?;
    let mut doc: DocumentMut = src.parse().map_err(|e: toml_edit::TomlError| {
        ParseError::at(
            src,
            e.span().map_or(0, |s| s.start),
            e.message().to_string(),
        )
    })?;
    change(&mut doc);
    let text = doc.to_string();
    Proposal::parse(&text)?;
    Ok(text)
}

/// The table `[name]`, created at the end of the file when absent.
fn section<'d>(doc: &'d mut DocumentMut, name: &str) -> &'d mut Table {
    sub_table(doc.as_table_mut(), name)
}

/// The sub-table `key` of `t`, created when absent; an inline table becomes a standard one.
fn sub_table<'t>(t: &'t mut Table, key: &str) -> &'t mut Table {
    if let Some(Item::Value(Value::InlineTable(inline))) = t.get_mut(key) {
        let table = std::mem::take(inline).into_table();
        t.insert(key, Item::Table(table));
        // `bo = { ... }` carried spacing around the key that a header does not want.
        if let Some(mut k) = t.key_mut(key) {
            k.leaf_decor_mut().clear();
        }
    }
    let item = t.entry(key).or_insert_with(toml_edit::table);
    if !item.is_table() {
        *item = toml_edit::table();
    }
    // Invariant: `item` was made a standard table just above.
    #[allow(clippy::expect_used)]
    item.as_table_mut().expect("made a table above")
}

fn set_str(t: &mut Table, key: &str, text: &str) {
    set_value(t, key, Value::from(text));
}

/// Replaces a value, keeping the decoration (spacing, trailing comment) of the old one.
pub(crate) fn set_value(t: &mut Table, key: &str, mut value: Value) {
    if let Some(old) = t.get_mut(key).and_then(Item::as_value_mut) {
        *value.decor_mut() = old.decor().clone();
        *old = value;
    } else {
        t.insert(key, Item::Value(value));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::model::person::Person;
    use crate::model::template::{render, NewProposal};

    fn template() -> String {
        render(&NewProposal {
            id: 1,
            title: "T".into(),
            author: Person::new("Ada", "ada@example.com"),
            created: "2026-12-01".into(),
            area: None,
            statement: String::new(),
            affected: String::new(),
        })
    }

    #[test]
    fn set_id_changes_the_id_and_the_comments_that_name_it() {
        let src = template();
        let out = set_id(&src, 1, 12).unwrap();
        assert!(
            out.starts_with("# Proposal 12, tracked by git lead."),
            "{out}"
        );
        assert!(out.contains("`git lead show 12`") && out.contains("`git lead advance 12`"));
        assert_eq!(Proposal::parse(&out).unwrap().id, 12);
        assert_eq!(out.replace("12", "1"), src.replace("12", "1"));
    }

    #[test]
    fn setting_the_step_keeps_its_comment() {
        let text = set_step(&template(), Step::Idea).unwrap();
        assert!(text.contains("step = \"idea\"  # moved only by `git lead advance`\n"));
        assert_eq!(text.replace("\"idea\"  #", "\"problem\"  #"), template());
    }

    #[test]
    fn ideas_land_in_their_section_with_fresh_ids() {
        let (text, id) = add_idea(&template(), "First").unwrap();
        assert_eq!(id, "I1");
        let (text, id) = add_idea(&text, "Second").unwrap();
        assert_eq!(id, "I2");
        let idea = text.find("[idea]\n").unwrap();
        let i1 = text.find("[idea.I1]\nsummary = \"First\"").unwrap();
        let i2 = text.find("[idea.I2]\nsummary = \"Second\"").unwrap();
        let alternatives = text.find("# 3 · alternatives").unwrap();
        assert!(idea < i1 && i1 < i2 && i2 < alternatives, "{text}");
        let p = Proposal::parse(&text).unwrap();
        assert_eq!(p.ideas.len(), 2);
    }

    #[test]
    fn every_setter_reads_back() {
        let (text, _) = add_idea(&template(), "A").unwrap();
        let text = add_objection(&text, "It costs").unwrap();
        let text = set_critique(&text, "I1", Verdict::RootCause, "cause").unwrap();
        let text = set_choice(&text, "I1", "only one").unwrap();
        let fields = StakeholderFields {
            who: "Bo Chen <bo@example.com>".into(),
            perspective: Some("wary".into()),
            pitch: Some("less toil".into()),
            required: Some(true),
            ..Default::default()
        };
        let text = set_stakeholder(&text, "bo-chen", &fields).unwrap();
        let text = set_problem(&text, Some("line one\nline two"), Some("all")).unwrap();
        let p = Proposal::parse(&text).unwrap();
        assert_eq!(p.objections, ["It costs"]);
        assert_eq!(p.critique("I1").unwrap().verdict, Some(Verdict::RootCause));
        assert_eq!(p.chosen, "I1");
        assert_eq!(p.stakeholders[0].pitch, "less toil");
        assert!(p.stakeholders[0].required);
        assert_eq!(p.problem.statement, "line one\nline two");
        let stakeholders = text.find("[stakeholders.bo-chen]").unwrap();
        let strategy = text.find("[strategy.bo-chen]").unwrap();
        assert!(stakeholders < text.find("# 6 · strategy").unwrap());
        assert!(strategy < text.find("# 7 · socialize").unwrap());
    }

    #[test]
    fn an_inline_table_becomes_a_clean_header() {
        let src = template().replace(
            "[stakeholders]\n",
            "[stakeholders]\nbo = { who = \"Bo <bo@example.com>\", perspective = \"p\" }\n",
        );
        let fields = StakeholderFields {
            who: "Bo <bo@example.com>".into(),
            role: Some("lead".into()),
            ..Default::default()
        };
        let text = set_stakeholder(&src, "bo", &fields).unwrap();
        assert!(text.contains("[stakeholders.bo]\nwho = "), "{text}");
        assert_eq!(Proposal::parse(&text).unwrap().stakeholders[0].role, "lead");
    }

    #[test]
    fn feedback_is_added_and_answered_in_place() {
        let text = add_feedback(
            &template(),
            "F3",
            "Dana <d@example.com>",
            "2026-12-01",
            "Page",
        )
        .unwrap();
        let text = answer_feedback(&text, "F3", "declined", "Too noisy").unwrap();
        let p = Proposal::parse(&text).unwrap();
        assert_eq!(p.feedback[0].id, "F3");
        assert_eq!(
            p.feedback[0].answer,
            crate::model::proposal::Answer::Declined("Too noisy".into())
        );
        let socialize = text.find("[socialize.F3]").unwrap();
        assert!(text.find("# 7 · socialize").unwrap() < socialize);
        assert!(socialize < text.find("# 8 · implement").unwrap());
    }

    #[test]
    fn a_file_that_does_not_parse_is_not_edited() {
        let e = set_step("schema = 1\nid = [\n", Step::Idea).unwrap_err();
        assert_eq!(e.line, 2);
    }
}

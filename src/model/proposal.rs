//! The proposal file: its schema, and a reader that names file, line, column and field on
//! every error.
//!
//! Reading goes through `toml_edit`'s spanned document rather than serde so that every
//! error can point at the exact key or value, and unknown keys (usually typos) are caught.

use std::ops::Range;

use toml_edit::{Item, TableLike};

use super::person::Person;
use super::step::Step;

/// The tables of a proposal file, in the order the template writes them.
pub const SECTIONS: [&str; 9] = [
    "problem",
    "idea",
    "alternatives",
    "critique",
    "stakeholders",
    "strategy",
    "socialize",
    "implement",
    "closing",
];

/// The schema version this build reads and writes.
pub const SCHEMA: i64 = 1;

/// A parsed proposal file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub id: u32,
    pub title: String,
    pub author: Person,
    pub created: String,
    pub area: String,
    pub step: Step,
    pub problem: Problem,
    pub ideas: Vec<Idea>,
    pub objections: Vec<String>,
    pub critiques: Vec<Critique>,
    pub chosen: String,
    pub why: String,
    pub stakeholders: Vec<Stakeholder>,
    pub feedback: Vec<Feedback>,
    pub plan: String,
    pub closing: Closing,
}

/// Step 1.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problem {
    pub statement: String,
    pub affected: String,
}

/// An idea of steps 2 and 3, under its stable id (`I1`, `I2`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Idea {
    pub id: String,
    pub summary: String,
}

/// How an idea fares in step 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// It removes the cause of the problem.
    RootCause,
    /// It eases the symptom only.
    BandAid,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::RootCause => "root-cause",
            Verdict::BandAid => "band-aid",
        }
    }

    pub fn parse(s: &str) -> Option<Verdict> {
        match s {
            "root-cause" => Some(Verdict::RootCause),
            "band-aid" => Some(Verdict::BandAid),
            _ => None,
        }
    }
}

/// The critique of one idea.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Critique {
    pub idea: String,
    pub verdict: Option<Verdict>,
    pub reason: String,
}

/// A stakeholder of step 5, with the strategy of step 6 for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stakeholder {
    /// The key of their table, a slug of their name: `[stakeholders.bo-chen]`.
    pub key: String,
    pub who: Person,
    pub role: String,
    pub perspective: String,
    pub required: bool,
    pub pain: String,
    pub pitch: String,
}

/// What was said about the proposal in step 7, and its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feedback {
    pub id: String,
    pub from: Person,
    pub date: String,
    pub text: String,
    pub answer: Answer,
}

/// The answer to a feedback entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Open,
    Incorporated(String),
    Declined(String),
}

/// Why a proposal was closed early, when it was.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Closing {
    pub reason: String,
    pub superseded_by: Option<u32>,
}

/// The largest proposal file read, in bytes (1 MiB): a proposal is a page of text, and a
/// larger file is refused with an error rather than parsed at any cost.
pub const MAX_FILE: usize = 1 << 20;

/// A reading error, located in the source text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl ParseError {
    /// Locates `message` at byte `offset` of `src`, counting 1-based lines and characters.
    pub fn at(src: &str, offset: usize, message: impl Into<String>) -> Self {
        let offset = offset.min(src.len());
        let before = src.get(..offset).unwrap_or(src);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
        ParseError {
            line,
            column,
            message: message.into(),
        }
    }
}

impl Proposal {
    /// Parses a proposal file's text.
    pub fn parse(src: &str) -> Result<Proposal, ParseError> {
        // A bound on what reading one file can cost: the parse takes some 50 times the
        // file's size in memory (100,000 stakeholders, 10 MB, took 516 MB).
        if src.len() > MAX_FILE {
            return Err(ParseError::at(
                src,
                0,
                format!(
                    "the file is {:.1} MB; a proposal file may be at most {} MB (move long \
                     text to documents the proposal links to)",
                    src.len() as f64 / 1e6,
                    MAX_FILE >> 20
                ),
            ));
        }
        let doc = toml_edit::Document::parse(src).map_err(|e| {
            if let Some(offset) = conflict_marker(src) {
                return ParseError::at(
                    src,
                    offset,
                    "an unresolved merge conflict: keep the right side, remove the \
                     <<<<<<< ======= >>>>>>> lines, then 'git add' the file",
                );
            }
            let offset = e.span().map_or(0, |s| s.start);
            ParseError::at(src, offset, format!("invalid TOML: {}", e.message().trim()))
        })?;
        Reader { src }.proposal(doc.as_table())
    }

    /// The idea with this id (`I2`, `i2` or `2`).
    pub fn idea(&self, id: &str) -> Option<&Idea> {
        let id = normalize_item_id('I', id)?;
        self.ideas.iter().find(|i| i.id == id)
    }

    /// The critique of the idea with this id.
    pub fn critique(&self, idea: &str) -> Option<&Critique> {
        self.critiques.iter().find(|c| c.idea == idea)
    }

    /// Stakeholders other than the author: the ones that count toward a quorum.
    pub fn others(&self) -> impl Iterator<Item = &Stakeholder> {
        self.stakeholders
            .iter()
            .filter(|s| !s.who.same_email(&self.author))
    }
}

/// The 1-based line of the first line that opens a git conflict (`<<<<<<< ours`) in a
/// text, if one does.
pub fn conflict_marker_line(src: &str) -> Option<usize> {
    conflict_marker(src).map(|offset| ParseError::at(src, offset, "").line)
}

/// The byte offset of the first line that opens a git conflict (`<<<<<<< `, or a
/// `<<<<<<<` line alone), in a text that is not valid TOML.
fn conflict_marker(src: &str) -> Option<usize> {
    let mut offset = 0;
    for line in src.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']);
        if let Some(rest) = bare.strip_prefix("<<<<<<<") {
            if rest.is_empty() || rest.starts_with(' ') || rest.starts_with('<') {
                return Some(offset);
            }
        }
        offset += line.len();
    }
    None
}

/// The `id` a proposal file's text gives, read without parsing it, when that is safe: the
/// first lines are comments or simple `key = value` lines, and one of them is `id = <digits>`
/// before any table. Whenever the text parses as a proposal, its id is this one; `None`
/// says nothing (read the file whole to know).
pub fn quick_id(src: &str) -> Option<u32> {
    for line in src.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        // Anything that may open a table, an array, an inline table or a multi-line
        // string could make a later `id = ` line something else than the top-level key.
        if line.contains(['[', '{']) || line.contains("\"\"\"") || line.contains("\'\'\'") {
            return None;
        }
        let Some(rest) = line.strip_prefix("id") else {
            continue;
        };
        let Some(value) = rest.trim_start().strip_prefix('=') else {
            continue;
        };
        let value = value.split('#').next().unwrap_or_default().trim();
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        return value.parse().ok();
    }
    None
}

/// The 1-based line of a dotted field (`problem.statement`, `socialize.F1.status`) in a
/// proposal's text: the line of the deepest part of the path that exists there, so that a
/// missing field points at its table. `None` when the text does not parse or nothing of the
/// path exists.
pub fn field_line(src: &str, path: &str) -> Option<usize> {
    let doc = toml_edit::Document::parse(src).ok()?;
    let mut table: &dyn TableLike = doc.as_table();
    let mut offset = None;
    for part in path.split('.') {
        let Some((key, item)) = table.get_key_value(part) else {
            break;
        };
        offset = key
            .span()
            .or_else(|| item.span())
            .map(|s| s.start)
            .or(offset);
        match item.as_table_like() {
            Some(t) => table = t,
            None => break,
        }
    }
    offset.map(|o| ParseError::at(src, o, "").line)
}

/// Turns `I2`, `i2` or `2` into `I2`; `None` when it is not such an id.
pub fn normalize_item_id(prefix: char, given: &str) -> Option<String> {
    let given = given.trim();
    let digits = given
        .strip_prefix(prefix)
        .or_else(|| given.strip_prefix(prefix.to_ascii_lowercase()))
        .unwrap_or(given);
    let n: u32 = digits.parse().ok()?;
    Some(format!("{prefix}{n}"))
}

/// The number of an item id such as `I12`.
pub fn item_number(id: &str) -> u32 {
    id.get(1..).and_then(|n| n.parse().ok()).unwrap_or(0)
}

struct Reader<'s> {
    src: &'s str,
}

type Fields<'t> = &'t dyn TableLike;

impl<'s> Reader<'s> {
    fn error(&self, span: Option<Range<usize>>, message: String) -> ParseError {
        ParseError::at(self.src, span.map_or(0, |s| s.start), message)
    }

    fn proposal(&self, root: &toml_edit::Table) -> Result<Proposal, ParseError> {
        let mut known = vec!["schema", "id", "title", "author", "created", "area", "step"];
        known.extend(SECTIONS);
        self.known_keys(root, "", &known)?;
        let schema = self.required_int(root, "", "schema")?;
        if schema != SCHEMA {
            return Err(self.error(
                root.get("schema").and_then(Item::span),
                format!("field `schema`: this version of git lead reads schema {SCHEMA}, not {schema}; upgrade git lead"),
            ));
        }
        let id = self.required_int(root, "", "id")?;
        let id = u32::try_from(id).ok().filter(|id| *id > 0).ok_or_else(|| {
            self.error(
                root.get("id").and_then(Item::span),
                "field `id`: expected a positive number".into(),
            )
        })?;
        let step_text = self.required_str(root, "", "step")?;
        let step = Step::parse(&step_text).ok_or_else(|| {
            self.error(
                root.get("step").and_then(Item::span),
                format!(
                    "field `step`: unknown step '{step_text}'; the steps are {}",
                    Step::names().join(", ")
                ),
            )
        })?;
        let author_text = self.required_str(root, "", "author")?;
        let author = Person::parse(&author_text).ok_or_else(|| {
            self.error(
                root.get("author").and_then(Item::span),
                "field `author`: expected \"Name <email>\"".into(),
            )
        })?;
        let critique = self.section(root, "critique")?;
        let mut proposal = Proposal {
            id,
            title: self.required_str(root, "", "title")?,
            author,
            created: self.string(root, "", "created")?,
            area: self.string(root, "", "area")?,
            step,
            problem: self.problem(root)?,
            ideas: self.ideas(root)?,
            objections: self.objections(root)?,
            critiques: Vec::new(),
            chosen: String::new(),
            why: String::new(),
            stakeholders: self.stakeholders(root)?,
            feedback: self.feedback(root)?,
            plan: String::new(),
            closing: self.closing(root)?,
        };
        if let Some(t) = critique {
            proposal.chosen = self.string(t, "critique", "chosen")?;
            proposal.why = self.string(t, "critique", "why")?;
            proposal.critiques = self.critiques(t, &proposal.ideas)?;
        }
        if let Some(t) = self.section(root, "implement")? {
            self.known_keys(t, "implement", &["plan"])?;
            proposal.plan = self.string(t, "implement", "plan")?;
        }
        if proposal.title.trim().is_empty() {
            return Err(self.error(
                root.get("title").and_then(Item::span),
                "field `title`: the title is empty".into(),
            ));
        }
        Ok(proposal)
    }

    fn problem(&self, root: Fields) -> Result<Problem, ParseError> {
        let Some(t) = self.section(root, "problem")? else {
            return Ok(Problem::default());
        };
        self.known_keys(t, "problem", &["statement", "affected"])?;
        Ok(Problem {
            statement: self.string(t, "problem", "statement")?,
            affected: self.string(t, "problem", "affected")?,
        })
    }

    fn ideas(&self, root: Fields) -> Result<Vec<Idea>, ParseError> {
        let mut ideas = Vec::new();
        for (key, t) in self.items(root, "idea", 'I')? {
            let path = format!("idea.{key}");
            self.known_keys(t, &path, &["summary"])?;
            ideas.push(Idea {
                summary: self.string(t, &path, "summary")?,
                id: key,
            });
        }
        Ok(ideas)
    }

    fn objections(&self, root: Fields) -> Result<Vec<String>, ParseError> {
        let Some(t) = self.section(root, "alternatives")? else {
            return Ok(Vec::new());
        };
        self.known_keys(t, "alternatives", &["objections"])?;
        let Some(item) = t.get("objections") else {
            return Ok(Vec::new());
        };
        let bad = || {
            self.error(
                item.span(),
                "field `alternatives.objections`: expected an array of strings".into(),
            )
        };
        let array = item.as_array().ok_or_else(bad)?;
        array
            .iter()
            .map(|v| v.as_str().map(str::to_string).ok_or_else(bad))
            .collect()
    }

    fn critiques(&self, t: Fields, ideas: &[Idea]) -> Result<Vec<Critique>, ParseError> {
        let mut out = Vec::new();
        for (key, c) in self.items_of(t, "critique", 'I', &["chosen", "why"])? {
            let path = format!("critique.{key}");
            self.known_keys(c, &path, &["verdict", "reason"])?;
            let verdict_text = self.string(c, &path, "verdict")?;
            let verdict = match verdict_text.as_str() {
                "" => None,
                v => Some(Verdict::parse(v).ok_or_else(|| {
                    self.error(
                        c.get("verdict").and_then(Item::span),
                        format!("field `{path}.verdict`: expected \"root-cause\" or \"band-aid\", not \"{v}\""),
                    )
                })?),
            };
            if !ideas.iter().any(|i| i.id == key) {
                return Err(self.error(
                    self.key_span(t, &key),
                    format!("field `{path}`: there is no idea {key} to critique"),
                ));
            }
            out.push(Critique {
                reason: self.string(c, &path, "reason")?,
                idea: key,
                verdict,
            });
        }
        Ok(out)
    }

    fn stakeholders(&self, root: Fields) -> Result<Vec<Stakeholder>, ParseError> {
        let strategy = self.section(root, "strategy")?;
        let mut out = Vec::new();
        let people = self.section(root, "stakeholders")?;
        for (key, item) in people.iter().flat_map(|t| t.iter()) {
            let path = format!("stakeholders.{key}");
            let s = self.table_like(item, &path)?;
            self.known_keys(s, &path, &["who", "role", "perspective", "required"])?;
            let who_text = self.required_str(s, &path, "who")?;
            let who = Person::parse(&who_text).ok_or_else(|| {
                self.error(
                    s.get("who").and_then(Item::span),
                    format!("field `{path}.who`: expected \"Name <email>\""),
                )
            })?;
            let required = match s.get("required") {
                None => false,
                Some(item) => item.as_bool().ok_or_else(|| {
                    self.error(
                        item.span(),
                        format!("field `{path}.required`: expected true or false"),
                    )
                })?,
            };
            let mut stakeholder = Stakeholder {
                key: key.to_string(),
                who,
                role: self.string(s, &path, "role")?,
                perspective: self.string(s, &path, "perspective")?,
                required,
                pain: String::new(),
                pitch: String::new(),
            };
            if let Some(pitch) = strategy.and_then(|st| st.get(key)) {
                let path = format!("strategy.{key}");
                let p = self.table_like(pitch, &path)?;
                self.known_keys(p, &path, &["pain", "pitch"])?;
                stakeholder.pain = self.string(p, &path, "pain")?;
                stakeholder.pitch = self.string(p, &path, "pitch")?;
            }
            out.push(stakeholder);
        }
        if let Some(st) = strategy {
            for (key, _) in st.iter() {
                if !out.iter().any(|s| s.key == key) {
                    return Err(self.error(
                        self.key_span(st, key),
                        format!("field `strategy.{key}`: there is no stakeholder '{key}' in [stakeholders]"),
                    ));
                }
            }
        }
        Ok(out)
    }

    fn feedback(&self, root: Fields) -> Result<Vec<Feedback>, ParseError> {
        let mut out = Vec::new();
        for (key, f) in self.items(root, "socialize", 'F')? {
            let path = format!("socialize.{key}");
            self.known_keys(f, &path, &["from", "date", "text", "status", "answer"])?;
            let from_text = self.required_str(f, &path, "from")?;
            let from = Person::parse(&from_text).ok_or_else(|| {
                self.error(
                    f.get("from").and_then(Item::span),
                    format!("field `{path}.from`: expected \"Name <email>\""),
                )
            })?;
            let answer_text = self.string(f, &path, "answer")?;
            let answer = match self.string(f, &path, "status")?.as_str() {
                "" | "open" => Answer::Open,
                "incorporated" => Answer::Incorporated(answer_text),
                "declined" => Answer::Declined(answer_text),
                other => {
                    return Err(self.error(
                        f.get("status").and_then(Item::span),
                        format!("field `{path}.status`: expected \"open\", \"incorporated\" or \"declined\", not \"{other}\""),
                    ))
                }
            };
            out.push(Feedback {
                date: self.string(f, &path, "date")?,
                text: self.string(f, &path, "text")?,
                id: key,
                from,
                answer,
            });
        }
        Ok(out)
    }

    fn closing(&self, root: Fields) -> Result<Closing, ParseError> {
        let Some(t) = self.section(root, "closing")? else {
            return Ok(Closing::default());
        };
        self.known_keys(t, "closing", &["reason", "superseded_by"])?;
        let superseded_by = match t.get("superseded_by") {
            None => None,
            Some(item) => Some(
                item.as_integer()
                    .and_then(|n| u32::try_from(n).ok())
                    .filter(|n| *n > 0)
                    .ok_or_else(|| {
                        self.error(
                            item.span(),
                            "field `closing.superseded_by`: expected a proposal id".into(),
                        )
                    })?,
            ),
        };
        Ok(Closing {
            reason: self.string(t, "closing", "reason")?,
            superseded_by,
        })
    }

    /// The sub-tables of `[name]` keyed by item ids such as `I1`, sorted by number.
    fn items<'t>(
        &self,
        root: Fields<'t>,
        name: &str,
        prefix: char,
    ) -> Result<Vec<(String, Fields<'t>)>, ParseError> {
        match self.section(root, name)? {
            Some(t) => self.items_of(t, name, prefix, &[]),
            None => Ok(Vec::new()),
        }
    }

    fn items_of<'t>(
        &self,
        t: Fields<'t>,
        name: &str,
        prefix: char,
        plain_keys: &[&str],
    ) -> Result<Vec<(String, Fields<'t>)>, ParseError> {
        let mut out = Vec::new();
        for (key, item) in t.iter() {
            if plain_keys.contains(&key) {
                continue;
            }
            if normalize_item_id(prefix, key).as_deref() != Some(key) {
                return Err(self.error(
                    self.key_span(t, key),
                    format!(
                        "field `{name}.{key}`: expected an id such as {prefix}1, {prefix}2, ..."
                    ),
                ));
            }
            out.push((
                key.to_string(),
                self.table_like(item, &format!("{name}.{key}"))?,
            ));
        }
        out.sort_by_key(|(key, _)| item_number(key));
        Ok(out)
    }

    fn section<'t>(&self, root: Fields<'t>, name: &str) -> Result<Option<Fields<'t>>, ParseError> {
        root.get(name)
            .map(|item| self.table_like(item, name))
            .transpose()
    }

    fn table_like<'t>(&self, item: &'t Item, path: &str) -> Result<Fields<'t>, ParseError> {
        item.as_table_like().ok_or_else(|| {
            self.error(
                item.span(),
                format!(
                    "field `{path}`: expected a table, found {}",
                    item.type_name()
                ),
            )
        })
    }

    fn known_keys(&self, t: Fields, path: &str, known: &[&str]) -> Result<(), ParseError> {
        for (key, _) in t.iter() {
            if !known.contains(&key) {
                let full = if path.is_empty() {
                    key.to_string()
                } else {
                    format!("{path}.{key}")
                };
                return Err(self.error(
                    self.key_span(t, key),
                    format!(
                        "unknown field `{full}`; expected one of: {}",
                        known.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    fn key_span(&self, t: Fields, key: &str) -> Option<Range<usize>> {
        t.get_key_value(key)
            .and_then(|(k, item)| k.span().or_else(|| item.span()))
    }

    fn string(&self, t: Fields, path: &str, key: &str) -> Result<String, ParseError> {
        match t.get(key) {
            None => Ok(String::new()),
            Some(item) => item.as_str().map(str::to_string).ok_or_else(|| {
                self.error(
                    item.span(),
                    format!(
                        "field `{}`: expected a string, found {}",
                        join(path, key),
                        item.type_name()
                    ),
                )
            }),
        }
    }

    fn required_str(&self, t: Fields, path: &str, key: &str) -> Result<String, ParseError> {
        if t.get(key).is_none() {
            return Err(self.missing(path, key));
        }
        self.string(t, path, key)
    }

    fn required_int(&self, t: Fields, path: &str, key: &str) -> Result<i64, ParseError> {
        let item = t.get(key).ok_or_else(|| self.missing(path, key))?;
        item.as_integer().ok_or_else(|| {
            self.error(
                item.span(),
                format!(
                    "field `{}`: expected a number, found {}",
                    join(path, key),
                    item.type_name()
                ),
            )
        })
    }

    fn missing(&self, path: &str, key: &str) -> ParseError {
        ParseError::at(self.src, 0, format!("missing field `{}`", join(path, key)))
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const MINIMAL: &str = "schema = 1\nid = 3\ntitle = \"T\"\nauthor = \"Ada <ada@example.com>\"\nstep = \"problem\"\n";

    #[test]
    fn the_quick_id_is_the_parsed_id_or_nothing() {
        let cases = [
            (MINIMAL.to_string(), Some(3)),
            (format!("# Proposal 9\n\n{MINIMAL}"), Some(3)),
            (MINIMAL.replace("id = 3", "id=3 # three"), Some(3)),
            (MINIMAL.replace("id = 3", "id = 3_0"), None),
            (MINIMAL.replace("id = 3", "id = \"3\""), None),
            (format!("title = \"[WIP]\"\n{MINIMAL}"), None),
            (format!("x = {{ a = 1 }}\n{MINIMAL}"), None),
            (format!("note = \"\"\"\nid = 8\n\"\"\"\n{MINIMAL}"), None),
            ("[problem]\nid = 8\n".to_string(), None),
            ("identity = 4\nid = 5\n".to_string(), Some(5)),
        ];
        for (src, want) in cases {
            assert_eq!(quick_id(&src), want, "{src}");
            if let (Some(q), Ok(p)) = (quick_id(&src), Proposal::parse(&src)) {
                assert_eq!(q, p.id, "{src}");
            }
        }
    }

    #[test]
    fn reads_a_minimal_file() {
        let p = Proposal::parse(MINIMAL).unwrap();
        assert_eq!(p.id, 3);
        assert_eq!(p.step, Step::Problem);
        assert_eq!(p.author.email, "ada@example.com");
        assert!(p.ideas.is_empty());
    }

    #[test]
    fn reads_every_section() {
        let src = format!(
            "{MINIMAL}[problem]\nstatement = \"s\"\naffected = \"a\"\n[idea.I2]\nsummary = \"two\"\n[idea.I1]\nsummary = \"one\"\n\
             [alternatives]\nobjections = [\"o\"]\n[critique]\nchosen = \"I1\"\nwhy = \"w\"\n[critique.I1]\nverdict = \"band-aid\"\nreason = \"r\"\n\
             [stakeholders.bo]\nwho = \"Bo <bo@example.com>\"\nperspective = \"p\"\nrequired = true\n[strategy.bo]\npain = \"x\"\npitch = \"y\"\n\
             [socialize.F1]\nfrom = \"Dana <d@example.com>\"\ntext = \"t\"\nstatus = \"declined\"\nanswer = \"no\"\n[implement]\nplan = \"go\"\n"
        );
        let p = Proposal::parse(&src).unwrap();
        let ids: Vec<&str> = p.ideas.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["I1", "I2"]);
        assert_eq!(p.critique("I1").unwrap().verdict, Some(Verdict::BandAid));
        assert_eq!(p.stakeholders[0].pitch, "y");
        assert!(p.stakeholders[0].required);
        assert_eq!(p.feedback[0].answer, Answer::Declined("no".into()));
        assert_eq!(p.plan, "go");
    }

    #[test]
    fn errors_name_line_column_and_field() {
        let src = format!("{MINIMAL}[problem]\nstatement = 5\n");
        let e = Proposal::parse(&src).unwrap_err();
        assert_eq!((e.line, e.column), (7, 13));
        assert!(e.message.contains("problem.statement"), "{}", e.message);

        let e = Proposal::parse(&format!("{MINIMAL}[problem]\nstatment = \"x\"\n")).unwrap_err();
        assert_eq!((e.line, e.column), (7, 1));
        assert!(e.message.contains("unknown field `problem.statment`"));

        let e = Proposal::parse("schema = 1\nid = \n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.starts_with("invalid TOML"));

        let e = Proposal::parse(&MINIMAL.replace("problem", "ideas")).unwrap_err();
        assert_eq!(e.line, 5);
        assert!(e.message.contains("unknown step 'ideas'"));
    }

    #[test]
    fn cross_references_are_checked() {
        let e = Proposal::parse(&format!("{MINIMAL}[critique.I4]\nreason = \"r\"\n")).unwrap_err();
        assert!(e.message.contains("no idea I4"), "{}", e.message);
        let e = Proposal::parse(&format!("{MINIMAL}[strategy.zed]\npain = \"r\"\n")).unwrap_err();
        assert!(e.message.contains("no stakeholder 'zed'"), "{}", e.message);
        let e = Proposal::parse(&format!("{MINIMAL}[idea.first]\nsummary = \"r\"\n")).unwrap_err();
        assert!(
            e.message.contains("expected an id such as I1"),
            "{}",
            e.message
        );
    }

    #[test]
    fn fields_are_located_by_line() {
        let src = format!("{MINIMAL}[problem]\nstatement = \"s\"\n[socialize.F1]\nfrom = \"D <d@x>\"\nstatus = \"open\"\n");
        assert_eq!(field_line(&src, "step"), Some(5));
        assert_eq!(field_line(&src, "problem.statement"), Some(7));
        assert_eq!(field_line(&src, "problem.affected"), Some(6));
        assert_eq!(field_line(&src, "socialize.F1.status"), Some(10));
        assert_eq!(field_line(&src, "idea"), None);
        assert_eq!(field_line("x = [", "x"), None);
    }

    #[test]
    fn item_ids_normalize() {
        assert_eq!(normalize_item_id('I', "i2").as_deref(), Some("I2"));
        assert_eq!(normalize_item_id('I', "02").as_deref(), Some("I2"));
        assert_eq!(normalize_item_id('I', "x"), None);
        assert_eq!(normalize_item_id('F', "F10").as_deref(), Some("F10"));
    }
}

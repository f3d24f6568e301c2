//! The three-way merge of a proposal file, by meaning rather than by line.
//!
//! [`merge`] takes the text of the common ancestor (empty when it lacks the file), of our
//! side and of their side, and gives the merged text. The tables of entries are merged as
//! sets keyed by what names them: ideas by `I<n>`, feedback by `F<n>`, stakeholders by
//! email, expected objections by their text. A value changed on one side only takes that
//! side; a value changed on both sides to different values, a `step` moved on both sides,
//! and an entry deleted on one side but changed on the other are conflicts: git's markers
//! are left around just that value (or that entry) and nothing is picked. Two entries that
//! both branches added under the same id are both kept, one renumbered, and the renaming
//! is reported. The result starts from our side's document, so our comments and layout
//! stay; a comment or layout changed only on their side is taken from theirs.
//!
//! A side that does not parse, or two sides that are two different proposals, are refused
//! ([`Refusal`]): the caller falls back to a text merge. Pure: text in, text out.

use std::collections::{BTreeMap, BTreeSet};

use toml_edit::{DocumentMut, Item, Key, Table, Value};

use super::edit::set_value;
use super::person::Person;
use super::proposal::{item_number, normalize_item_id, ParseError, Proposal};

/// How conflicts are written, as git's `merge.conflictStyle` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Ours and theirs.
    Merge,
    /// Ours, the base, theirs (`diff3`; `zdiff3` writes the same for one value).
    Diff3,
}

/// The options git gives a merge driver.
#[derive(Debug, Clone)]
pub struct Options {
    pub ours_label: String,
    pub base_label: String,
    pub theirs_label: String,
    /// The length of the conflict markers (`%L`, 7 by default).
    pub marker_size: usize,
    pub style: Style,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            ours_label: "ours".into(),
            base_label: "base".into(),
            theirs_label: "theirs".into(),
            marker_size: 7,
            style: Style::Merge,
        }
    }
}

/// Which side of the merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Base,
    Ours,
    Theirs,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Base => "base",
            Side::Ours => "ours",
            Side::Theirs => "theirs",
        }
    }
}

/// A merged file.
#[derive(Debug, Clone)]
pub struct Merged {
    pub text: String,
    /// The conflicts left in `text`, in the order of the file.
    pub conflicts: Vec<Conflict>,
    /// Entries that were renamed because both sides added one under the same name.
    pub renames: Vec<Rename>,
    /// Set when the merge has no conflict markers but its result does not read as a
    /// proposal (say, a strategy for a stakeholder the other side removed): the file is
    /// written, and the merge is reported as a conflict with this error.
    pub invalid: Option<ParseError>,
}

/// A value, or a whole entry, left between conflict markers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The dotted field (`step`, `socialize.F2.answer`, `idea.I3`).
    pub field: String,
    /// The 1-based line of the `<<<<<<<` marker in the merged text.
    pub line: usize,
    /// What happened, in a few words (`changed on both sides`).
    pub why: &'static str,
}

/// An entry both sides added under one name; `side`'s was renamed from `from` to `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rename {
    /// `idea`, `feedback` or `stakeholder`.
    pub what: &'static str,
    pub from: String,
    pub to: String,
    pub side: Side,
}

/// Why a file was not merged by meaning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// One side is not a readable proposal.
    Unparsable { side: Side, error: ParseError },
    /// The sides are two different proposals (different ids, or no common ancestor and
    /// different authors).
    DifferentProposals { ours: u32, theirs: u32 },
    /// A key is a table on one side and a value on another.
    Shape { field: String },
}

/// Merges three versions of a proposal file. `base` is empty when the ancestor lacks it.
pub fn merge(base: &str, ours: &str, theirs: &str, opts: &Options) -> Result<Merged, Refusal> {
    let base = (!base.trim().is_empty()).then_some(base);
    let read =
        |side, src: &str| Proposal::parse(src).map_err(|error| Refusal::Unparsable { side, error });
    let ours_p = read(Side::Ours, ours)?;
    let theirs_p = read(Side::Theirs, theirs)?;
    let base_p = base.map(|b| read(Side::Base, b)).transpose()?;
    let same = match &base_p {
        // A side that renumbered the proposal is still the same proposal.
        Some(b) => ours_p.id == theirs_p.id || b.id == ours_p.id || b.id == theirs_p.id,
        None => ours_p.id == theirs_p.id && ours_p.author.same_email(&theirs_p.author),
    };
    if !same {
        return Err(Refusal::DifferentProposals {
            ours: ours_p.id,
            theirs: theirs_p.id,
        });
    }
    let doc = |src: &str, side| {
        src.parse::<DocumentMut>().map_err(|e| Refusal::Unparsable {
            side,
            error: ParseError::at(src, 0, e.to_string()),
        })
    };
    let base_doc = base.map(|b| doc(b, Side::Base)).transpose()?;
    let mut ours_doc = doc(ours, Side::Ours)?;
    let mut theirs_doc = doc(theirs, Side::Theirs)?;

    let mut renames = Vec::new();
    let base_root = base_doc.as_ref().map(|d| d.as_table());
    match_stakeholders(base_root, &ours_doc, &mut theirs_doc, &mut renames);
    renumber_clashes(base_root, &mut ours_doc, &mut theirs_doc, &mut renames);

    let mut merged = ours_doc.clone();
    let mut state = State {
        inputs: [ours, theirs, base.unwrap_or_default()],
        pending: Vec::new(),
        grown: BTreeSet::new(),
    };
    let mut path = Vec::new();
    merge_table(
        &mut path,
        merged.as_table_mut(),
        Some(ours_doc.as_table()),
        base_root,
        Some(theirs_doc.as_table()),
        &mut state,
    )?;
    let trailing = |d: &DocumentMut| d.trailing().as_str().unwrap_or_default().to_string();
    let base_trailing = base_doc.as_ref().map(trailing).unwrap_or_default();
    if trailing(&ours_doc) == base_trailing && trailing(&theirs_doc) != base_trailing {
        merged.set_trailing(trailing(&theirs_doc));
    }
    for section in &state.grown {
        order_entries(merged.as_table_mut(), section);
    }
    if !renames.is_empty() {
        for section in ["idea", "critique", "socialize"] {
            order_entries(merged.as_table_mut(), section);
        }
    }

    let (text, conflicts) = write_conflicts(merged.to_string(), &state.pending, opts);
    let invalid = if conflicts.is_empty() {
        Proposal::parse(&text).err()
    } else {
        None
    };
    Ok(Merged {
        text,
        conflicts,
        renames,
        invalid,
    })
}

/// What the walk over the tables collects.
struct State<'s> {
    /// The three inputs, to pick sentinels that none of them holds.
    inputs: [&'s str; 3],
    pending: Vec<Pending>,
    /// Top-level sections that received a new entry table.
    grown: BTreeSet<String>,
}

/// A conflict waiting to be written: the sentinel the merged document holds in its place,
/// and the text of each side (`None` when the side lacks it).
struct Pending {
    sentinel: String,
    /// Whether the sentinel stands for a whole table (its header line goes too).
    table: bool,
    field: String,
    why: &'static str,
    base: Option<String>,
    ours: Option<String>,
    theirs: Option<String>,
}

impl State<'_> {
    fn sentinel(&self) -> String {
        let mut n = self.pending.len();
        loop {
            let s = format!("__git_lead_conflict_{n}__");
            if !self.inputs.iter().any(|input| input.contains(&s)) {
                return s;
            }
            n += 1000;
        }
    }
}

/// The keys from the top of the document down to a table.
type Keys = Vec<String>;

fn dotted(path: &[String], key: &str) -> String {
    let mut parts: Vec<&str> = path.iter().map(String::as_str).collect();
    parts.push(key);
    parts.join(".")
}

/// Merges the table `m` (a copy of ours) with theirs, key by key.
fn merge_table(
    path: &mut Keys,
    m: &mut Table,
    o: Option<&Table>,
    b: Option<&Table>,
    t: Option<&Table>,
    st: &mut State<'_>,
) -> Result<(), Refusal> {
    let empty = Table::new();
    let (o, t) = (o.unwrap_or(&empty), t.unwrap_or(&empty));
    let mut keys: Vec<String> = Vec::new();
    for table in [Some(o), Some(t), b].into_iter().flatten() {
        for (k, item) in table.iter() {
            if !item.is_none() && !keys.iter().any(|x| x == k) {
                keys.push(k.to_string());
            }
        }
    }
    for k in keys {
        let (bi, oi, ti) = (get(b, &k), get(Some(o), &k), get(Some(t), &k));
        let present = [bi, oi, ti];
        if present.iter().flatten().all(|i| i.is_value()) {
            merge_value(path, m, &k, (b, bi, o, oi, t, ti), st);
        } else if present.iter().flatten().all(|i| i.is_table()) {
            path.push(k.clone());
            let result = merge_subtable(
                path,
                m,
                &k,
                bi.and_then(Item::as_table),
                oi.and_then(Item::as_table),
                ti.and_then(Item::as_table),
                st,
            );
            path.pop();
            result?;
        } else {
            return Err(Refusal::Shape {
                field: dotted(path, &k),
            });
        }
    }
    Ok(())
}

/// The item of `k`, unless absent or empty.
fn get<'t>(table: Option<&'t Table>, k: &str) -> Option<&'t Item> {
    table.and_then(|x| x.get(k)).filter(|i| !i.is_none())
}

/// One table-valued key: `path` ends with `k`.
fn merge_subtable(
    path: &mut Keys,
    m: &mut Table,
    k: &str,
    b: Option<&Table>,
    o: Option<&Table>,
    t: Option<&Table>,
    st: &mut State<'_>,
) -> Result<(), Refusal> {
    match (b, o, t) {
        (_, Some(o), Some(t)) => {
            let Some(sub) = m.get_mut(k).and_then(Item::as_table_mut) else {
                return Ok(());
            };
            let base_decor = b.map(decor_text).unwrap_or_default();
            if decor_text(o) == base_decor && decor_text(t) != base_decor {
                *sub.decor_mut() = t.decor().clone();
            }
            merge_table(path, sub, Some(o), b, Some(t), st)
        }
        (Some(b), Some(o), None) => {
            if same_table(b, o) {
                m.remove(k);
                Ok(())
            } else if is_leaf(o) && is_leaf(b) {
                table_conflict(path, m, Some(b), Some(o), None, st);
                Ok(())
            } else {
                let sub = m.get_mut(k).and_then(Item::as_table_mut);
                match sub {
                    Some(sub) => merge_table(path, sub, Some(o), Some(b), None, st),
                    None => Ok(()),
                }
            }
        }
        (Some(b), None, Some(t)) => {
            if same_table(b, t) {
                Ok(())
            } else if is_leaf(t) && is_leaf(b) {
                m.insert(k, Item::Table(fresh(t)));
                table_conflict(path, m, Some(b), None, Some(t), st);
                Ok(())
            } else {
                let mut shell = fresh(t);
                shell.clear();
                m.insert(k, Item::Table(shell));
                let sub = m.get_mut(k).and_then(Item::as_table_mut);
                match sub {
                    Some(sub) => merge_table(path, sub, None, Some(b), Some(t), st),
                    None => Ok(()),
                }
            }
        }
        (None, None, Some(t)) => {
            m.insert(k, Item::Table(fresh(t)));
            if let Some(section) = path.first().filter(|_| path.len() == 2) {
                st.grown.insert(section.clone());
            }
            Ok(())
        }
        // Added on our side only, or removed on both (or on the side that had it).
        _ => Ok(()),
    }
}

/// A key's three tables and items: base, ours, theirs.
type Sides<'t> = (
    Option<&'t Table>,
    Option<&'t Item>,
    &'t Table,
    Option<&'t Item>,
    &'t Table,
    Option<&'t Item>,
);

/// One value-valued key `k` of the table at `path`.
fn merge_value(
    path: &[String],
    m: &mut Table,
    k: &str,
    (b, bi, o, oi, t, ti): Sides<'_>,
    st: &mut State<'_>,
) {
    let field = dotted(path, k);
    let base_key = b.and_then(|b| b.key(k));
    let ours_moved = !same_item(bi, oi);
    let theirs_moved = !same_item(bi, ti);
    // Whether the comments above the key are still the base's on our side.
    let ours_comments_kept = o.key(k).map(key_comments) == base_key.map(key_comments);
    if field == "step" && bi.is_some() && ours_moved && theirs_moved {
        value_conflict(
            &field,
            m,
            k,
            (b, bi, o, oi, t, ti),
            "moved on both sides",
            st,
        );
        return;
    }
    if same_item(oi, ti) {
        // Equal values: take their layout when only they changed it.
        let base_text = bi.map(|i| kv_text(k, base_key, i));
        if let (Some(oi), Some(ti)) = (oi, ti) {
            let ours_text = Some(kv_text(k, o.key(k), oi));
            let theirs_text = kv_text(k, t.key(k), ti);
            if ours_text == base_text && Some(&theirs_text) != base_text.as_ref() {
                set_item(m, k, t.key(k), ti);
            }
        }
    } else if !ours_moved {
        // Their value; their comments above the key too, unless we changed those.
        let key = match ours_comments_kept {
            true => t.key(k),
            false => o.key(k),
        };
        match ti {
            Some(ti) => set_item(m, k, key, ti),
            None => {
                m.remove(k);
            }
        }
    } else if !theirs_moved {
        // Our value stands; their comments above the key, unless we changed those.
        if let (true, Some(mut mk), Some(tk)) = (ours_comments_kept, m.key_mut(k), t.key(k)) {
            *mk.leaf_decor_mut() = tk.leaf_decor().clone();
        }
    } else if let Some(array) = merge_string_sets(bi, oi, ti) {
        set_value(m, k, array);
    } else {
        let why = match (oi, ti) {
            (None, _) | (_, None) => "removed on one side and changed on the other",
            _ if bi.is_none() => "added differently on both sides",
            _ => "changed differently on both sides",
        };
        value_conflict(&field, m, k, (b, bi, o, oi, t, ti), why, st);
    }
}

/// Puts a sentinel in place of a value and remembers the three sides.
fn value_conflict(
    field: &str,
    m: &mut Table,
    k: &str,
    (b, bi, o, oi, t, ti): Sides<'_>,
    why: &'static str,
    st: &mut State<'_>,
) {
    let sentinel = st.sentinel();
    let pending = Pending {
        field: field.to_string(),
        why,
        table: false,
        base: bi.map(|i| kv_line(k, b.and_then(|b| b.key(k)), i)),
        ours: oi.map(|i| kv_line(k, o.key(k), i)),
        theirs: ti.map(|i| kv_line(k, t.key(k), i)),
        sentinel: sentinel.clone(),
    };
    st.pending.push(pending);
    set_value(m, k, Value::from(sentinel));
}

/// Puts a sentinel in place of a whole entry table (the last part of `path`).
fn table_conflict(
    path: &[String],
    m: &mut Table,
    b: Option<&Table>,
    o: Option<&Table>,
    t: Option<&Table>,
    st: &mut State<'_>,
) {
    let Some(k) = path.last() else { return };
    let sentinel = st.sentinel();
    let pending = Pending {
        field: path.join("."),
        why: "removed on one side and changed on the other",
        table: true,
        base: b.map(|x| table_text(path, x)),
        ours: o.map(|x| table_text(path, x)),
        theirs: t.map(|x| table_text(path, x)),
        sentinel: sentinel.clone(),
    };
    st.pending.push(pending);
    if let Some(sub) = m.get_mut(k).and_then(Item::as_table_mut) {
        sub.clear();
        sub.insert(&sentinel, toml_edit::value(0));
    }
}

/// Objections and other lists of strings: ours, less what theirs removed, plus what theirs
/// added. `None` unless all present sides are arrays of strings.
fn merge_string_sets(b: Option<&Item>, o: Option<&Item>, t: Option<&Item>) -> Option<Value> {
    let strings = |i: Option<&Item>| -> Option<Vec<String>> {
        match i {
            None => Some(Vec::new()),
            Some(i) => i
                .as_array()?
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect(),
        }
    };
    let (bs, ts) = (strings(b)?, strings(t)?);
    // Ours must be a list of strings too.
    strings(o)?;
    let has = |list: &[String], s: &str| list.iter().any(|x| x == s);
    let mut array = o?.as_array()?.clone();
    // What they removed goes; what they added comes after ours, once.
    array.retain(|v| v.as_str().is_none_or(|s| !has(&bs, s) || has(&ts, s)));
    for v in t?.as_array()?.iter() {
        let Some(s) = v.as_str() else { continue };
        if !has(&bs, s) && !array.iter().any(|x| x.as_str() == Some(s)) {
            let mut v = v.clone();
            if array.is_empty() {
                v.decor_mut().set_prefix("");
            }
            array.push_formatted(v);
        }
    }
    Some(Value::Array(array))
}

/// Takes their item (value and layout) for `k`.
fn set_item(m: &mut Table, k: &str, key: Option<&Key>, item: &Item) {
    match m.get_key_value_mut(k) {
        Some((mut mk, mi)) => {
            if let Some(key) = key {
                *mk.leaf_decor_mut() = key.leaf_decor().clone();
            }
            *mi = item.clone();
        }
        None => match key {
            Some(key) => {
                m.insert_formatted(key, item.clone());
            }
            None => {
                m.insert(k, item.clone());
            }
        },
    }
}

/// A copy of `t` with no document positions, so that it is written after the table before
/// it in the merged file.
fn fresh(t: &Table) -> Table {
    let mut t = t.clone();
    clear_positions(&mut t);
    t
}

fn clear_positions(t: &mut Table) {
    t.set_position(None);
    for (_, item) in t.iter_mut() {
        if let Some(sub) = item.as_table_mut() {
            clear_positions(sub);
        }
    }
}

fn is_leaf(t: &Table) -> bool {
    t.iter().all(|(_, i)| !i.is_table())
}

fn decor_text(t: &Table) -> String {
    let d = t.decor();
    format!("{}\u{0}{}", raw(d.prefix()), raw(d.suffix()))
}

fn raw(r: Option<&toml_edit::RawString>) -> &str {
    r.and_then(|r| r.as_str()).unwrap_or_default()
}

/// The comments (and blank lines) above a key.
fn key_comments(key: &Key) -> String {
    raw(key.leaf_decor().prefix()).to_string()
}

/// A key and its value as they read in the file, comments above the key included.
fn kv_text(k: &str, key: Option<&Key>, item: &Item) -> String {
    let prefix = key
        .and_then(|key| key.leaf_decor().prefix())
        .and_then(|r| r.as_str())
        .unwrap_or_default();
    format!("{prefix}{}", kv_line(k, key, item))
}

/// A key and its value as one would write them between conflict markers: the comments
/// above the key stay outside, only the indentation is kept.
fn kv_line(k: &str, key: Option<&Key>, item: &Item) -> String {
    let decor = key.map(Key::leaf_decor);
    let indent = decor
        .and_then(|d| d.prefix())
        .and_then(|r| r.as_str())
        .map(|p| p.rsplit('\n').next().unwrap_or_default().to_string())
        .unwrap_or_default();
    let name = key.map_or_else(
        || Key::new(k).display_repr().into_owned(),
        |key| key.display_repr().into_owned(),
    );
    let suffix = decor
        .and_then(|d| d.suffix())
        .and_then(|r| r.as_str())
        .unwrap_or(" ");
    let value = match item {
        Item::Value(v) => {
            let text = v.to_string();
            if v.decor().prefix().is_none() {
                format!(" {text}")
            } else {
                text
            }
        }
        other => other.to_string(),
    };
    format!("{indent}{name}{suffix}={value}")
}

/// A table as it reads in the file, its header and body, without the comments above it.
fn table_text(path: &[String], t: &Table) -> String {
    let mut doc = DocumentMut::new();
    let mut at = doc.as_table_mut();
    let Some((last, parents)) = path.split_last() else {
        return String::new();
    };
    for p in parents {
        let entry = at.entry(p).or_insert_with(|| {
            let mut t = Table::new();
            t.set_implicit(true);
            Item::Table(t)
        });
        let Some(next) = entry.as_table_mut() else {
            return String::new();
        };
        at = next;
    }
    let mut t = t.clone();
    t.decor_mut().set_prefix("");
    clear_positions(&mut t);
    at.insert(last, Item::Table(t));
    doc.to_string().trim_end_matches('\n').to_string()
}

fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => x.value() == y.value(),
        (Value::Integer(x), Value::Integer(y)) => x.value() == y.value(),
        (Value::Float(x), Value::Float(y)) => x.value().to_bits() == y.value().to_bits(),
        (Value::Boolean(x), Value::Boolean(y)) => x.value() == y.value(),
        (Value::Datetime(x), Value::Datetime(y)) => x.value() == y.value(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(a, b)| same_value(a, b))
        }
        (Value::InlineTable(x), Value::InlineTable(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_value(v, w)))
        }
        _ => false,
    }
}

fn same_item(a: Option<&Item>, b: Option<&Item>) -> bool {
    match (a.filter(|i| !i.is_none()), b.filter(|i| !i.is_none())) {
        (None, None) => true,
        (Some(Item::Value(x)), Some(Item::Value(y))) => same_value(x, y),
        (Some(Item::Table(x)), Some(Item::Table(y))) => same_table(x, y),
        (Some(Item::ArrayOfTables(x)), Some(Item::ArrayOfTables(y))) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(a, b)| same_table(a, b))
        }
        _ => false,
    }
}

fn same_table(x: &Table, y: &Table) -> bool {
    let keys = |t: &Table| -> BTreeSet<String> {
        t.iter()
            .filter(|(_, i)| !i.is_none())
            .map(|(k, _)| k.to_string())
            .collect()
    };
    keys(x) == keys(y) && x.iter().all(|(k, i)| same_item(Some(i), y.get(k)))
}

/// The sub-tables of a top-level section, by key.
fn entries<'t>(root: Option<&'t Table>, section: &str) -> BTreeMap<String, &'t Table> {
    root.and_then(|r| r.get(section))
        .and_then(Item::as_table)
        .map(|s| {
            s.iter()
                .filter_map(|(k, i)| Some((k.to_string(), i.as_table()?)))
                .collect()
        })
        .unwrap_or_default()
}

fn who(t: &Table) -> Option<Person> {
    t.get("who").and_then(Item::as_str).and_then(Person::parse)
}

/// Their new stakeholders, matched with ours by email: the same person added under two
/// keys takes our key; two people added under one key keep both, theirs under a free key.
fn match_stakeholders(
    base: Option<&Table>,
    ours: &DocumentMut,
    theirs: &mut DocumentMut,
    renames: &mut Vec<Rename>,
) {
    let base_keys = entries(base, "stakeholders");
    let ours_people = entries(Some(ours.as_table()), "stakeholders");
    let theirs_people: Vec<(String, Option<Person>)> =
        entries(Some(theirs.as_table()), "stakeholders")
            .into_iter()
            .map(|(k, t)| (k, who(t)))
            .collect();
    let mut taken: BTreeSet<String> = base_keys
        .keys()
        .chain(ours_people.keys())
        .cloned()
        .chain(theirs_people.iter().map(|(k, _)| k.clone()))
        .collect();
    for (key, person) in theirs_people {
        let Some(person) = person else { continue };
        if base_keys.contains_key(&key) {
            continue;
        }
        let same_person = ours_people
            .iter()
            .find(|(_, t)| who(t).is_some_and(|p| p.same_email(&person)))
            .map(|(k, _)| k.clone());
        let to = match same_person {
            Some(ours_key) if ours_key != key => {
                if theirs_has(theirs, "stakeholders", &ours_key) {
                    continue;
                }
                ours_key
            }
            Some(_) => continue,
            None if ours_people.contains_key(&key) => {
                let free = (2..)
                    .map(|n| format!("{key}-{n}"))
                    .find(|k| !taken.contains(k))
                    .unwrap_or_default();
                taken.insert(free.clone());
                free
            }
            None => continue,
        };
        for section in ["stakeholders", "strategy"] {
            rename_entry(theirs, section, &key, &to);
        }
        renames.push(Rename {
            what: "stakeholder",
            from: key,
            to,
            side: Side::Theirs,
        });
    }
}

fn theirs_has(doc: &DocumentMut, section: &str, key: &str) -> bool {
    entries(Some(doc.as_table()), section).contains_key(key)
}

/// Ideas and feedback entries that both sides added under the same id, with different
/// content: one of them moves to the next free id. For feedback, the later dated entry
/// moves (theirs when the dates do not tell); for ideas, theirs.
fn renumber_clashes(
    base: Option<&Table>,
    ours: &mut DocumentMut,
    theirs: &mut DocumentMut,
    renames: &mut Vec<Rename>,
) {
    for (section, prefix, what) in [("idea", 'I', "idea"), ("socialize", 'F', "feedback")] {
        let numbered = |root: Option<&Table>| -> BTreeMap<u32, Table> {
            entries(root, section)
                .into_iter()
                .filter(|(k, _)| normalize_item_id(prefix, k).as_deref() == Some(k))
                .map(|(k, t)| (item_number(&k), t.clone()))
                .collect()
        };
        let (b, o, t) = (
            numbered(base),
            numbered(Some(ours.as_table())),
            numbered(Some(theirs.as_table())),
        );
        let mut next = b
            .keys()
            .chain(o.keys())
            .chain(t.keys())
            .max()
            .copied()
            .unwrap_or(0)
            + 1;
        for (n, ours_entry) in &o {
            let Some(theirs_entry) = t.get(n) else {
                continue;
            };
            if b.contains_key(n) || same_table(ours_entry, theirs_entry) {
                continue;
            }
            let date = |e: &Table| e.get("date").and_then(Item::as_str).map(str::to_string);
            let side = match (date(ours_entry), date(theirs_entry)) {
                (Some(a), Some(b)) if looks_like_date(&a) && looks_like_date(&b) && a > b => {
                    Side::Ours
                }
                _ => Side::Theirs,
            };
            let (from, to) = (format!("{prefix}{n}"), format!("{prefix}{next}"));
            next += 1;
            let doc = if side == Side::Ours {
                &mut *ours
            } else {
                &mut *theirs
            };
            rename_entry(doc, section, &from, &to);
            if section == "idea" {
                rename_entry(doc, "critique", &from, &to);
                rename_choice(doc, &from, &to);
            }
            renames.push(Rename {
                what,
                from,
                to,
                side,
            });
        }
    }
}

fn looks_like_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 10
        && b.iter().take(10).enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
}

fn rename_entry(doc: &mut DocumentMut, section: &str, from: &str, to: &str) {
    let Some(s) = doc.get_mut(section).and_then(Item::as_table_mut) else {
        return;
    };
    if let Some((key, item)) = s.remove_entry(from) {
        let mut new_key = Key::new(to);
        *new_key.leaf_decor_mut() = key.leaf_decor().clone();
        s.insert_formatted(&new_key, item);
    }
}

fn rename_choice(doc: &mut DocumentMut, from: &str, to: &str) {
    let Some(critique) = doc.get_mut("critique").and_then(Item::as_table_mut) else {
        return;
    };
    let chosen = critique.get("chosen").and_then(Item::as_str);
    if chosen.and_then(|c| normalize_item_id('I', c)).as_deref() == Some(from) {
        set_value(critique, "chosen", Value::from(to));
    }
}

/// Writes the entries of a section in the order of their numbers (`I2` before `I10`),
/// where the merge added or renamed one.
fn order_entries(root: &mut Table, section: &str) {
    let Some(s) = root.get_mut(section).and_then(Item::as_table_mut) else {
        return;
    };
    let mut last = s.position();
    let mut positions = Vec::new();
    for (_, item) in s.iter() {
        if let Some(t) = item.as_table() {
            last = t.position().or(last);
            positions.push(last);
        }
    }
    // Values first, in their order (the sort is stable); then the entries by number.
    s.sort_values_by(|k1, i1, k2, i2| {
        let rank = |k: &Key, i: &Item| match i.is_table() {
            true => (1, item_number(k.get())),
            false => (0, 0),
        };
        rank(k1, i1).cmp(&rank(k2, i2))
    });
    positions.sort();
    let mut positions = positions.into_iter();
    for (_, item) in s.iter_mut() {
        if let Some(t) = item.as_table_mut() {
            t.set_position(positions.next().flatten());
        }
    }
}

/// Replaces each sentinel line of the merged text with the conflict markers and the sides.
fn write_conflicts(text: String, pending: &[Pending], opts: &Options) -> (String, Vec<Conflict>) {
    if pending.is_empty() {
        return (text, Vec::new());
    }
    let lines: Vec<String> = text.split_inclusive('\n').map(str::to_string).collect();
    let marker = |c: char, label: &str| {
        let m: String = std::iter::repeat_n(c, opts.marker_size.max(1)).collect();
        if label.is_empty() {
            format!("{m}\n")
        } else {
            format!("{m} {label}\n")
        }
    };
    let side = |s: &Option<String>| match s {
        Some(s) if !s.is_empty() => format!("{}\n", s.trim_end_matches('\n')),
        _ => String::new(),
    };
    let mut out: Vec<String> = Vec::with_capacity(lines.len() + 8 * pending.len());
    let mut conflicts = Vec::new();
    for line in lines {
        let Some(p) = pending.iter().find(|p| line.contains(&p.sentinel)) else {
            out.push(line);
            continue;
        };
        if p.table {
            // The header of the entry goes between the markers with the rest of it.
            while let Some(last) = out.pop() {
                if last.trim_start().starts_with('[') {
                    break;
                }
            }
        }
        conflicts.push(Conflict {
            field: p.field.clone(),
            line: out.iter().map(|l| l.matches('\n').count()).sum::<usize>() + 1,
            why: p.why,
        });
        out.push(marker('<', &opts.ours_label));
        out.push(side(&p.ours));
        if opts.style == Style::Diff3 {
            out.push(marker('|', &opts.base_label));
            out.push(side(&p.base));
        }
        out.push(marker('=', ""));
        out.push(side(&p.theirs));
        out.push(marker('>', &opts.theirs_label));
    }
    let text: String = out.concat();
    (text, conflicts)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used)]
    use super::*;

    const BASE: &str = r#"# Proposal 1, tracked by git lead.
schema = 1
id = 1
title = "Flaky CI"
author = "Ann <ann@example.com>"
step = "socialize"  # moved only by `git lead advance`

# 1 · problem
[problem]
statement = "CI fails at random"
# Who else runs into it.
affected = "Everyone"

[idea]

[idea.I1]
summary = "Quarantine flaky tests"

[idea.I2]
summary = "Retry failed jobs"

[alternatives]
objections = ["It hides real failures"]

[critique]
chosen = "I1"
why = "Removes the noise"

[stakeholders]

[stakeholders.bo]
who = "Bo <bo@example.com>"
perspective = "Wants green builds"

[strategy]

# 7 · socialize
[socialize]

[socialize.F1]
from = "Bo <bo@example.com>"
date = "2026-12-01"
text = "Who owns a quarantined test?"

# 8 · implement
[implement]
plan = ""
"#;

    fn edit(src: &str, from: &str, to: &str) -> String {
        assert!(src.contains(from), "{from:?} not in the text");
        src.replacen(from, to, 1)
    }

    fn clean(base: &str, ours: &str, theirs: &str) -> Merged {
        let m = merge(base, ours, theirs, &Options::default()).expect("merges");
        assert!(
            m.conflicts.is_empty(),
            "conflicts: {:?}\n{}",
            m.conflicts,
            m.text
        );
        assert_eq!(m.invalid, None, "{}", m.text);
        m
    }

    const F2_OURS: &str = "\n[socialize.F2]\nfrom = \"Cy <cy@example.com>\"\ndate = \"2026-12-02\"\ntext = \"Add a deadline\"\n";
    const F2_THEIRS: &str = "\n[socialize.F2]\nfrom = \"Di <di@example.com>\"\ndate = \"2026-12-03\"\ntext = \"Report weekly\"\n";

    #[test]
    fn changes_on_both_sides_to_different_places_all_arrive() {
        let ours = edit(BASE, "text = \"Who owns a quarantined test?\"\n", &format!("text = \"Who owns a quarantined test?\"\nstatus = \"incorporated\"\nanswer = \"The author\"\n{F2_OURS}"));
        let theirs = edit(
            BASE,
            "perspective = \"Wants green builds\"\n",
            "perspective = \"Wants green builds\"\nrequired = true\n\n[stakeholders.cy]\nwho = \"Cy <cy@example.com>\"\nperspective = \"Runs the farm\"\n",
        );
        let theirs = edit(
            &theirs,
            "[critique]\n",
            "# Chosen after the review.\n[critique]\n",
        );
        let m = clean(BASE, &ours, &theirs);
        let p = Proposal::parse(&m.text).expect("parses");
        assert_eq!(p.stakeholders.len(), 2);
        assert!(p.stakeholders[0].required);
        assert_eq!(p.feedback.len(), 2);
        assert!(
            m.text.contains("# Chosen after the review.\n[critique]"),
            "{}",
            m.text
        );
        assert!(
            m.text.contains("# 7 · socialize\n[socialize]"),
            "{}",
            m.text
        );
        // The new stakeholder sits with the others, before the strategy section.
        let cy = m.text.find("[stakeholders.cy]").expect("cy");
        assert!(
            cy < m.text.find("[strategy]").expect("strategy"),
            "{}",
            m.text
        );
    }

    #[test]
    fn feedback_added_under_one_id_on_both_sides_is_kept_twice() {
        let ours = edit(
            BASE,
            "\n# 8 · implement",
            &format!("{F2_OURS}\n# 8 · implement"),
        );
        let theirs = edit(
            BASE,
            "\n# 8 · implement",
            &format!("{F2_THEIRS}\n# 8 · implement"),
        );
        let m = clean(BASE, &ours, &theirs);
        let p = Proposal::parse(&m.text).expect("parses");
        let texts: Vec<(&str, &str)> = p
            .feedback
            .iter()
            .map(|f| (f.id.as_str(), f.text.as_str()))
            .collect();
        assert_eq!(
            texts,
            [
                ("F1", "Who owns a quarantined test?"),
                ("F2", "Add a deadline"),
                ("F3", "Report weekly")
            ]
        );
        assert_eq!(
            m.renames,
            [Rename {
                what: "feedback",
                from: "F2".into(),
                to: "F3".into(),
                side: Side::Theirs
            }]
        );
        // The same both ways: the later entry moves, whichever side it is on.
        let back = clean(BASE, &theirs, &ours);
        assert_eq!(
            Proposal::parse(&back.text).expect("parses").feedback,
            p.feedback
        );
        assert_eq!(back.renames[0].side, Side::Ours);
        assert!(
            m.text.find("[socialize.F3]") < m.text.find("# 8 · implement"),
            "{}",
            m.text
        );
    }

    #[test]
    fn a_value_changed_differently_on_both_sides_is_a_conflict_around_that_value() {
        let ours = edit(BASE, "CI fails at random", "CI fails one run in five");
        let theirs = edit(BASE, "CI fails at random", "CI fails on Mondays");
        let theirs = edit(
            &theirs,
            "affected = \"Everyone\"",
            "affected = \"Every team\"",
        );
        let m = merge(BASE, &ours, &theirs, &Options::default()).expect("merges");
        assert_eq!(m.conflicts.len(), 1, "{}", m.text);
        assert_eq!(m.conflicts[0].field, "problem.statement");
        let expected = "[problem]\n<<<<<<< ours\nstatement = \"CI fails one run in five\"\n=======\nstatement = \"CI fails on Mondays\"\n>>>>>>> theirs\n# Who else runs into it.\naffected = \"Every team\"\n";
        assert!(m.text.contains(expected), "{}", m.text);
        let line = m
            .text
            .lines()
            .position(|l| l.starts_with("<<<<<<<"))
            .expect("marker")
            + 1;
        assert_eq!(m.conflicts[0].line, line);
        assert!(Proposal::parse(&m.text).is_err());

        let opts = Options {
            style: Style::Diff3,
            marker_size: 9,
            ours_label: "HEAD".into(),
            base_label: "merged common ancestors".into(),
            theirs_label: "topic".into(),
        };
        let m = merge(BASE, &ours, &theirs, &opts).expect("merges");
        let expected = "<<<<<<<<< HEAD\nstatement = \"CI fails one run in five\"\n||||||||| merged common ancestors\nstatement = \"CI fails at random\"\n=========\nstatement = \"CI fails on Mondays\"\n>>>>>>>>> topic\n";
        assert!(m.text.contains(expected), "{}", m.text);
    }

    #[test]
    fn the_step_moved_on_both_sides_is_a_conflict_even_to_the_same_step() {
        let moved = edit(BASE, "step = \"socialize\"", "step = \"implement\"");
        let m = merge(BASE, &moved, &moved, &Options::default()).expect("merges");
        assert_eq!(m.conflicts.len(), 1);
        assert_eq!(m.conflicts[0].field, "step");
        assert!(
            m.text.contains(
                "<<<<<<< ours\nstep = \"implement\"  # moved only by `git lead advance`\n=======\n"
            ),
            "{}",
            m.text
        );
        // Moved on one side only: that side's step.
        let m = clean(BASE, BASE, &moved);
        assert_eq!(
            Proposal::parse(&m.text).expect("parses").step.as_str(),
            "implement"
        );
    }

    #[test]
    fn objections_are_merged_as_a_set() {
        let ours = edit(
            BASE,
            "[\"It hides real failures\"]",
            "[\"It hides real failures\", \"Owners are busy\"]",
        );
        let theirs = edit(
            BASE,
            "[\"It hides real failures\"]",
            "[\"Nobody un-quarantines\"]",
        );
        let m = clean(BASE, &ours, &theirs);
        let p = Proposal::parse(&m.text).expect("parses");
        assert_eq!(p.objections, ["Owners are busy", "Nobody un-quarantines"]);
    }

    #[test]
    fn an_entry_removed_on_one_side_and_changed_on_the_other_is_a_conflict() {
        let ours = edit(BASE, "\n[idea.I2]\nsummary = \"Retry failed jobs\"\n", "");
        let theirs = edit(BASE, "Retry failed jobs", "Retry failed jobs once");
        let m = merge(BASE, &ours, &theirs, &Options::default()).expect("merges");
        assert_eq!(m.conflicts.len(), 1, "{}", m.text);
        assert_eq!(m.conflicts[0].field, "idea.I2");
        assert!(m.text.contains("<<<<<<< ours\n=======\n[idea.I2]\nsummary = \"Retry failed jobs once\"\n>>>>>>> theirs\n"), "{}", m.text);
        // Removed on one side and untouched on the other: removed.
        let m = clean(BASE, &ours, BASE);
        assert!(!m.text.contains("I2"), "{}", m.text);
    }

    #[test]
    fn ideas_added_on_both_sides_keep_their_critique_and_choice() {
        let ours = edit(
            BASE,
            "\n[alternatives]",
            "\n[idea.I3]\nsummary = \"Fix the tests\"\n\n[alternatives]",
        );
        let theirs = edit(
            BASE,
            "\n[alternatives]",
            "\n[idea.I3]\nsummary = \"Buy faster runners\"\n\n[alternatives]",
        );
        let theirs = edit(&theirs, "chosen = \"I1\"", "chosen = \"I3\"");
        let m = clean(BASE, &ours, &theirs);
        let p = Proposal::parse(&m.text).expect("parses");
        let ideas: Vec<&str> = p.ideas.iter().map(|i| i.summary.as_str()).collect();
        assert_eq!(
            ideas,
            [
                "Quarantine flaky tests",
                "Retry failed jobs",
                "Fix the tests",
                "Buy faster runners"
            ]
        );
        assert_eq!(p.chosen, "I4");
    }

    #[test]
    fn a_stakeholder_is_the_same_person_by_email_whatever_the_key() {
        let add = |key: &str, role: &str| {
            edit(BASE, "\n[strategy]", &format!("\n[stakeholders.{key}]\nwho = \"Cy <CY@example.com>\"\nrole = \"{role}\"\n\n[strategy]"))
        };
        let m = clean(BASE, &add("cy", "farm"), &add("cy-lee", "farm"));
        let p = Proposal::parse(&m.text).expect("parses");
        assert_eq!(p.stakeholders.len(), 2, "{}", m.text);
        // Two people under one key: both kept.
        let other = edit(
            BASE,
            "\n[strategy]",
            "\n[stakeholders.cy]\nwho = \"Cy Other <other@example.com>\"\n\n[strategy]",
        );
        let m = clean(BASE, &add("cy", "farm"), &other);
        let p = Proposal::parse(&m.text).expect("parses");
        assert_eq!(p.stakeholders.len(), 3, "{}", m.text);
        assert_eq!(m.renames[0].to, "cy-2");
    }

    #[test]
    fn without_a_base_the_same_proposal_merges_and_two_proposals_are_refused() {
        let ours = edit(
            BASE,
            "\n# 8 · implement",
            &format!("{F2_OURS}\n# 8 · implement"),
        );
        let m = clean("", &ours, BASE);
        assert_eq!(Proposal::parse(&m.text).expect("parses").feedback.len(), 2);
        let stranger = edit(BASE, "Ann <ann@example.com>", "Zed <zed@example.com>");
        assert_eq!(
            merge("", BASE, &stranger, &Options::default()).err(),
            Some(Refusal::DifferentProposals { ours: 1, theirs: 1 })
        );
        let other = edit(BASE, "id = 1", "id = 2");
        // Renumbered on one side: the same proposal, under its new id.
        let m = clean(BASE, BASE, &other);
        assert_eq!(Proposal::parse(&m.text).expect("parses").id, 2);
        let broken = edit(BASE, "[problem]", "[problem");
        assert!(matches!(
            merge(BASE, BASE, &broken, &Options::default()),
            Err(Refusal::Unparsable {
                side: Side::Theirs,
                ..
            })
        ));
    }

    #[test]
    fn layout_changed_on_their_side_only_is_taken() {
        let theirs = edit(
            BASE,
            "statement = \"CI fails at random\"",
            "statement = \"CI fails at random\"  # measured in May",
        );
        let ours = edit(BASE, "plan = \"\"", "plan = \"Start Monday\"");
        let m = clean(BASE, &ours, &theirs);
        assert!(m.text.contains("# measured in May"), "{}", m.text);
        assert!(m.text.contains("Start Monday"), "{}", m.text);
        assert_eq!(clean(BASE, BASE, BASE).text, BASE);
    }

    #[test]
    fn comments_above_a_key_and_its_value_merge_from_both_sides() {
        // Ours rewords the comment above `affected`, theirs changes its value.
        let ours = edit(
            BASE,
            "# Who else runs into it.",
            "# Who else runs into it, and how often.",
        );
        let theirs = edit(BASE, "affected = \"Everyone\"", "affected = \"Every team\"");
        let m = clean(BASE, &ours, &theirs);
        assert!(
            m.text
                .contains("# Who else runs into it, and how often.\naffected = \"Every team\"\n"),
            "{}",
            m.text
        );
        // Only theirs rewords it: their comment.
        let m = clean(BASE, BASE, &ours);
        assert!(
            m.text
                .contains("# Who else runs into it, and how often.\naffected"),
            "{}",
            m.text
        );
        let m = clean(BASE, &theirs, &ours);
        assert!(
            m.text
                .contains("# Who else runs into it, and how often.\naffected = \"Every team\"\n"),
            "{}",
            m.text
        );
    }

    /// One random edit, made with the tool's own format-preserving edits (or by hand, for a
    /// removal), from a seeded generator.
    fn random_edit(src: &str, r: &mut u64) -> String {
        use crate::model::edit;
        let mut next = |n: u64| {
            *r ^= *r << 13;
            *r ^= *r >> 7;
            *r ^= *r << 17;
            *r % n
        };
        let word = ["alpha", "beta", "gamma", "delta"][next(4) as usize];
        let people = [
            "Bo <bo@example.com>",
            "Cy <cy@example.com>",
            "Di <di@example.com>",
        ];
        let who = people[next(3) as usize];
        let out = match next(9) {
            0 => edit::add_idea(src, &format!("Idea {word}")).map(|(t, _)| t),
            1 => {
                let p = Proposal::parse(src).expect("parses");
                let n = p
                    .feedback
                    .iter()
                    .map(|f| item_number(&f.id))
                    .max()
                    .unwrap_or(0)
                    + 1;
                let date = format!("2026-12-0{}", 1 + next(2));
                edit::add_feedback(src, &format!("F{n}"), who, &date, word)
            }
            2 => edit::answer_feedback(
                src,
                "F1",
                ["incorporated", "declined"][next(2) as usize],
                word,
            ),
            3 => edit::set_stakeholder(
                src,
                &format!("k{}", next(3)),
                &edit::StakeholderFields {
                    who: who.to_string(),
                    perspective: Some(word.to_string()),
                    ..Default::default()
                },
            ),
            4 => edit::add_objection(src, &format!("Objection {word}")),
            5 => edit::set_problem(src, Some(word), None),
            6 => edit::set_step(src, crate::model::step::Step::Implement),
            7 => Ok(src.replacen("\n[idea.I2]\nsummary = \"Retry failed jobs\"\n", "", 1)),
            _ => Ok(src.replacen(
                "# Who else runs into it.",
                &format!("# Who else ({word})?"),
                1,
            )),
        };
        out.unwrap_or_else(|_| src.to_string())
    }

    /// Keeps one side of every conflict block of a merged text.
    fn resolve(text: &str, keep_ours: bool) -> String {
        let mut out = String::new();
        let mut part = 0; // 0 outside, 1 ours, 2 base, 3 theirs
        for line in text.split_inclusive('\n') {
            let (marker, inside) = (line.get(..7).unwrap_or(""), part);
            match (marker, inside) {
                ("<<<<<<<", 0) => part = 1,
                ("|||||||", 1) => part = 2,
                ("=======", 1 | 2) => part = 3,
                (">>>>>>>", 3) => part = 0,
                _ if inside == 0 || (inside == 1 && keep_ours) || (inside == 3 && !keep_ours) => {
                    out.push_str(line);
                }
                _ => {}
            }
        }
        out
    }

    #[test]
    fn any_pair_of_edits_merges_into_a_proposal_or_into_conflicts_that_resolve_to_one() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let (mut clean_runs, mut conflicted, mut renamed) = (0, 0, 0);
        for round in 0..400 {
            let mut ours = BASE.to_string();
            let mut theirs = BASE.to_string();
            for _ in 0..1 + round % 4 {
                ours = random_edit(&ours, &mut seed);
                theirs = random_edit(&theirs, &mut seed);
            }
            for style in [Style::Merge, Style::Diff3] {
                let opts = Options {
                    style,
                    ..Options::default()
                };
                let m = merge(BASE, &ours, &theirs, &opts).expect("merges");
                renamed += usize::from(!m.renames.is_empty());
                if m.conflicts.is_empty() {
                    clean_runs += 1;
                    // No feedback of either side is ever lost (the generator never deletes
                    // any).
                    if let Ok(merged) = Proposal::parse(&m.text) {
                        let said = |p: &Proposal| -> Vec<(String, String)> {
                            p.feedback
                                .iter()
                                .map(|f| (f.from.email.clone(), f.text.clone()))
                                .collect()
                        };
                        for side in [&ours, &theirs] {
                            for entry in said(&Proposal::parse(side).expect("parses")) {
                                assert!(
                                    said(&merged).contains(&entry),
                                    "{entry:?} lost\n{}",
                                    m.text
                                );
                            }
                        }
                    }
                    if let Some(e) = &m.invalid {
                        // Only a reference the other side broke may fail to read.
                        assert!(
                            e.message.contains("strategy") || e.message.contains("critique"),
                            "{e:?}\n{}",
                            m.text
                        );
                    }
                    continue;
                }
                conflicted += 1;
                for keep_ours in [true, false] {
                    let text = resolve(&m.text, keep_ours);
                    assert!(
                        Proposal::parse(&text).is_ok(),
                        "round {round}: {:?}\n--- ours\n{ours}\n--- theirs\n{theirs}\n--- merged\n{}",
                        Proposal::parse(&text).err(),
                        m.text
                    );
                }
            }
        }
        // The generator reaches every outcome.
        assert!(
            clean_runs > 100 && conflicted > 100 && renamed > 20,
            "{clean_runs} {conflicted} {renamed}"
        );
    }
}

//! `inbox`: what waits on one person across the proposals of the working tree: sign-offs
//! they owe or should renew, concerns they raised that are still open, feedback they gave
//! that is not answered yet, and, on their own proposals, the feedback to answer and the
//! next thing each needs.

use crate::error::{Error, Result};
use crate::model::gate::{self, Gate};
use crate::model::ledger::{EventKind, Ledger};
use crate::model::person::Person;
use crate::model::proposal::{Answer, Proposal};
use crate::model::signoff::{self, Standing};
use crate::model::step::Step;

use super::{signoffs, Workspace};

/// What waits on one person.
#[derive(Debug, Clone)]
pub struct Inbox {
    pub who: Person,
    pub items: Vec<Item>,
}

/// One thing that waits.
#[derive(Debug, Clone)]
pub struct Item {
    pub proposal: u32,
    pub title: String,
    pub step: Step,
    /// `signoff`, `renew`, `concern`, `feedback-given`, `answer` or `next`.
    pub kind: &'static str,
    /// What is needed, as a sentence.
    pub what: String,
    /// Since when it has waited (Unix time), when known.
    pub since: Option<i64>,
    /// The command that does it (or shows what to do).
    pub command: String,
}

/// What waits on `who` (`Name <email>`), or on git's own identity (through `.mailmap`).
pub fn inbox(ws: &Workspace, who: Option<&str>) -> Result<Inbox> {
    let me = match who {
        Some(text) => Person::parse(text).ok_or_else(|| {
            Error::usage(format!(
                "--as takes a person as \"Name <email>\", not '{text}'"
            ))
        })?,
        None => ws.repo.author()?.0,
    };
    let me = ws.repo.mailmapped(&me)?;
    let (entries, ledger) = ws.scan_during(|| ws.ledger());
    let (entries, ledger) = (entries?, ledger?);
    let mut items = Vec::new();
    let mut known = false;
    for entry in &entries {
        let Ok(p) = &entry.parsed else { continue };
        let named = p.author.same_email(&me)
            || p.stakeholders.iter().any(|s| s.who.same_email(&me))
            || p.feedback.iter().any(|f| f.from.same_email(&me));
        known |= named;
        if !named || p.step.is_ending() {
            continue;
        }
        items.extend(for_proposal(ws, &entry.rel, p, &ledger, &me)?);
    }
    if who.is_some() && !known {
        return Err(Error::usage(format!(
            "no proposal names {} as its author, a stakeholder or a giver of feedback; check \
             the address, or leave out --as to use your git identity",
            me.email
        )));
    }
    Ok(Inbox { who: me, items })
}

/// When proposal `id` entered `step`, from its last recorded transition there.
fn entered(ledger: &Ledger, id: u32, step: Step) -> Option<i64> {
    ledger
        .of(id)
        .filter(|e| e.kind == EventKind::Step(step))
        .map(|e| e.time)
        .last()
}

/// A feedback entry's date (`YYYY-MM-DD`) as a Unix time.
fn day(date: &str) -> Option<i64> {
    let mut parts = date.trim().splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, d) = (parts.next()??, parts.next()??, parts.next()??);
    crate::model::util::unix_day(y, m, d)
}

fn for_proposal(
    ws: &Workspace,
    rel: &str,
    p: &Proposal,
    ledger: &Ledger,
    me: &Person,
) -> Result<Vec<Item>> {
    let id = p.id;
    let item = |kind, what: String, since, command: String| Item {
        proposal: id,
        title: p.title.clone(),
        step: p.step,
        kind,
        what,
        since,
        command,
    };
    let mut out = Vec::new();
    let mine = p.author.same_email(me);
    let since_step = entered(ledger, id, p.step);
    let stakeholder = p.stakeholders.iter().find(|s| s.who.same_email(me));
    let matrix = match (stakeholder.is_some() || mine) && p.step >= Step::Socialize {
        true => Some(signoffs::matrix_for(ws, rel, p, ledger, None, None)?),
        false => None,
    };
    // Who has a concern open waits on its resolution, not on their own sign-off.
    let concerned = matrix
        .as_ref()
        .is_some_and(|m| m.open_concerns().any(|c| c.raised_by.same_email(me)));
    if let (Some(s), Some(m), false) = (stakeholder, &matrix, mine) {
        let row = m.rows.iter().find(|r| r.who.same_email(me));
        match row.map(|r| &r.standing) {
            Some(Standing::Signed {
                changed_by: Some(changed),
                time,
                ..
            }) => out.push(item(
                "renew",
                format!(
                    "renew your sign-off: the proposal changed {} ('git lead diff {id} \
                     --since-signoff {}' shows how)",
                    signoff::describe_change(changed),
                    me.email
                ),
                Some(*time),
                format!("git lead signoff {id}"),
            )),
            Some(Standing::Signed { .. }) => {}
            _ if p.step == Step::Socialize && !concerned => out.push(item(
                "signoff",
                format!(
                    "sign off, or raise a concern: you are a{} stakeholder and have not signed \
                     off",
                    if s.required { " required" } else { "" }
                ),
                since_step,
                format!("git lead signoff {id}"),
            )),
            _ => {}
        }
    }
    if let Some(m) = &matrix {
        for c in m.open_concerns().filter(|c| c.raised_by.same_email(me)) {
            let since = ledger.of(id).find(|e| e.commit == c.commit).map(|e| e.time);
            out.push(item(
                "concern",
                format!(
                    "your concern '{}' is open: resolve it once it is addressed",
                    c.name
                ),
                since,
                format!("git lead resolve {id} {}", c.name),
            ));
        }
    }
    for f in p.feedback.iter().filter(|f| f.answer == Answer::Open) {
        if mine {
            out.push(item(
                "answer",
                format!("answer feedback {} from {}", f.id, f.from),
                day(&f.date),
                format!(
                    "git lead respond {id} {} --incorporated|--declined \"...\"",
                    f.id
                ),
            ));
        } else if f.from.same_email(me) {
            out.push(item(
                "feedback-given",
                format!(
                    "your feedback {} waits for an answer from {}",
                    f.id, p.author
                ),
                day(&f.date),
                format!("git lead show {id}"),
            ));
        }
    }
    if mine {
        out.push(next_step(ws, p, matrix.as_ref(), since_step, item));
    }
    Ok(out)
}

/// The next thing the author's proposal `p` needs.
fn next_step(
    ws: &Workspace,
    p: &Proposal,
    matrix: Option<&crate::model::signoff::Matrix>,
    since: Option<i64>,
    item: impl Fn(&'static str, String, Option<i64>, String) -> Item,
) -> Item {
    let id = p.id;
    let Some(next) = p.step.next() else {
        return item(
            "next",
            "when the change is in place, close the proposal".into(),
            since,
            format!("git lead advance {id} --to done"),
        );
    };
    if let Gate::Missing(missing) = gate::check_before(p, next, &ws.config.gates) {
        let needs: Vec<&str> = missing.iter().map(|m| m.need.as_str()).collect();
        return item(
            "next",
            format!("to move to {next}, it needs {}", needs.join(", ")),
            since,
            format!("git lead show {id}"),
        );
    }
    match matrix.filter(|m| next == Step::Implement && !m.holds()) {
        Some(m) => item(
            "next",
            format!(
                "waiting on sign-offs: {} of {} signed, {} needed{}",
                m.signed,
                m.eligible,
                m.needed,
                match m.open_concerns().count() {
                    0 => String::new(),
                    n => format!(", {n} open concern(s)"),
                }
            ),
            since,
            format!("git lead signoffs {id}"),
        ),
        None => item(
            "next",
            format!("ready to move to {next}"),
            since,
            format!("git lead advance {id}"),
        ),
    }
}

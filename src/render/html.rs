//! The static site of `git lead board`: an index board, a page per proposal, a page per
//! person, one style sheet and one small script. Every text is escaped here, in [`esc`];
//! nothing else writes markup. The same [`Board`] always gives the same bytes.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::model::check::Severity;
use crate::model::diff::{words, Change, FeedbackKind, Kind, Span};
use crate::model::gate::Gate;
use crate::model::ledger::{Event, EventKind};
use crate::model::person::Person;
use crate::model::proposal::{Answer, Proposal};
use crate::model::signoff::{why_not, Matrix, Standing};
use crate::model::step::Step;
use crate::model::util;
use crate::ops::board::{Board, Broken, Page, PersonPage};
use crate::parallel;
use crate::render::diff::entry_value;

/// The style sheet, written as `assets/style.css`.
const STYLE: &str = include_str!("board.css");
/// The script (filters and relative times), written as `assets/board.js`.
const SCRIPT: &str = include_str!("board.js");

/// Every file of the site: path inside the output folder and content.
pub fn site(b: &Board) -> Vec<(String, Vec<u8>)> {
    let r = Renderer::new(b);
    let mut out = vec![
        ("index.html".to_string(), r.index().into_bytes()),
        (
            "people/index.html".to_string(),
            r.people_index().into_bytes(),
        ),
        ("assets/style.css".to_string(), STYLE.as_bytes().to_vec()),
        ("assets/board.js".to_string(), SCRIPT.as_bytes().to_vec()),
    ];
    // The proposal pages, most of the work, a part on each core.
    let render = |part: &[Page]| -> Vec<(String, Vec<u8>)> {
        part.iter()
            .map(|page| {
                (
                    format!("p/{}.html", page.slug),
                    r.proposal(page).into_bytes(),
                )
            })
            .collect()
    };
    out.extend(
        parallel::on_every_core(&b.pages, 64, render, render)
            .into_iter()
            .flatten(),
    );
    for broken in &b.broken {
        out.push((
            format!("p/{}.html", broken.slug),
            r.broken(broken).into_bytes(),
        ));
    }
    for person in &b.people {
        out.push((
            format!("people/{}.html", person.slug),
            r.person(person).into_bytes(),
        ));
    }
    out
}

/// Text made safe for HTML, in element content and in quoted attributes alike.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters other than tab and newline are not allowed in HTML.
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// An `id` attribute value from an entry id: letters, digits, `-` and `_` only.
fn anchor(prefix: &str, s: &str) -> String {
    let clean: String = s
        .chars()
        .map(
            |c| match c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                true => c,
                false => '-',
            },
        )
        .collect();
    format!("{prefix}-{clean}")
}

/// Multi-line text as paragraphs: a blank line starts a new one, a newline breaks a line.
fn paras(s: &str) -> String {
    let mut out = String::new();
    for para in s.trim().split("\n\n").filter(|p| !p.trim().is_empty()) {
        let lines: Vec<String> = para.trim().lines().map(esc).collect();
        let _ = write!(out, "<p>{}</p>", lines.join("<br>"));
    }
    out
}

fn short(id: &str) -> &str {
    id.get(..7).unwrap_or(id)
}

struct Renderer<'a> {
    b: &'a Board,
    /// Person pages by lower-case email.
    people: HashMap<String, &'a PersonPage>,
    now: i64,
}

impl<'a> Renderer<'a> {
    fn new(b: &'a Board) -> Self {
        Renderer {
            b,
            people: b
                .people
                .iter()
                .map(|p| (p.person.email.to_ascii_lowercase(), p))
                .collect(),
            now: b.head.as_ref().map_or(0, |h| h.1),
        }
    }

    /// The frame of every page. `root` leads from the page to the top of the site.
    fn frame(&self, root: &str, title: &str, main: &str) -> String {
        let built = match &self.b.head {
            Some((id, time)) => format!(
                "Built from commit {} of {}.",
                self.commit(id),
                self.time(*time, 0)
            ),
            None => "Built from a repository with no commits yet.".into(),
        };
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <meta name=\"color-scheme\" content=\"light dark\">\n\
             <title>{} · git lead board</title>\n\
             <link rel=\"stylesheet\" href=\"{root}assets/style.css\">\n</head>\n<body>\n\
             <a class=\"skip\" href=\"#main\">Skip to the content</a>\n\
             <header class=\"top\"><nav aria-label=\"Site\"><a href=\"{root}index.html\">Board</a> \
             <a href=\"{root}people/index.html\">People</a></nav></header>\n\
             <main id=\"main\" tabindex=\"-1\">\n{main}</main>\n\
             <footer><p>{built} Relative times are counted from that commit, and from \
             your clock where scripts run.</p></footer>\n\
             <script src=\"{root}assets/board.js\"></script>\n</body>\n</html>\n",
            esc(title)
        )
    }

    /// A commit id, linked to the forge when one is known.
    fn commit(&self, id: &str) -> String {
        match &self.b.forge {
            Some(f) => format!(
                "<a class=\"commit\" href=\"{}/commit/{}\"><code>{}</code></a>",
                esc(f),
                esc(id),
                esc(short(id))
            ),
            None => format!(
                "<code class=\"commit\" title=\"{}\">{}</code>",
                esc(id),
                esc(short(id))
            ),
        }
    }

    /// A time: ISO 8601 in the commit's own zone, and how long before the build it was.
    fn time(&self, t: i64, offset: i32) -> String {
        format!(
            "<time datetime=\"{}\">{}</time> <span class=\"ago\" data-t=\"{t}\">({} ago)</span>",
            util::iso_time(t),
            esc(&util::date_time(t, offset)),
            util::age(t, self.now)
        )
    }

    /// A person, linked to their page.
    fn who(&self, root: &str, p: &Person) -> String {
        match self.people.get(&p.email.to_ascii_lowercase()) {
            Some(page) => format!(
                "<a href=\"{root}people/{}.html\">{}</a>",
                page.slug,
                esc(&p.name)
            ),
            None => esc(&p.to_string()),
        }
    }

    fn index(&self) -> String {
        let b = self.b;
        let mut m = String::new();
        m.push_str("<h1>Proposals</h1>\n");
        if b.pages.is_empty() && b.broken.is_empty() {
            m.push_str(
                "<section class=\"empty-board\"><p>No proposals yet. Start one from the \
                 repository with</p><pre><code>git lead propose \"What gets in the \
                 way\"</code></pre><p>commit it, and build the board again.</p></section>\n",
            );
            return self.frame("", "Proposals", &m);
        }
        let _ = writeln!(
            m,
            "<p class=\"lede\">{} proposals in <code>{}</code>.</p>",
            b.pages.len(),
            esc(&b.folder)
        );
        m.push_str(&self.filters());
        m.push_str("<div class=\"board\">\n");
        for step in Step::ALL {
            let cards: Vec<&Page> = b.pages.iter().filter(|p| p.proposal.step == step).collect();
            let label = match step.number() {
                Some(n) => format!("{n}. {}", title_case(step.as_str())),
                None => title_case(step.as_str()),
            };
            let _ = write!(
                m,
                "<section class=\"column\" data-step=\"{s}\" aria-labelledby=\"col-{s}\">\
                 <h2 id=\"col-{s}\">{label} <span class=\"count\" data-total=\"{n}\">{n}</span></h2>\
                 <ul class=\"cards\">",
                s = step.as_str(),
                n = cards.len()
            );
            for page in cards {
                m.push_str(&self.card(page));
            }
            m.push_str("</ul></section>\n");
        }
        m.push_str("</div>\n");
        if !b.broken.is_empty() {
            m.push_str("<section class=\"broken\"><h2>Files that do not parse</h2><ul>");
            for br in &b.broken {
                let _ = write!(
                    m,
                    "<li><a href=\"p/{}.html\"><code>{}</code></a>: line {}, column {}</li>",
                    br.slug,
                    esc(&br.rel),
                    br.error.line,
                    br.error.column
                );
            }
            m.push_str("</ul></section>\n");
        }
        self.frame("", "Proposals", &m)
    }

    fn filters(&self) -> String {
        let b = self.b;
        let mut authors: Vec<(String, String)> = Vec::new();
        let mut holders: Vec<(String, String)> = Vec::new();
        let mut areas: Vec<(String, String)> = Vec::new();
        let add = |list: &mut Vec<(String, String)>, key: String, label: String| {
            if !list.iter().any(|(k, _)| *k == key) {
                list.push((key, label));
            }
        };
        for page in &b.pages {
            let p = &page.proposal;
            add(
                &mut authors,
                p.author.email.to_ascii_lowercase(),
                p.author.to_string(),
            );
            for s in &p.stakeholders {
                add(
                    &mut holders,
                    s.who.email.to_ascii_lowercase(),
                    s.who.to_string(),
                );
            }
            if !p.area.is_empty() {
                add(&mut areas, p.area.clone(), p.area.clone());
            }
        }
        for list in [&mut authors, &mut holders, &mut areas] {
            list.sort();
        }
        let steps: Vec<(String, String)> = Step::ALL
            .iter()
            .map(|s| (s.as_str().to_string(), s.as_str().to_string()))
            .collect();
        let mut out = String::from(
            "<form class=\"filters\" role=\"search\" aria-label=\"Filter the board\">",
        );
        for (name, label, options) in [
            ("step", "Step", &steps),
            ("author", "Author", &authors),
            ("stakeholder", "Stakeholder", &holders),
            ("area", "Area", &areas),
        ] {
            let _ = write!(
                out,
                "<label>{label} <select name=\"{name}\" data-filter=\"{name}\">\
                 <option value=\"\">any</option>"
            );
            for (value, text) in options {
                let _ = write!(
                    out,
                    "<option value=\"{}\">{}</option>",
                    esc(value),
                    esc(text)
                );
            }
            out.push_str("</select></label>");
        }
        let _ = write!(
            out,
            "<button type=\"reset\">Show all</button></form>\n\
             <p class=\"shown\" aria-live=\"polite\" data-total=\"{n}\">Showing {n} of {n}.</p>\n",
            n = b.pages.len()
        );
        out
    }

    fn card(&self, page: &Page) -> String {
        let p = &page.proposal;
        let holders: Vec<String> = p
            .stakeholders
            .iter()
            .map(|s| esc(&s.who.email.to_ascii_lowercase()))
            .collect();
        let signoffs = match &page.signoffs {
            Ok(m) if m.eligible > 0 => format!(
                "<span class=\"{}\">{} of {} needed signed</span>",
                if m.holds() { "ok" } else { "wait" },
                m.signed,
                m.needed
            ),
            _ => String::new(),
        };
        let clash = match page.clash {
            true => " <span class=\"bad\">id clash</span>",
            false => "",
        };
        format!(
            "<li class=\"card\" data-step=\"{}\" data-author=\"{}\" data-stakeholder=\" {} \" \
             data-area=\"{}\"><a href=\"p/{}.html\"><span class=\"pid\">{}</span> {}</a>\
             <p class=\"meta\">{} · {}{}{clash}</p>{}</li>",
            p.step.as_str(),
            esc(&p.author.email.to_ascii_lowercase()),
            holders.join(" "),
            esc(&p.area),
            page.slug,
            p.id,
            esc(&p.title),
            esc(&p.author.name),
            progress(p.step),
            match p.area.is_empty() {
                true => String::new(),
                false => format!(" · {}", esc(&p.area)),
            },
            match signoffs.is_empty() {
                true => String::new(),
                false => format!("<p class=\"meta\">{signoffs}</p>"),
            }
        )
    }

    fn proposal(&self, page: &Page) -> String {
        let p = &page.proposal;
        let root = "../";
        let mut m = String::new();
        let _ = writeln!(
            m,
            "<nav class=\"crumbs\" aria-label=\"Breadcrumb\"><a href=\"../index.html\">Board</a> \
             › Proposal {}</nav>\n<h1><span class=\"pid\">{}</span> {}</h1>",
            p.id,
            p.id,
            esc(&p.title)
        );
        if page.clash {
            m.push_str(
                "<p class=\"bad\">Another file carries the same id; its history is mixed with \
                 this one's until one of them is renumbered.</p>\n",
            );
        }
        m.push_str("<dl class=\"facts\">");
        let mut fact = |k: &str, v: String| {
            let _ = write!(m, "<dt>{k}</dt><dd>{v}</dd>");
        };
        fact("File", format!("<code>{}</code>", esc(&page.rel)));
        fact("Author", self.who(root, &p.author));
        if !p.created.is_empty() {
            fact("Created", esc(&p.created));
        }
        if !p.area.is_empty() {
            fact("Area", esc(&p.area));
        }
        let step = match p.step.number() {
            Some(n) => format!("{} ({n} of 8)", esc(p.step.as_str())),
            None => esc(p.step.as_str()),
        };
        fact("Step", step);
        if !p.closing.reason.is_empty() {
            fact("Reason", esc(&p.closing.reason));
        }
        if let Some(by) = p.closing.superseded_by {
            let target = self.b.pages.iter().find(|q| q.proposal.id == by);
            fact(
                "Superseded by",
                match target {
                    Some(t) => format!("<a href=\"{}.html\">proposal {by}</a>", t.slug),
                    None => format!("proposal {by}"),
                },
            );
        }
        m.push_str("</dl>\n");
        m.push_str(&self.progress_bar(page));
        m.push_str("<section id=\"steps\"><h2>Step by step</h2>\n");
        let holds = page.signoffs.as_ref().is_ok_and(Matrix::holds);
        for (step, gate) in &page.gates {
            m.push_str(&self.step(p, *step, gate, holds));
        }
        m.push_str("</section>\n");
        m.push_str(&self.signoffs(root, page));
        m.push_str(&self.feedback(root, page));
        m.push_str(&self.diffs(page));
        m.push_str(&self.timeline(root, page));
        if !page.findings.is_empty() {
            m.push_str("<section id=\"findings\"><h2>What check reports</h2><ul>");
            for f in &page.findings {
                let class = match f.severity {
                    Severity::Error => "bad",
                    _ => "wait",
                };
                let _ = write!(
                    m,
                    "<li><span class=\"{class}\">{}</span> {}</li>",
                    f.severity.as_str(),
                    esc(&f.message)
                );
            }
            m.push_str("</ul></section>\n");
        }
        self.frame(root, &format!("{} {}", p.id, p.title), &m)
    }

    fn progress_bar(&self, page: &Page) -> String {
        let p = &page.proposal;
        let mut out =
            String::from("<ol class=\"progress\" aria-label=\"Progress through the eight steps\">");
        for (step, gate) in &page.gates {
            let state = match (p.step.number(), step.number()) {
                _ if p.step == *step => "current",
                (Some(now), Some(n)) if n < now => "past",
                (None, _) if p.step == Step::Done => "past",
                _ => "ahead",
            };
            let mark = match gate.is_complete() {
                true => "complete",
                false => "incomplete",
            };
            let _ = write!(
                out,
                "<li class=\"{state}\"><a href=\"#step-{s}\"{}>{}</a> <span class=\"sr\">({state}, \
                 {mark})</span></li>",
                match state {
                    "current" => " aria-current=\"step\"",
                    _ => "",
                },
                title_case(step.as_str()),
                s = step.as_str(),
            );
        }
        out.push_str("</ol>\n");
        out
    }

    fn step(&self, p: &Proposal, step: Step, gate: &Gate, holds: bool) -> String {
        let n = step.number().unwrap_or(0);
        let state = match gate {
            Gate::Complete if step == Step::Implement && !holds => {
                "<span class=\"wait\">waits for the sign-off policy</span>".to_string()
            }
            Gate::Complete => "<span class=\"ok\">complete</span>".to_string(),
            Gate::Missing(missing) => {
                let fields: Vec<String> = missing.iter().map(|m| esc(&m.field)).collect();
                format!("<span class=\"wait\">needs {}</span>", fields.join(", "))
            }
        };
        let current = match p.step == step {
            true => " <span class=\"here\">current step</span>",
            false => "",
        };
        let mut out = format!(
            "<section class=\"step\" id=\"step-{s}\"><h3>{n}. {} {state}{current}</h3>\
             <p class=\"question\">{}</p>",
            title_case(step.as_str()),
            esc(step.question()),
            s = step.as_str()
        );
        if let Gate::Missing(missing) = gate {
            out.push_str("<ul class=\"missing\">");
            for m in missing {
                let _ = write!(
                    out,
                    "<li><code>{}</code>: {}</li>",
                    esc(&m.field),
                    esc(&m.need)
                );
            }
            out.push_str("</ul>");
        }
        let mut body = String::new();
        let mut field = |label: &str, value: &str| {
            if !value.trim().is_empty() {
                let _ = write!(body, "<dt>{label}</dt><dd>{}</dd>", paras(value));
            }
        };
        match step {
            Step::Problem => {
                field("Statement", &p.problem.statement);
                field("Affected", &p.problem.affected);
            }
            Step::Idea => {
                for idea in &p.ideas {
                    field(&esc(&idea.id), &idea.summary);
                }
            }
            Step::Alternatives => {
                for o in &p.objections {
                    field("Objection", o);
                }
            }
            Step::Critique => {
                for c in &p.critiques {
                    let verdict = c.verdict.map_or("no verdict", |v| v.as_str());
                    field(&format!("{} ({verdict})", esc(&c.idea)), &c.reason);
                }
                if !p.chosen.is_empty() {
                    field(&format!("Chosen: {}", esc(&p.chosen)), &p.why);
                }
            }
            Step::Stakeholders => {
                for s in &p.stakeholders {
                    let mut tags = Vec::new();
                    if !s.role.is_empty() {
                        tags.push(esc(&s.role));
                    }
                    if s.required {
                        tags.push("required".into());
                    }
                    let label = format!(
                        "{}{}",
                        self.who("../", &s.who),
                        match tags.is_empty() {
                            true => String::new(),
                            false => format!(" ({})", tags.join(", ")),
                        }
                    );
                    let text = match s.perspective.is_empty() {
                        true => "(no perspective written)",
                        false => s.perspective.as_str(),
                    };
                    field(&label, text);
                }
            }
            Step::Strategy => {
                for s in &p.stakeholders {
                    let who = self.who("../", &s.who);
                    field(&format!("{who}: pain"), &s.pain);
                    field(&format!("{who}: pitch"), &s.pitch);
                }
            }
            Step::Socialize => {
                let open = p
                    .feedback
                    .iter()
                    .filter(|f| f.answer == Answer::Open)
                    .count();
                if !p.feedback.is_empty() {
                    let _ = write!(
                        body,
                        "<dt>Feedback</dt><dd><p><a href=\"#feedback\">{} entries</a>, {open} \
                         open.</p></dd>",
                        p.feedback.len()
                    );
                }
            }
            Step::Implement => field("Plan", &p.plan),
            Step::Done | Step::Withdrawn | Step::Superseded => {}
        }
        if !body.is_empty() {
            let _ = write!(out, "<dl>{body}</dl>");
        }
        out.push_str("</section>\n");
        out
    }

    fn signoffs(&self, root: &str, page: &Page) -> String {
        let mut out = String::from("<section id=\"signoffs\"><h2>Sign-offs</h2>");
        let m = match &page.signoffs {
            Ok(m) => m,
            Err(e) => {
                let _ = writeln!(
                    out,
                    "<p class=\"bad\">The sign-offs cannot be evaluated: {}</p></section>",
                    esc(e)
                );
                return out;
            }
        };
        if m.rows.is_empty() {
            out.push_str("<p>No stakeholders are listed yet.</p></section>\n");
            return out;
        }
        let _ = write!(
            out,
            "<p class=\"{}\">{} of {} stakeholders signed; {} needed; the policy {}.</p>",
            if m.holds() { "ok" } else { "wait" },
            m.signed,
            m.eligible,
            m.needed,
            if m.holds() {
                "holds"
            } else {
                "does not hold yet"
            }
        );
        out.push_str(
            "<div class=\"scroll\"><table class=\"matrix\"><caption>Who stands where</caption>\
             <thead><tr><th scope=\"col\">Stakeholder</th><th scope=\"col\">Required</th>\
             <th scope=\"col\">Standing</th><th scope=\"col\">Commit</th>\
             <th scope=\"col\">When</th><th scope=\"col\">Verified</th>\
             <th scope=\"col\">Why</th></tr></thead><tbody>",
        );
        for row in &m.rows {
            let (standing, class, commit, when, key) = match &row.standing {
                _ if row.is_author => ("author", "muted", String::new(), String::new(), ""),
                Standing::NotSigned => ("not signed", "wait", String::new(), String::new(), ""),
                Standing::Withdrawn { commit } => {
                    ("withdrawn", "bad", self.commit(commit), String::new(), "")
                }
                Standing::Signed {
                    commit,
                    time,
                    key,
                    changed_by,
                    ..
                } => (
                    if changed_by.is_some() {
                        "stale"
                    } else {
                        "current"
                    },
                    if changed_by.is_some() { "wait" } else { "ok" },
                    self.commit(commit),
                    self.time(*time, 0),
                    key.as_deref().unwrap_or(""),
                ),
            };
            let why = match row.is_author {
                true => "the author never counts".to_string(),
                false => why_not(&row.standing),
            };
            let verified = match key {
                "" => "—".to_string(),
                k => format!("<code>{}</code>", esc(k)),
            };
            let _ = write!(
                out,
                "<tr><th scope=\"row\">{}</th><td>{}</td><td class=\"{class}\">{standing}</td>\
                 <td>{commit}</td><td>{when}</td><td>{verified}</td><td>{}</td></tr>",
                self.who(root, &row.who),
                if row.required { "yes" } else { "no" },
                esc(&why)
            );
        }
        out.push_str("</tbody></table></div><h3>Rules</h3><ul>");
        for rule in &m.rules {
            let _ = write!(
                out,
                "<li><span class=\"{}\">{}</span> {}: {}</li>",
                if rule.holds { "ok" } else { "wait" },
                if rule.holds { "holds" } else { "unmet" },
                rule.id,
                esc(&rule.detail)
            );
        }
        out.push_str("</ul>");
        if !m.rejected.is_empty() {
            out.push_str("<h3>Not counted</h3><ul>");
            for r in &m.rejected {
                let _ = write!(
                    out,
                    "<li>{} by {} in {}: {}</li>",
                    r.kind,
                    self.who(root, &r.who),
                    self.commit(&r.commit),
                    esc(&r.reason)
                );
            }
            out.push_str("</ul>");
        }
        out.push_str("<h3 id=\"concerns\">Concerns</h3>");
        if m.concerns.is_empty() {
            out.push_str("<p>None raised.</p>");
        }
        for (title, open) in [("Open", true), ("Resolved", false)] {
            let list: Vec<_> = m
                .concerns
                .iter()
                .filter(|c| c.resolved.is_none() == open)
                .collect();
            if list.is_empty() {
                continue;
            }
            let _ = write!(out, "<h4>{title}</h4><ul>");
            for c in list {
                let resolved = match &c.resolved {
                    Some((who, commit)) => format!(
                        "; resolved by {} in {}",
                        self.who(root, who),
                        self.commit(commit)
                    ),
                    None => String::new(),
                };
                let _ = write!(
                    out,
                    "<li><strong>{}</strong>, raised by {} in {}{resolved}{}</li>",
                    esc(&c.name),
                    self.who(root, &c.raised_by),
                    self.commit(&c.commit),
                    paras(&c.reason)
                );
            }
            out.push_str("</ul>");
        }
        out.push_str("</section>\n");
        out
    }

    fn feedback(&self, root: &str, page: &Page) -> String {
        let p = &page.proposal;
        let mut out = String::from("<section id=\"feedback\"><h2>Feedback</h2>");
        if p.feedback.is_empty() {
            out.push_str("<p>No feedback recorded yet.</p></section>\n");
            return out;
        }
        out.push_str("<ol class=\"ledger\">");
        for f in &p.feedback {
            let (status, answer) = match &f.answer {
                Answer::Open => ("<span class=\"wait\">open</span>", String::new()),
                Answer::Incorporated(a) => ("<span class=\"ok\">incorporated</span>", paras(a)),
                Answer::Declined(a) => ("<span class=\"muted\">declined</span>", paras(a)),
            };
            let events: Vec<String> = page
                .feedback
                .iter()
                .filter(|e| e.id == f.id)
                .map(|e| {
                    let what = match &e.kind {
                        FeedbackKind::Given => "given".to_string(),
                        FeedbackKind::Answered { status, .. } => esc(status),
                        FeedbackKind::Reopened => "reopened".to_string(),
                    };
                    format!(
                        "{what} in {} by {}, {}",
                        self.commit(&e.commit),
                        self.who(root, &e.author),
                        self.time(e.time, e.offset)
                    )
                })
                .collect();
            let _ = write!(
                out,
                "<li id=\"{}\"><p><strong>{}</strong> from {}{}: {status}</p>\
                 <blockquote>{}</blockquote>{}{}</li>",
                anchor("fb", &f.id),
                esc(&f.id),
                self.who(root, &f.from),
                match f.date.is_empty() {
                    true => String::new(),
                    false => format!(", {}", esc(&f.date)),
                },
                paras(&f.text),
                match answer.is_empty() {
                    true => String::new(),
                    false => format!("<div class=\"answer\">{answer}</div>"),
                },
                match events.is_empty() {
                    true => String::new(),
                    false => format!("<p class=\"meta\">{}</p>", events.join("; ")),
                }
            );
        }
        out.push_str("</ol></section>\n");
        out
    }

    fn diffs(&self, page: &Page) -> String {
        let mut out = String::from("<section id=\"diffs\"><h2>What the feedback changed</h2>");
        if page.diffs.is_empty() {
            out.push_str("<p>No feedback has been answered in a commit yet.</p></section>\n");
            return out;
        }
        for d in &page.diffs {
            let from = match &d.from {
                Some(c) => self.commit(c),
                None => "nothing".into(),
            };
            let _ = write!(
                out,
                "<h3>{} <span class=\"meta\">from {from} to {}</span></h3>",
                esc(&d.id),
                self.commit(&d.to)
            );
            if d.changes.is_empty() {
                out.push_str("<p>No changes.</p>");
                continue;
            }
            out.push_str("<ul class=\"diff\">");
            for c in &d.changes {
                out.push_str(&change(c));
            }
            out.push_str("</ul>");
        }
        out.push_str("</section>\n");
        out
    }

    fn timeline(&self, root: &str, page: &Page) -> String {
        let mut out = String::from("<section id=\"timeline\"><h2>Timeline</h2>");
        if page.events.is_empty() {
            out.push_str("<p>No recorded transitions yet.</p></section>\n");
            return out;
        }
        out.push_str("<ol class=\"timeline\">");
        for e in &page.events {
            let _ = write!(
                out,
                "<li>{} <strong>{}</strong> by {} in {}</li>",
                self.time(e.time, e.offset),
                event_what(e),
                self.who(root, &e.author),
                self.commit(&e.commit)
            );
        }
        out.push_str("</ol></section>\n");
        out
    }

    fn broken(&self, br: &Broken) -> String {
        let e = &br.error;
        let m = format!(
            "<nav class=\"crumbs\" aria-label=\"Breadcrumb\"><a href=\"../index.html\">Board</a> \
             › {}</nav>\n<h1>{} does not parse</h1>\n<p class=\"bad\"><code>{}:{}:{}</code>: {}</p>\n\
             <p>Fix the file, commit it, and build the board again; <code>git lead check</code> \
             names the same place.</p>\n",
            esc(&br.rel),
            esc(&br.rel),
            esc(&br.rel),
            e.line,
            e.column,
            esc(&e.message)
        );
        self.frame("../", &br.rel, &m)
    }

    fn people_index(&self) -> String {
        let mut m = String::from("<h1>People</h1>\n");
        if self.b.people.is_empty() {
            m.push_str("<p>Nobody is named by a proposal yet.</p>\n");
        } else {
            m.push_str("<ul class=\"people\">");
            for p in &self.b.people {
                let _ = write!(
                    m,
                    "<li><a href=\"{}.html\">{}</a> <span class=\"meta\">{} written, {} \
                     signed, {} owed</span></li>",
                    p.slug,
                    esc(&p.person.to_string()),
                    p.authored.len(),
                    p.signed.len(),
                    p.owed.len()
                );
            }
            m.push_str("</ul>\n");
        }
        self.frame("../", "People", &m)
    }

    fn person(&self, pp: &PersonPage) -> String {
        let pages = &self.b.pages;
        let link = |i: usize| {
            let p = &pages[i];
            format!(
                "<a href=\"../p/{}.html\">{} {}</a>",
                p.slug,
                p.proposal.id,
                esc(&p.proposal.title)
            )
        };
        let mut m = format!(
            "<nav class=\"crumbs\" aria-label=\"Breadcrumb\"><a href=\"index.html\">People</a> › \
             {}</nav>\n<h1>{}</h1>\n<p class=\"lede\">{}</p>\n",
            esc(&pp.person.name),
            esc(&pp.person.name),
            esc(&pp.person.email)
        );
        let mut section = |title: &str, items: Vec<String>, none: &str| {
            let _ = write!(m, "<section><h2>{title}</h2>");
            if items.is_empty() {
                let _ = write!(m, "<p>{none}</p>");
            } else {
                let _ = write!(m, "<ul><li>{}</li></ul>", items.join("</li><li>"));
            }
            m.push_str("</section>\n");
        };
        section(
            "Sign-offs owed",
            pp.owed
                .iter()
                .map(|(i, what)| format!("{}: {}", link(*i), esc(what)))
                .collect(),
            "Nothing waits on a sign-off from them.",
        );
        section(
            "Proposals written",
            pp.authored
                .iter()
                .map(|i| {
                    format!(
                        "{} <span class=\"meta\">{}</span>",
                        link(*i),
                        pages[*i].proposal.step
                    )
                })
                .collect(),
            "None.",
        );
        section(
            "Sign-offs given",
            pp.signed
                .iter()
                .map(|(i, commit, time, current)| {
                    format!(
                        "{} in {}, {} {}",
                        link(*i),
                        self.commit(commit),
                        self.time(*time, 0),
                        badge(*current, "current", "stale")
                    )
                })
                .collect(),
            "None that stand.",
        );
        section(
            "Concerns raised",
            pp.concerns
                .iter()
                .map(|(i, name, open)| {
                    format!(
                        "{}: {} {}",
                        link(*i),
                        esc(name),
                        badge(!*open, "resolved", "open")
                    )
                })
                .collect(),
            "None.",
        );
        section(
            "Feedback given",
            pp.feedback
                .iter()
                .map(|(i, id, answered)| {
                    format!(
                        "{} <a href=\"../p/{}.html#{}\">{}</a> {}",
                        link(*i),
                        pages[*i].slug,
                        anchor("fb", id),
                        esc(id),
                        badge(*answered, "answered", "open")
                    )
                })
                .collect(),
            "None.",
        );
        self.frame("../", &pp.person.name, &m)
    }
}

/// A word that reads as settled (`good`) or as still waiting on someone.
fn badge(good: bool, good_word: &str, bad_word: &str) -> String {
    if good {
        format!("<span class=\"ok\">{good_word}</span>")
    } else {
        format!("<span class=\"wait\">{bad_word}</span>")
    }
}

/// One change of a feedback diff, with the words deleted and inserted marked.
fn change(c: &Change) -> String {
    let value = |v: Option<&str>| esc(&entry_value(c, v));
    match c.kind {
        Kind::Added => format!(
            "<li class=\"added\"><code>{}</code> added: <ins>{}</ins></li>",
            esc(&c.path),
            value(c.new.as_deref())
        ),
        Kind::Removed => format!(
            "<li class=\"removed\"><code>{}</code> removed: <del>{}</del></li>",
            esc(&c.path),
            value(c.old.as_deref())
        ),
        Kind::Changed => {
            let mut spans = String::new();
            for span in words(
                c.old.as_deref().unwrap_or_default(),
                c.new.as_deref().unwrap_or_default(),
            ) {
                match span {
                    Span::Same(s) => spans.push_str(&esc(&s)),
                    Span::Deleted(s) => {
                        let _ = write!(spans, "<del>{}</del>", esc(&s));
                    }
                    Span::Inserted(s) => {
                        let _ = write!(spans, "<ins>{}</ins>", esc(&s));
                    }
                }
            }
            format!(
                "<li class=\"changed\"><code>{}</code> changed: {spans}</li>",
                esc(&c.path)
            )
        }
    }
}

fn event_what(e: &Event) -> String {
    match &e.kind {
        EventKind::Step(step) => format!("entered {}", step.as_str()),
        EventKind::Signoff => "signed off".into(),
        EventKind::Withdraw => "withdrew a sign-off".into(),
        EventKind::Concern(name) => format!("raised concern {}", esc(name)),
        EventKind::Resolve(name) => format!("resolved concern {}", esc(name)),
        EventKind::Implements => "implements it".into(),
        EventKind::Renumbered { from } => format!("renumbered it from {from}"),
    }
}

/// `●●●○○○○○ 3/8`, or the ending's name.
fn progress(step: Step) -> String {
    match step.number() {
        Some(n) => format!(
            "<span class=\"dots\" aria-label=\"step {n} of 8\">{}{}</span>",
            "●".repeat(n),
            "○".repeat(8 - n)
        ),
        None => esc(step.as_str()),
    }
}

fn title_case(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_for_content_and_attributes() {
        assert_eq!(
            esc("<script>alert(\"1\")</script> & 'x'"),
            "&lt;script&gt;alert(&quot;1&quot;)&lt;/script&gt; &amp; &#39;x&#39;"
        );
        assert_eq!(esc("a\u{0}b"), "a\u{fffd}b");
    }

    #[test]
    fn anchors_are_safe() {
        assert_eq!(anchor("fb", "F3\"><x"), "fb-F3---x");
    }

    #[test]
    fn paragraphs_split_on_blank_lines() {
        assert_eq!(paras("a\nb\n\nc<"), "<p>a<br>b</p><p>c&lt;</p>");
    }
}

//! The text of a new proposal file, and the starter questions of each area.

use super::person::Person;

/// What `propose` knows about a new proposal.
#[derive(Debug, Clone)]
pub struct NewProposal {
    pub id: u32,
    pub title: String,
    pub author: Person,
    pub created: String,
    pub area: Option<Area>,
    pub statement: String,
    pub affected: String,
}

/// An area where problems worth leading on are often found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    Communication,
    CodeQuality,
}

impl Area {
    pub const ALL: [Area; 2] = [Area::Communication, Area::CodeQuality];

    pub fn as_str(self) -> &'static str {
        match self {
            Area::Communication => "communication",
            Area::CodeQuality => "code-quality",
        }
    }

    pub fn parse(s: &str) -> Option<Area> {
        Area::ALL.into_iter().find(|a| a.as_str() == s.trim())
    }

    /// Questions to ask yourself when looking for a problem in this area.
    pub fn questions(self) -> &'static [&'static str] {
        match self {
            Area::Communication => &[
                "When something breaks for the people who use what we build, how long until we hear of it, and from whom?",
                "After a feature ships, what tells us whether anyone is glad of it?",
                "When product asks engineering for something, does the engineering view travel back before the plan is fixed?",
                "Do the people who set priorities know what the system can and cannot do cheaply?",
                "Could the team describe a typical user's day without guessing?",
            ],
            Area::CodeQuality => &[
                "How would the team find out that its code is getting worse, before it hurts?",
                "Is there an agreed way to decide which technical debt gets paid down, and when?",
                "Which part of the code does everyone avoid touching, and why?",
                "What does a reviewer look for, and is that written down anywhere?",
            ],
        }
    }
}

/// The commented template of a new proposal.
pub fn render(p: &NewProposal) -> String {
    let mut out = format!(
        "# Proposal {id}, tracked by git lead.\n\
         # Fill in each step below by hand or with the git lead commands: comments and layout\n\
         # are kept. `git lead show {id}` tells what each step still needs, and\n\
         # `git lead advance {id}` moves on once it is complete.\n\
         schema = 1\n\
         id = {id}\n\
         title = {title}\n\
         author = {author}\n\
         created = \"{created}\"\n",
        id = p.id,
        title = quote(&p.title),
        author = quote(&p.author.to_string()),
        created = p.created,
    );
    if let Some(area) = p.area {
        out.push_str(&format!("area = \"{}\"\n", area.as_str()));
    }
    out.push_str("step = \"problem\"  # moved only by `git lead advance`\n");
    out.push_str(
        "\n# 1 · problem\n\
         # What keeps getting in the way of your work and of the people around you? Say what\n\
         # happens, how often, and what it costs. No solution is needed yet.\n",
    );
    if let Some(area) = p.area {
        out.push_str(&format!(
            "#\n# Questions to start from ({}):\n",
            area.as_str()
        ));
        for q in area.questions() {
            out.push_str(&format!("#   - {q}\n"));
        }
    }
    out.push_str(&format!(
        "[problem]\n\
         statement = {statement}\n\
         # Who else runs into it: teams, roles, customers.\n\
         affected = {affected}\n",
        statement = quote(&p.statement),
        affected = quote(&p.affected),
    ));
    out.push_str(SECTIONS);
    out
}

const SECTIONS: &str = "
# 2 · idea
# One change that would make the problem smaller; shrinking it is enough. Each idea is a
# table of its own, [idea.I1], [idea.I2], ... with a `summary` (`git lead idea` adds one).
[idea]

# 3 · alternatives
# Every problem has more than one way out: add at least one more idea above, and list the
# objections you expect to hear, so that you meet them prepared.
[alternatives]
objections = []

# 4 · critique
# Judge every idea in a table [critique.I1]: verdict = \"root-cause\" if it removes the cause,
# \"band-aid\" if it only eases the symptom, and the reason. Then choose one and say why.
[critique]
chosen = \"\"
why = \"\"

# 5 · stakeholders
# Everyone the change touches. Talk to each of them and write down how they see it, one
# table each: [stakeholders.bo-chen] with who = \"Bo Chen <bo@example.com>\", role,
# perspective, and required = true for those whose agreement you cannot go without.
[stakeholders]

# 6 · strategy
# For each stakeholder, a table with the same key, [strategy.bo-chen]: the pain the
# problem causes them, and a pitch that shows them how the change eases it.
[strategy]

# 7 · socialize
# Tell the plan to anyone who will listen, write down what they say, and answer every
# entry: incorporated (and how) or declined (and why).
[socialize]

# 8 · implement
# Start once enough people are on board. Write the first concrete moves here before you ask
# for sign-offs: a sign-off approves the whole file, so a later change here makes it stale.
[implement]
plan = \"\"
";

/// A TOML basic string (multi-line when the text has line breaks).
pub fn quote(s: &str) -> String {
    toml_edit::Value::from(s).to_string().trim().to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::model::proposal::Proposal;
    use crate::model::step::Step;

    fn new(area: Option<Area>) -> NewProposal {
        NewProposal {
            id: 7,
            title: "Flaky \"CI\"\nline".into(),
            author: Person::new("Ada", "ada@example.com"),
            created: "2026-12-01".into(),
            area,
            statement: "It fails".into(),
            affected: String::new(),
        }
    }

    #[test]
    fn the_template_parses_back() {
        for area in [None, Some(Area::CodeQuality)] {
            let text = render(&new(area));
            let p = Proposal::parse(&text).unwrap();
            assert_eq!(p.id, 7);
            assert_eq!(p.title, "Flaky \"CI\"\nline");
            assert_eq!(p.step, Step::Problem);
            assert_eq!(p.problem.statement, "It fails");
            assert_eq!(
                p.area,
                area.map(|a| a.as_str().to_string()).unwrap_or_default()
            );
        }
    }

    #[test]
    fn an_area_brings_its_questions() {
        let text = render(&new(Some(Area::Communication)));
        assert!(text.contains(Area::Communication.questions()[0]));
        assert!(!render(&new(None)).contains("Questions to start from"));
    }
}

//! `git lead renumber`: two branches that proposed the same id, before and after they meet;
//! the ledger follows the renumbering, and the refusals leave everything as it was.

use crate::harness::*;

/// On `mine`: proposal 1 "Mine" with Bo as stakeholder and Bo's sign-off. On `main`:
/// proposal 1 "Theirs", moved to `idea`. Left on `main`.
fn two_proposals_one_id() -> Sandbox {
    let s = Sandbox::repo();
    s.git(&["commit", "-q", "--allow-empty", "-m", "Start"])
        .ok();
    s.git(&["checkout", "-q", "-b", "mine"]).ok();
    s.lead(&["propose", "Mine", "--problem", "p", "--affected", "a"])
        .ok();
    s.lead(&["stakeholder", "1", BO, "--perspective", "Fine by me"])
        .ok();
    s.git(&["commit", "-qam", "Add Bo"]).ok();
    s.lead_as(BO, &["signoff", "1"]).ok();
    s.git(&["checkout", "-q", "main"]).ok();
    s.lead(&["propose", "Theirs", "--problem", "p", "--affected", "a"])
        .ok();
    s.lead(&["advance", "1"]).ok();
    s
}

#[track_caller]
fn assert_renumber_commit(s: &Sandbox, old: &str, new: &str, trailer: &str) {
    let trailers = s
        .git(&[
            "log",
            "-1",
            "--format=%(trailers:key=Lead-Renumbered,valueonly)",
        ])
        .ok();
    assert_eq!(trailers.trim(), trailer);
    let message = s.git(&["log", "-1", "--format=%B"]).ok();
    let parsed = s
        .git_stdin(&["interpret-trailers", "--parse"], &message)
        .ok();
    assert_eq!(parsed, format!("Lead-Renumbered: {trailer}\n"));
    // The commit renames that one file, and nothing else.
    let changed = s
        .git(&["diff", "--name-status", "-M", "HEAD~1", "HEAD"])
        .ok();
    let status = changed.split('\t').next().unwrap_or_default();
    assert!(status.starts_with('R'), "{changed}");
    assert_eq!(changed.trim_end(), format!("{status}\t{old}\t{new}"));
    assert_eq!(s.git(&["status", "--porcelain"]).ok(), "");
    s.git(&["fsck", "--no-progress"]).ok();
}

#[track_caller]
fn assert_bo_current(s: &Sandbox, id: &str) {
    let v = json(&s.lead(&["signoffs", id, "--json"]).ok());
    assert_eq!(v["stakeholders"][0]["state"], "signed", "{v}");
    assert_eq!(v["stakeholders"][0]["current"], true, "{v}");
    assert_eq!(v["holds"], true, "{v}");
}

fn log_kinds(s: &Sandbox, id: &str) -> Vec<String> {
    let v = json(&s.lead(&["show", id, "--json"]).ok());
    v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn renumbering_before_the_branches_meet_keeps_history_and_signoffs() {
    let s = two_proposals_one_id();
    s.git(&["checkout", "-q", "mine"]).ok();
    // Alone on its branch, 1 clashes with nothing.
    let err = s.lead(&["renumber", "1"]).fails(1);
    assert!(
        err.contains("proposal 1 does not clash with another"),
        "{err}"
    );
    let run = s.lead(&["renumber", "1", "--against", "main"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "proposals/0002-mine.toml\n");
    assert!(
        run.stderr
            .contains("Renumbered proposal 1 to 2 (it clashed with proposals/0001-theirs.toml)"),
        "{}",
        run.stderr
    );
    assert_renumber_commit(
        &s,
        "proposals/0001-mine.toml",
        "proposals/0002-mine.toml",
        "1 -> 2",
    );
    let text = s.read("proposals/0002-mine.toml");
    assert!(
        text.contains("\nid = 2\n") && text.starts_with("# Proposal 2, tracked by git lead."),
        "{text}"
    );
    assert!(text.contains("`git lead show 2`"), "{text}");
    assert_bo_current(&s, "2");
    assert_eq!(log_kinds(&s, "2"), ["step", "signoff", "renumbered"]);

    // Merged into main: two proposals, each with its own history, and no finding.
    s.git(&["checkout", "-q", "main"]).ok();
    s.git(&["merge", "-q", "--no-edit", "mine"]).ok();
    s.lead(&["check"]).ok();
    assert_bo_current(&s, "2");
    assert_eq!(log_kinds(&s, "1"), ["step", "step"]);
    assert_eq!(log_kinds(&s, "2"), ["step", "signoff", "renumbered"]);
    let list = s.lead(&["list"]).ok();
    assert!(
        list.contains(" 1   Theirs  idea") && list.contains(" 2   Mine    problem"),
        "{list}"
    );
}

#[test]
fn renumbering_after_the_branches_meet_splits_the_history_by_file() {
    let s = two_proposals_one_id();
    s.git(&["merge", "-q", "--no-edit", "mine"]).ok();
    let report = s.lead(&["check"]);
    assert_eq!(report.code, 1);
    assert!(
        report.stdout.contains("error[duplicate-id]"),
        "{}",
        report.stdout
    );
    assert!(
        report.stdout.contains("'git lead renumber 1'"),
        "{}",
        report.stdout
    );

    // The id names two files: the command asks which.
    let err = s.lead(&["renumber", "1"]).fails(1);
    assert!(err.contains("proposal 1 is in 2 files: proposals/0001-mine.toml, proposals/0001-theirs.toml; say which one"), "{err}");
    let head = s.head();
    assert_eq!(s.head(), head);

    s.lead(&["renumber", "proposals/0001-mine.toml"]).ok();
    assert_renumber_commit(
        &s,
        "proposals/0001-mine.toml",
        "proposals/0002-mine.toml",
        "1 -> 2",
    );
    s.lead(&["check"]).ok();
    assert_bo_current(&s, "2");
    assert_eq!(log_kinds(&s, "1"), ["step", "step"]);
    assert_eq!(log_kinds(&s, "2"), ["step", "signoff", "renumbered"]);
    // The ledger as a board and an inbox see it.
    let inbox = s.lead(&["inbox", "--as", BO]).ok();
    assert!(inbox.contains("Nothing waits on"), "{inbox}");
}

#[test]
fn a_renumbering_chain_carries_everything_to_the_last_id() {
    let s = two_proposals_one_id();
    s.git(&["checkout", "-q", "mine"]).ok();
    s.lead(&["renumber", "1", "--to", "5"]).ok();
    s.lead(&["renumber", "5", "--to", "7"]).ok();
    assert_renumber_commit(
        &s,
        "proposals/0005-mine.toml",
        "proposals/0007-mine.toml",
        "5 -> 7",
    );
    assert_bo_current(&s, "7");
    assert_eq!(
        log_kinds(&s, "7"),
        ["step", "signoff", "renumbered", "renumbered"]
    );
    // The content changes after the chain: the sign-off goes stale, as it should.
    let file = "proposals/0007-mine.toml";
    s.write(
        file,
        &s.read(file)
            .replace("statement = \"p\"", "statement = \"q\""),
    );
    s.git(&["commit", "-qam", "Restate"]).ok();
    let v = json(&s.lead(&["signoffs", "7", "--json"]).ok());
    assert_eq!(v["stakeholders"][0]["current"], false, "{v}");
    assert_eq!(v["stakeholders"][0]["changed_by"], s.head(), "{v}");
}

#[test]
fn renumber_refuses_what_would_lose_or_clash() {
    let s = two_proposals_one_id();
    s.git(&["checkout", "-q", "mine"]).ok();
    let head = s.head();
    let file = "proposals/0001-mine.toml";

    // Onto an id that exists.
    s.lead(&["propose", "Other", "--problem", "p"]).ok();
    let proposed = s.head();
    let err = s.lead(&["renumber", "1", "--to", "2"]).fails(1);
    assert!(
        err.contains("proposal 2 exists already (proposals/0002-other.toml in the working tree)"),
        "{err}"
    );
    assert_eq!(s.head(), proposed);
    s.git(&["reset", "-q", "--hard", &head]).ok();

    // With uncommitted changes in the file: refused, the edit kept, no commit.
    let edited = s
        .read(file)
        .replace("statement = \"p\"", "statement = \"mine, uncommitted\"");
    s.write(file, &edited);
    let err = s.lead(&["renumber", "1", "--against", "main"]).fails(1);
    assert!(
        err.contains(&format!(
            "{file} has uncommitted changes; commit or stash them first"
        )),
        "{err}"
    );
    assert_eq!(s.read(file), edited);
    assert_eq!(s.head(), head);
    // Staged, the same.
    s.git(&["add", file]).ok();
    let err = s.lead(&["renumber", "1", "--against", "main"]).fails(1);
    assert!(err.contains("has uncommitted changes"), "{err}");
    assert_eq!(
        s.git(&["status", "--porcelain"]).ok(),
        format!("M  {file}\n")
    );
    s.git(&["reset", "-q", "--hard", &head]).ok();

    // An id in the other revision is taken too.
    let err = s
        .lead(&["renumber", "1", "--against", "main", "--to", "1"])
        .fails(2);
    assert!(err.contains("already has id 1"), "{err}");
    let err = s.lead(&["renumber", "9"]).fails(1);
    assert!(err.contains("no proposal with id 9"), "{err}");
    let err = s
        .lead(&["renumber", "1", "--against", "no-such-branch"])
        .fails(1);
    assert!(err.contains("no-such-branch"), "{err}");
    assert_eq!(s.head(), head);

    // Not clashing, but --to given: renumbered.
    s.lead(&["renumber", "1", "--to", "3"]).ok();
    assert_renumber_commit(&s, file, "proposals/0003-mine.toml", "1 -> 3");
}

#[test]
fn the_feedback_ledger_and_diffs_follow_a_renumbering() {
    let s = two_proposals_one_id();
    s.git(&["checkout", "-q", "mine"]).ok();
    s.lead(&["feedback", "1", "Page the owner", "--from", CY])
        .ok();
    s.git(&["commit", "-qam", "Cy's feedback"]).ok();
    let given = s.head();
    s.lead(&["renumber", "1", "--against", "main"]).ok();
    s.lead(&["respond", "2", "F1", "--incorporated", "The owner is paged"])
        .ok();
    s.git(&["commit", "-qam", "Answer Cy"]).ok();
    // The feedback events: given before the renumbering, answered after.
    let v = json(&s.lead(&["log", "2", "--json"]).ok());
    let feedback: Vec<(String, String)> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["feedback"].is_string())
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_string(),
                e["commit"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        feedback[0],
        ("feedback-given".to_string(), given.clone()),
        "{v}"
    );
    assert_eq!(feedback[1].0, "feedback-answered", "{v}");
    // The word diff from where F1 was given to where it was answered.
    let out = s.lead(&["diff", "2", "--feedback", "F1"]).ok();
    assert!(out.contains(&given[..7]), "{out}");
    assert!(out.contains("The owner is paged"), "{out}");
    // A revision from before the renumbering, by its former name.
    let out = s.lead(&["diff", "2", &given, "HEAD"]).ok();
    assert!(out.contains("socialize.F1"), "{out}");
}

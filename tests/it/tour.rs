//! The one-minute tour, checked with plain git at every commit.

use crate::harness::{json, Sandbox, BO};

#[test]
fn the_tour_records_one_commit_per_transition() {
    let s = Sandbox::repo();
    s.tour_to_strategy();
    s.lead(&["advance", "1"]).ok();

    let steps = s
        .git(&[
            "log",
            "--reverse",
            "--format=%(trailers:key=Lead-Step,valueonly,separator=)",
        ])
        .ok();
    assert_eq!(
        steps.split_whitespace().collect::<Vec<_>>(),
        [
            "problem",
            "idea",
            "alternatives",
            "critique",
            "stakeholders",
            "strategy",
            "socialize"
        ]
    );
    let ids = s
        .git(&[
            "log",
            "--format=%(trailers:key=Lead-Proposal,valueonly,separator=)",
        ])
        .ok();
    assert!(ids.split_whitespace().all(|id| id == "1"), "{ids}");

    let subject = s.git(&["log", "-1", "--format=%s"]).ok();
    assert_eq!(subject.trim(), "lead(0001): strategy -> socialize");
    let message = s.git(&["log", "-1", "--format=%B"]).ok();
    let parsed = s
        .git_stdin(&["interpret-trailers", "--parse"], &message)
        .ok();
    assert_eq!(parsed, "Lead-Proposal: 1\nLead-Step: socialize\n");

    let file = s.proposal_file(1);
    for rev in s.git(&["rev-list", "HEAD"]).ok().lines() {
        let changed = s.git(&["show", "--format=", "--name-only", rev]).ok();
        assert_eq!(
            changed.trim(),
            file,
            "commit {rev} touches only the proposal"
        );
    }
    assert_eq!(s.git(&["fsck", "--strict"]).ok(), "");
    assert_eq!(s.git(&["status", "--porcelain"]).ok(), "");
    assert!(s
        .read(&file)
        .contains("step = \"socialize\"  # moved only by `git lead advance`"));
}

#[test]
fn unrelated_work_is_left_exactly_as_it_was() {
    let s = Sandbox::repo();
    s.write("base.txt", "one\n");
    s.git(&["add", "base.txt"]).ok();
    s.git(&["commit", "-qm", "base"]).ok();
    // A staged change, a further unstaged change to the same file, an untracked file,
    // and a new file that is staged only.
    s.write("base.txt", "one\ntwo\n");
    s.git(&["add", "base.txt"]).ok();
    s.write("base.txt", "one\ntwo\nthree\n");
    s.write("untracked.txt", "u\n");
    s.write("new.txt", "n\n");
    s.git(&["add", "new.txt"]).ok();
    let snapshot = |s: &Sandbox| {
        (
            s.git(&["diff", "--cached", "--", ".", ":!proposals"]).ok(),
            s.git(&["diff", "--", ".", ":!proposals"]).ok(),
            s.git(&["status", "--porcelain", "--", ".", ":!proposals"])
                .ok(),
        )
    };
    let before = snapshot(&s);

    s.lead(&["propose", "A problem", "--problem", "p", "--affected", "a"])
        .ok();
    assert_eq!(snapshot(&s), before);
    s.lead(&["advance", "1"]).ok();
    assert_eq!(snapshot(&s), before);

    assert_eq!(
        s.git(&["show", "--format=", "--name-only", "HEAD"])
            .ok()
            .trim(),
        s.proposal_file(1)
    );
    // The proposal's index entry matches the commit: nothing of it is staged or modified.
    assert_eq!(
        s.git(&["status", "--porcelain", "--", "proposals"]).ok(),
        ""
    );
    assert!(before.2.contains("MM base.txt") && before.2.contains("A  new.txt"));
}

#[test]
fn pending_edits_to_the_proposal_go_into_the_transition() {
    let s = Sandbox::repo();
    s.lead(&["propose", "A problem"]).ok();
    let file = s.proposal_file(1);
    let text = s
        .read(&file)
        .replace("statement = \"\"", "statement = \"by hand\"");
    s.write(&file, &text.replace("affected = \"\"", "affected = \"us\""));
    s.lead(&["advance", "1"]).ok();
    let committed = s.git(&["show", &format!("HEAD:{file}")]).ok();
    assert!(committed.contains("statement = \"by hand\""));
    assert!(committed.contains("step = \"idea\""));
    assert_eq!(s.git(&["status", "--porcelain"]).ok(), "");
}

#[test]
fn propose_works_on_an_unborn_branch_and_numbers_from_head_and_tree() {
    let s = Sandbox::repo();
    s.lead(&["propose", "First"]).ok();
    assert_eq!(s.git(&["rev-list", "--count", "HEAD"]).ok().trim(), "1");
    assert_eq!(s.git(&["fsck", "--strict"]).ok(), "");
    // A proposal present only in the working tree still takes its number.
    s.write(
        "proposals/0007-hand-made.toml",
        "schema = 1\nid = 7\ntitle = \"T\"\nauthor = \"A <a@example.com>\"\nstep = \"problem\"\n",
    );
    let out = s.lead(&["propose", "Next"]).ok();
    assert_eq!(out.trim(), "proposals/0008-next.toml");
    // And one present only in HEAD (deleted from the working tree).
    std::fs::remove_file(s.dir.join("proposals/0007-hand-made.toml")).unwrap();
    std::fs::remove_file(s.dir.join("proposals/0008-next.toml")).unwrap();
    let out = s.lead(&["propose", "After"]).ok();
    assert_eq!(out.trim(), "proposals/0009-after.toml");
}

#[test]
fn ids_compare_as_numbers_everywhere() {
    let s = Sandbox::repo();
    s.lead(&["propose", "First", "--problem", "p", "--affected", "a"])
        .ok();
    s.lead(&["advance", "0001"]).ok();
    let shown = json(&s.lead(&["show", "001", "--json"]).ok());
    assert_eq!(shown["id"], 1);
    assert_eq!(shown["step"], "idea");
    // An event made with plain git and a padded id counts the same.
    s.git(&[
        "commit",
        "--allow-empty",
        "-qm",
        "note",
        "--trailer",
        "Lead-Proposal: 0001",
        "--trailer",
        "lead-step: alternatives",
    ])
    .ok();
    let log = json(&s.lead(&["log", "1", "--json"]).ok());
    let steps: Vec<&str> = log["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["step"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["problem", "idea", "alternatives"]);
}

#[test]
fn list_show_and_log_report_in_text_and_json() {
    let s = Sandbox::repo();
    s.tour_to_strategy();
    s.lead(&["propose", "Second problem"]).ok();

    let table = s.lead(&["list"]).ok();
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].starts_with(" ID") && lines[0].contains("TITLE") && lines[0].contains("AGE"),
        "{table}"
    );
    assert!(
        lines[1].contains("Flaky CI")
            && lines[1].contains("strategy")
            && lines[1].contains("●●●●●●○○ 6/8")
    );
    assert!(lines[2].contains("Second problem") && lines[2].contains("problem"));
    assert!(table.lines().all(|l| l.chars().count() <= 100));

    let listed = json(&s.lead(&["list", "--json"]).ok());
    assert_eq!(listed["schema"], 1);
    assert_eq!(listed["proposals"][0]["step"], "strategy");
    assert_eq!(listed["proposals"][0]["step_number"], 6);
    assert_eq!(listed["proposals"][1]["id"], 2);
    assert_eq!(
        listed["proposals"][0]["findings"].as_array().unwrap().len(),
        0
    );

    let shown = s.lead(&["show", "1"]).ok();
    assert!(shown.contains("Proposal 1: Flaky CI costs us an hour a day"));
    assert!(
        shown.contains("6. strategy [complete]  <- current step"),
        "{shown}"
    );
    assert!(shown.contains("bo-chen Bo Chen <bo@example.com> (release manager, required)"));
    let detail = json(&s.lead(&["show", "1", "--json"]).ok());
    assert_eq!(detail["ideas"][0]["verdict"], "root-cause");
    assert_eq!(detail["stakeholders"][0]["who"]["email"], "bo@example.com");
    assert_eq!(detail["steps"][5]["complete"], true);
    assert_eq!(detail["steps"][6]["state"], "missing");
    assert_eq!(detail["steps"][6]["missing"][0]["field"], "socialize");

    let log = s.lead(&["log", "1"]).ok();
    assert_eq!(log.lines().count(), 6);
    assert!(
        log.lines().nth(1).unwrap().contains("idea")
            && log.contains("Ada Lovelace <ada@example.com>")
    );
    let log = json(&s.lead(&["log", "1", "--json"]).ok());
    let head = s.git(&["rev-parse", "HEAD~1"]).ok();
    assert_eq!(log["events"][5]["commit"], head.trim());
}

#[test]
fn a_hand_edited_step_is_a_finding_in_list_and_show() {
    let s = Sandbox::repo();
    s.lead(&["propose", "First", "--problem", "p", "--affected", "a"])
        .ok();
    let file = s.proposal_file(1);
    s.write(
        &file,
        &s.read(&file)
            .replace("step = \"problem\"", "step = \"critique\""),
    );
    let table = s.lead(&["list"]).ok();
    assert!(
        table
            .lines()
            .nth(1)
            .unwrap()
            .trim_start()
            .starts_with("1 !"),
        "{table}"
    );
    let detail = json(&s.lead(&["show", "1", "--json"]).ok());
    let codes: Vec<&str> = detail["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"step-unrecorded"), "{codes:?}");
    assert!(codes.contains(&"step-regressed"), "{codes:?}");
    let err = s.lead(&["advance", "1"]).fails(1);
    assert!(
        err.contains("last recorded transition is to problem"),
        "{err}"
    );
}

#[test]
fn setters_keep_comments_and_layout() {
    let s = Sandbox::repo();
    s.lead(&["propose", "First"]).ok();
    let file = s.proposal_file(1);
    let custom = s
        .read(&file)
        .replace("[problem]\n", "[problem]   # my own note\n");
    s.write(&file, &custom);
    s.lead(&["idea", "1", "An idea"]).ok();
    s.lead(&["stakeholder", "1", BO, "--perspective", "fine"])
        .ok();
    let after = s.read(&file);
    assert!(after.contains("[problem]   # my own note\n"));
    let removed_new: String = after
        .replace("\n[idea.I1]\nsummary = \"An idea\"\n", "")
        .replace("\n[stakeholders.bo-chen]\nwho = \"Bo Chen <bo@example.com>\"\nrole = \"\"\nperspective = \"fine\"\nrequired = false\n", "");
    assert_eq!(removed_new, custom, "only the new tables were added");
    // Setters commit nothing.
    assert_eq!(s.git(&["rev-list", "--count", "HEAD"]).ok().trim(), "1");
}

#[test]
fn endings_need_their_reasons_and_no_step_is_skipped() {
    let s = Sandbox::repo();
    s.lead(&["propose", "First", "--problem", "p", "--affected", "a"])
        .ok();
    s.lead(&["propose", "Second"]).ok();
    let err = s.lead(&["advance", "1", "--to", "critique"]).fails(1);
    assert!(err.contains("no step is ever skipped"), "{err}");
    let err = s.lead(&["advance", "1", "--to", "done"]).fails(1);
    assert!(err.contains("done only after implement"), "{err}");
    let err = s.lead(&["advance", "1", "--to", "withdrawn"]).fails(2);
    assert!(err.contains("needs a reason"), "{err}");
    let err = s.lead(&["advance", "1", "--to", "superseded"]).fails(2);
    assert!(err.contains("--by"), "{err}");
    let head = s.head();
    let out = s.lead(&["advance", "1", "--dry-run"]).ok();
    assert!(out.contains("can move from problem to idea"));
    assert_eq!(s.head(), head);
    s.lead(&[
        "advance",
        "1",
        "--to",
        "superseded",
        "--by",
        "2",
        "--reason",
        "merged into 2",
    ])
    .ok();
    let detail = json(&s.lead(&["show", "1", "--json"]).ok());
    assert_eq!(detail["step"], "superseded");
    assert_eq!(detail["superseded_by"], 2);
    let body = s.git(&["log", "-1", "--format=%B"]).ok();
    assert!(body.contains("merged into 2"));
    let err = s.lead(&["advance", "1"]).fails(1);
    assert!(err.contains("closed"), "{err}");
    s.lead(&[
        "advance",
        "2",
        "--to",
        "withdrawn",
        "--reason",
        "not a problem after all",
    ])
    .ok();
    assert_eq!(
        json(&s.lead(&["show", "2", "--json"]).ok())["closing_reason"],
        "not a problem after all"
    );
}

#[test]
fn leaving_socialize_needs_answered_feedback() {
    let s = Sandbox::repo();
    s.tour_to_strategy();
    s.lead(&["advance", "1"]).ok();
    let head = s.head();
    let err = s.lead(&["advance", "1"]).fails(1);
    assert!(
        err.contains("cannot leave socialize yet")
            && err.contains(
                "  socialize: at least one feedback entry from someone other than the author"
            ),
        "{err}"
    );
    assert_eq!(s.head(), head);
}

#[test]
fn an_incomplete_gate_lists_every_missing_field_and_changes_nothing() {
    let s = Sandbox::repo();
    s.lead(&["propose", "First"]).ok();
    let file = s.proposal_file(1);
    let text = s.read(&file);
    let head = s.head();
    let err = s.lead(&["advance", "1"]).fails(1);
    assert!(
        err.contains("  problem.statement: a statement of the problem"),
        "{err}"
    );
    assert!(
        err.contains("  problem.affected: who else the problem affects"),
        "{err}"
    );
    assert!(err.contains("hint: "), "{err}");
    assert_eq!(s.head(), head);
    assert_eq!(s.read(&file), text);
    assert_eq!(s.git(&["status", "--porcelain"]).ok(), "");
}

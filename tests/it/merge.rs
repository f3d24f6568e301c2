//! The merge driver under plain git: merge, rebase, cherry-pick, pull, stash pop, the
//! conflict styles, a base without the file, the text fallback, and git without the driver.

use crate::harness::*;

const FILE: &str = "proposals/0001-flaky-ci.toml";

/// Proposal 1 with a problem filled in, the driver registered and `.gitattributes`
/// committed, and a branch `topic` at the same commit.
fn driver_repo() -> Sandbox {
    let s = Sandbox::repo();
    s.lead(&[
        "propose",
        "Flaky CI",
        "--problem",
        "Jobs fail at random",
        "--affected",
        "Every team",
    ])
    .ok();
    let out = s.lead(&["init", "--merge-driver"]).ok();
    assert_eq!(out.trim(), ".gitattributes");
    assert_eq!(s.read(".gitattributes"), "proposals/*.toml merge=lead\n");
    let driver = s.git(&["config", "--get", "merge.lead.driver"]).ok();
    assert!(driver.starts_with("git lead merge-file "), "{driver}");
    // Registering twice adds nothing.
    s.lead(&["init", "--merge-driver"]).ok();
    assert_eq!(s.read(".gitattributes"), "proposals/*.toml merge=lead\n");
    s.git(&["add", ".gitattributes"]).ok();
    s.git(&["commit", "-qm", "Merge proposals by meaning"]).ok();
    s.git(&["branch", "topic"]).ok();
    s
}

fn commit_all(s: &Sandbox, message: &str) {
    s.git(&["commit", "-qam", message]).ok();
}

/// On `topic`: feedback from Bo and a stakeholder. On `main`: feedback from Cy and an idea.
fn diverge(s: &Sandbox) {
    s.git(&["checkout", "-q", "topic"]).ok();
    s.lead(&["feedback", "1", "Page the owner", "--from", BO])
        .ok();
    s.lead(&["stakeholder", "1", CY, "--perspective", "Owns the farm"])
        .ok();
    commit_all(s, "Topic: feedback and a stakeholder");
    s.git(&["checkout", "-q", "main"]).ok();
    s.lead(&["feedback", "1", "Measure it first", "--from", CY])
        .ok();
    s.lead(&["idea", "1", "Quarantine flaky tests"]).ok();
    commit_all(s, "Main: feedback and an idea");
}

fn show(s: &Sandbox) -> serde_json::Value {
    json(&s.lead(&["show", "1", "--json"]).ok())
}

fn feedback_texts(p: &serde_json::Value) -> Vec<(String, String)> {
    p["feedback"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_string(),
                f["text"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// What a careful person makes of `diverge`: everything of both sides, the later
/// feedback renumbered, and a clean, consistent repository.
#[track_caller]
fn assert_both_sides_arrived(s: &Sandbox, first: &str, second: &str) {
    assert_eq!(s.git(&["status", "--porcelain"]).ok(), "");
    let p = show(s);
    assert_eq!(
        feedback_texts(&p),
        [
            ("F1".to_string(), first.to_string()),
            ("F2".to_string(), second.to_string())
        ]
    );
    assert_eq!(p["ideas"][0]["summary"], "Quarantine flaky tests");
    assert_eq!(p["stakeholders"][0]["who"]["email"], "cy@example.com");
    assert_eq!(p["problem"]["statement"], "Jobs fail at random");
    let text = s.read(FILE);
    assert!(
        text.starts_with("# Proposal 1, tracked by git lead."),
        "{text}"
    );
    assert_eq!(text.matches("# 7 · socialize").count(), 1, "{text}");
    s.lead(&["check"]).ok();
    s.git(&["fsck", "--no-progress"]).ok();
}

#[test]
fn merge_both_ways_keeps_both_sides() {
    let s = driver_repo();
    diverge(&s);
    let run = s.git(&["merge", "-q", "--no-edit", "topic"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "git lead: {FILE}: feedback F1 was added on both sides; the one from topic is now F2"
        )),
        "{}",
        run.stderr
    );
    assert_both_sides_arrived(&s, "Measure it first", "Page the owner");

    // The other way round, from the same two commits.
    s.git(&["checkout", "-q", "topic"]).ok();
    s.git(&["merge", "-q", "--no-edit", "main~1"]).ok();
    assert_both_sides_arrived(&s, "Page the owner", "Measure it first");
}

#[test]
fn rebase_and_cherry_pick_merge_by_meaning_both_ways() {
    let s = driver_repo();
    diverge(&s);
    s.git(&["branch", "main-before", "main"]).ok();
    s.git(&["branch", "topic-before", "topic"]).ok();
    // Topic replayed onto main, and main's commit picked onto the old main: main's feedback
    // keeps F1.
    s.git(&["checkout", "-q", "topic"]).ok();
    let run = s.git(&["rebase", "-q", "main"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_both_sides_arrived(&s, "Measure it first", "Page the owner");
    s.git(&["checkout", "-q", "--detach", "main-before"]).ok();
    let run = s.git(&["cherry-pick", "topic-before"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_both_sides_arrived(&s, "Measure it first", "Page the owner");

    // The other way: main replayed onto topic, topic's commit picked onto main.
    s.git(&["checkout", "-q", "-B", "main2", "main-before"])
        .ok();
    let run = s.git(&["rebase", "-q", "topic-before"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_both_sides_arrived(&s, "Page the owner", "Measure it first");
    s.git(&["checkout", "-q", "--detach", "topic-before"]).ok();
    let run = s.git(&["cherry-pick", "main-before"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_both_sides_arrived(&s, "Page the owner", "Measure it first");
}

#[test]
fn two_different_answers_to_one_entry_are_conflicts_on_those_fields() {
    let s = driver_repo();
    s.lead(&["feedback", "1", "Page the owner", "--from", BO])
        .ok();
    commit_all(&s, "Bo's feedback");
    s.git(&["branch", "-f", "topic"]).ok();
    s.lead(&["respond", "1", "F1", "--incorporated", "The owner is paged"])
        .ok();
    commit_all(&s, "Incorporate F1");
    s.git(&["checkout", "-q", "topic"]).ok();
    s.lead(&["respond", "1", "F1", "--declined", "Nobody is on call"])
        .ok();
    s.lead(&["idea", "1", "Quarantine flaky tests"]).ok();
    commit_all(&s, "Decline F1, add an idea");
    s.git(&["checkout", "-q", "main"]).ok();
    let run = s.git(&["merge", "--no-edit", "topic"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    for field in ["socialize.F1.status", "socialize.F1.answer"] {
        assert!(
            run.stderr.contains(&format!("conflict in `{field}`")),
            "{}",
            run.stderr
        );
    }
    let text = s.read(FILE);
    assert_eq!(text.matches("<<<<<<< HEAD\n").count(), 2, "{text}");
    assert!(text.contains("<<<<<<< HEAD\nstatus = \"incorporated\"\n=======\nstatus = \"declined\"\n>>>>>>> topic\n"), "{text}");
    // The idea, changed on one side only, is merged.
    assert!(
        text.contains("summary = \"Quarantine flaky tests\""),
        "{text}"
    );

    // Committed with its markers, the file is a parse error at the first marker.
    let first = text.lines().position(|l| l.starts_with("<<<<<<<")).unwrap() + 1;
    s.git(&["commit", "-qam", "Committed in a hurry"]).ok();
    let run = s.lead(&["check"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains(&format!(
            "error[parse-error] {FILE}:{first}: an unresolved merge conflict"
        )),
        "{}",
        run.stdout
    );
}

#[test]
fn pull_from_another_clone_merges_by_meaning() {
    let s = driver_repo();
    diverge(&s);
    let url = format!("file://{}", s.dir.display());
    s.run_in(
        "git",
        s.root(),
        &["clone", "-q", "-b", "topic", &url, "clone"],
    )
    .ok();
    let clone = s.root().join("clone");
    // Each clone registers the driver once.
    s.lead_in(&clone, &["init", "--merge-driver"]).ok();
    let run = s.run_in(
        "git",
        &clone,
        &["pull", "-q", "--no-rebase", "--no-edit", "origin", "main"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let p = json(&s.lead_in(&clone, &["show", "1", "--json"]).ok());
    let texts: Vec<String> = feedback_texts(&p).into_iter().map(|(_, t)| t).collect();
    assert_eq!(texts, ["Page the owner", "Measure it first"]);
    s.lead_in(&clone, &["check"]).ok();
}

#[test]
fn stash_pop_merges_uncommitted_edits_by_meaning() {
    let s = driver_repo();
    s.lead(&["feedback", "1", "Page the owner", "--from", BO])
        .ok();
    s.git(&["stash", "-q"]).ok();
    s.lead(&["feedback", "1", "Measure it first", "--from", CY])
        .ok();
    commit_all(&s, "Feedback from Cy");
    let run = s.git(&["stash", "pop", "-q"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let p = show(&s);
    assert_eq!(
        feedback_texts(&p),
        [
            ("F1".to_string(), "Measure it first".to_string()),
            ("F2".to_string(), "Page the owner".to_string())
        ]
    );
    assert_eq!(
        s.git(&["status", "--porcelain"]).ok(),
        " M proposals/0001-flaky-ci.toml\n"
    );
}

/// Rewrites the problem statement in the working tree, as someone editing the file would.
fn restate(s: &Sandbox, statement: &str) {
    let text = s.read(FILE);
    let old = "statement = \"Jobs fail at random\"";
    assert!(text.contains(old), "{text}");
    s.write(
        FILE,
        &text.replace(old, &format!("statement = \"{statement}\"")),
    );
}

#[test]
fn a_real_conflict_leaves_markers_around_that_value_only() {
    for style in ["merge", "diff3", "zdiff3"] {
        let s = driver_repo();
        s.git(&["config", "merge.conflictStyle", style]).ok();
        s.git(&["checkout", "-q", "topic"]).ok();
        restate(&s, "Jobs fail on Mondays");
        commit_all(&s, "topic: restate the problem");
        s.git(&["checkout", "-q", "main"]).ok();
        restate(&s, "Jobs fail one run in five");
        s.lead(&["idea", "1", "Quarantine flaky tests"]).ok();
        commit_all(&s, "main: restate the problem, add an idea");
        let run = s.git(&["merge", "--no-edit", "topic"]);
        assert_eq!(run.code, 1, "{style}: {}\n{}", run.stdout, run.stderr);
        assert!(run
            .stdout
            .contains(&format!("CONFLICT (content): Merge conflict in {FILE}")));
        assert!(
            run.stderr.contains(&format!("git lead: {FILE}:"))
                && run.stderr.contains(
                    "conflict in `problem.statement` (changed differently on both sides)"
                ),
            "{}",
            run.stderr
        );
        let text = s.read(FILE);
        let base_part = match style {
            "merge" => String::new(),
            _ => "||||||| ".to_string(),
        };
        let start = text.find("<<<<<<< HEAD\n").expect("markers");
        let block = &text[start..];
        let end = block.find(">>>>>>> topic\n").expect("end marker") + ">>>>>>> topic\n".len();
        let block = &block[..end];
        let lines: Vec<&str> = block.lines().collect();
        assert_eq!(
            lines[1], "statement = \"Jobs fail one run in five\"",
            "{block}"
        );
        assert!(
            block.contains("\n=======\nstatement = \"Jobs fail on Mondays\"\n"),
            "{block}"
        );
        if base_part.is_empty() {
            assert!(!block.contains("|||||||"), "{block}");
            assert_eq!(lines.len(), 5, "{block}");
        } else {
            assert!(
                block.contains("\nstatement = \"Jobs fail at random\"\n=======\n"),
                "{block}"
            );
            assert!(lines[2].starts_with(&base_part), "{block}");
        }
        // Only that value: the idea from main is merged outside the markers.
        assert_eq!(text.matches("<<<<<<<").count(), 1, "{text}");
        assert!(
            text.contains("[idea.I1]\nsummary = \"Quarantine flaky tests\""),
            "{text}"
        );
        let marker_line = text[..start].matches('\n').count() + 1;

        // check names the file and the line while the markers are there.
        let run = s.lead(&["check"]);
        assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
        assert!(
            run.stdout.contains(&format!(
                "error[merge-conflict] {FILE}:{marker_line}: an unresolved merge conflict"
            )),
            "{}",
            run.stdout
        );
        let found = json(&s.lead(&["check", "--format", "json"]).stdout);
        assert_eq!(found["findings"][0]["code"], "merge-conflict", "{found}");
        assert_eq!(found["findings"][0]["line"], marker_line, "{found}");

        // Resolved by hand, the merge completes and checks clean.
        let resolved = format!(
            "{}statement = \"Jobs fail on Mondays\"\n{}",
            &text[..start],
            &text[start + end..]
        );
        s.write(FILE, &resolved);
        s.git(&["add", FILE]).ok();
        s.git(&["commit", "-q", "--no-edit"]).ok();
        assert_eq!(show(&s)["problem"]["statement"], "Jobs fail on Mondays");
        s.lead(&["check"]).ok();
    }
}

#[test]
fn the_step_moved_on_both_branches_is_a_conflict() {
    let s = driver_repo();
    // Two people move it, one of them after adding an idea. (Two files that end up the
    // same byte for byte are merged by git itself, without asking the driver.)
    s.git(&["checkout", "-q", "topic"]).ok();
    s.lead(&["idea", "1", "Quarantine flaky tests"]).ok();
    commit_all(&s, "An idea");
    for (branch, who) in [("topic", BO), ("main", ADA)] {
        s.git(&["checkout", "-q", branch]).ok();
        s.lead_as(who, &["advance", "1"]).ok();
    }
    let run = s.git(&["merge", "--no-edit", "topic"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("conflict in `step` (moved on both sides)"),
        "{}",
        run.stderr
    );
    let text = s.read(FILE);
    assert!(
        text.contains("<<<<<<< HEAD\nstep = \"idea\"  # moved only by `git lead advance`\n=======\nstep = \"idea\"  # moved only by `git lead advance`\n>>>>>>> topic\n"),
        "{text}"
    );
}

#[test]
fn a_base_without_the_file_merges_both_additions() {
    // Two branches that both add the same proposal file: git merges them from an empty base.
    let s = Sandbox::repo();
    s.write("README", "x\n");
    s.git(&["add", "README"]).ok();
    s.git(&["commit", "-qm", "Start"]).ok();
    s.lead(&["init", "--merge-driver"]).ok();
    s.git(&["add", ".gitattributes"]).ok();
    s.git(&["commit", "-qm", "Driver"]).ok();
    s.git(&["branch", "topic"]).ok();
    s.lead(&["propose", "Flaky CI", "--problem", "Jobs fail at random"])
        .ok();
    s.git(&["checkout", "-q", "topic"]).ok();
    s.git(&["cherry-pick", "main"]).ok();
    s.lead(&["feedback", "1", "Page the owner", "--from", BO])
        .ok();
    commit_all(&s, "Feedback");
    s.git(&["checkout", "-q", "main"]).ok();
    s.lead(&["idea", "1", "Quarantine flaky tests"]).ok();
    commit_all(&s, "Idea");
    let run = s.git(&["merge", "--no-edit", "topic"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let p = show(&s);
    assert_eq!(p["ideas"][0]["summary"], "Quarantine flaky tests");
    assert_eq!(
        feedback_texts(&p),
        [("F1".to_string(), "Page the owner".to_string())]
    );
    assert_eq!(s.git(&["status", "--porcelain"]).ok(), "");
}

#[test]
fn a_side_that_does_not_parse_falls_back_to_a_text_merge_and_loses_nothing() {
    let s = driver_repo();
    s.git(&["checkout", "-q", "topic"]).ok();
    let broken = s.read(FILE).replace("[problem]", "[problem") + "# topic was here\n";
    s.write(FILE, &broken);
    commit_all(&s, "Topic: a broken edit");
    s.git(&["checkout", "-q", "main"]).ok();
    s.lead(&["idea", "1", "Quarantine flaky tests"]).ok();
    commit_all(&s, "Main: an idea");
    let run = s.git(&["merge", "--no-edit", "topic"]);
    assert!(
        run.stderr.contains(&format!(
            "warning: {FILE}: the theirs version does not read as a proposal ("
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("merged it as text with 'git merge-file'"),
        "{}",
        run.stderr
    );
    // git's text merge: both edits are there, in different places, so no conflict.
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = s.read(FILE);
    assert!(
        text.contains("[problem\n") && text.contains("# topic was here"),
        "{text}"
    );
    assert!(
        text.contains("summary = \"Quarantine flaky tests\""),
        "{text}"
    );
}

#[test]
fn without_the_driver_git_merges_as_text_as_before() {
    let s = driver_repo();
    // The attribute is committed, but this clone never registered the driver.
    s.git(&["config", "--unset", "merge.lead.driver"]).ok();
    s.git(&["config", "--unset", "merge.lead.name"]).ok();
    diverge(&s);
    let run = s.git(&["merge", "--no-edit", "topic"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!run.stderr.contains("git lead:"), "{}", run.stderr);
    let text = s.read(FILE);
    assert!(text.contains("<<<<<<< HEAD"), "{text}");
}

#[test]
fn the_driver_reports_two_different_proposals_and_merges_them_as_text() {
    let s = Sandbox::repo();
    let d = s.root();
    let ours = proposal_text(1, "problem");
    let theirs = ours.replace(
        "Ada Lovelace <ada@example.com>",
        "Mallory Mole <mallory@example.com>",
    );
    std::fs::write(d.join("base"), "").unwrap();
    std::fs::write(d.join("ours"), &ours).unwrap();
    std::fs::write(d.join("theirs"), &theirs).unwrap();
    let base = d.join("base").display().to_string();
    let ours_path = d.join("ours").display().to_string();
    let theirs_path = d.join("theirs").display().to_string();
    let err = s
        .lead(&[
            "merge-file",
            &base,
            &ours_path,
            &theirs_path,
            "proposals/0001-x.toml",
        ])
        .fails(1);
    assert!(
        err.contains("warning: proposals/0001-x.toml: the two sides are two different proposals that both took id 1"),
        "{err}"
    );
    let merged = std::fs::read_to_string(d.join("ours")).unwrap();
    assert!(
        merged.contains("<<<<<<< ours") && merged.contains("Mallory Mole"),
        "{merged}"
    );
}

#[test]
fn two_people_answering_two_entries_on_two_branches_merge_every_way() {
    let s = driver_repo();
    s.lead(&["feedback", "1", "Page the owner", "--from", BO])
        .ok();
    s.lead(&["feedback", "1", "Measure it first", "--from", CY])
        .ok();
    commit_all(&s, "Two entries");
    s.git(&["branch", "-f", "topic"]).ok();
    s.lead(&["respond", "1", "F1", "--incorporated", "The owner is paged"])
        .ok();
    commit_all(&s, "Answer F1");
    s.git(&["branch", "answer-f1"]).ok();
    s.git(&["checkout", "-q", "topic"]).ok();
    s.lead_as(
        BO,
        &["respond", "1", "F2", "--declined", "We measured last year"],
    )
    .ok();
    s.git_as(BO, &["commit", "-qam", "Answer F2"]).ok();
    s.git(&["branch", "answer-f2"]).ok();
    let expect = |s: &Sandbox, how: &str| {
        assert_eq!(s.git(&["status", "--porcelain"]).ok(), "", "{how}");
        let p = show(s);
        let answers: Vec<(String, String, String)> = p["feedback"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let field = |k: &str| f[k].as_str().unwrap().to_string();
                (field("id"), field("status"), field("answer"))
            })
            .collect();
        assert_eq!(
            answers,
            [
                (
                    "F1".into(),
                    "incorporated".into(),
                    "The owner is paged".into()
                ),
                (
                    "F2".into(),
                    "declined".into(),
                    "We measured last year".into()
                )
            ],
            "{how}"
        );
        s.lead(&["check"]).ok();
    };
    for (onto, from) in [("answer-f1", "answer-f2"), ("answer-f2", "answer-f1")] {
        s.git(&["checkout", "-q", "--detach", onto]).ok();
        s.git(&["merge", "-q", "--no-edit", from]).ok();
        expect(&s, &format!("merge {from} into {onto}"));
        s.git(&["checkout", "-q", "--detach", onto]).ok();
        s.git(&["cherry-pick", from]).ok();
        expect(&s, &format!("cherry-pick {from} onto {onto}"));
        s.git(&["checkout", "-q", "-B", "replay", from]).ok();
        s.git(&["rebase", "-q", onto]).ok();
        expect(&s, &format!("rebase {from} onto {onto}"));
    }
}

#[test]
fn bad_input_to_the_driver_and_its_set_up_is_named_and_changes_nothing() {
    let s = Sandbox::repo();
    let d = s.root();
    let ours = d.join("ours");
    std::fs::write(&ours, proposal_text(1, "problem")).unwrap();
    let path = |p: &std::path::Path| p.display().to_string();
    // A file git did not hand over: the error names it, ours is left as it was.
    let missing = d.join("no-such-base");
    let err = s
        .lead(&["merge-file", &path(&missing), &path(&ours), &path(&ours)])
        .fails(1);
    assert!(err.contains(&format!("error: {}", path(&missing))), "{err}");
    assert_eq!(
        std::fs::read_to_string(&ours).unwrap(),
        proposal_text(1, "problem")
    );
    // A side that is not UTF-8: git's text merge, with a warning.
    let binary = d.join("binary");
    std::fs::write(&binary, b"id = 1\n\xff\n").unwrap();
    let run = s.lead(&[
        "merge-file",
        &path(&binary),
        &path(&ours),
        &path(&binary),
        "p.toml",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "warning: p.toml: a side is not UTF-8 text; merged it as text with 'git merge-file'"
        ),
        "{}",
        run.stderr
    );
    // A .gitattributes that is not text: refused, untouched, and the driver not set.
    std::fs::write(s.dir.join(".gitattributes"), b"*.bin \xff\n").unwrap();
    let err = s.lead(&["init", "--merge-driver"]).fails(1);
    assert!(
        err.contains(".gitattributes is not UTF-8 text; add `proposals/*.toml merge=lead` by hand"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(s.dir.join(".gitattributes")).unwrap(),
        b"*.bin \xff\n"
    );
    assert_eq!(s.git(&["config", "--get", "merge.lead.driver"]).code, 1);
}

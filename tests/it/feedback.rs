//! The feedback ledger, semantic diffs and the review report, on real repositories.

use crate::harness::{json, Sandbox, BO, CY};

const DANA: &str = "Dana Wu <dana@example.com>";
const EVE: &str = "Eve Ng <eve@example.com>";

/// Proposal 1 in socialize with no feedback yet.
fn socializing() -> Sandbox {
    let s = Sandbox::repo();
    s.tour_to_strategy();
    s.lead(&["advance", "1"]).ok();
    s
}

#[test]
fn feedback_is_recorded_answered_and_opens_the_gate() {
    let s = socializing();
    let file = s.proposal_file(1);
    let before = s.read(&file);
    assert_eq!(
        s.lead(&[
            "feedback",
            "1",
            "--from",
            DANA,
            "Quarantine must page the owner"
        ])
        .ok()
        .trim(),
        "F1"
    );
    let after = s.read(&file);
    let added = "\n[socialize.F1]\nfrom = \"Dana Wu <dana@example.com>\"\ndate = \"2025-12-01\"\ntext = \"Quarantine must page the owner\"\nstatus = \"open\"\nanswer = \"\"\n";
    assert_eq!(
        after.replacen(added, "", 1),
        before,
        "only the entry was added"
    );
    let err = s.lead(&["advance", "1"]).fails(1);
    assert!(err.contains("socialize.F1.status: an answer"), "{err}");
    s.lead(&[
        "respond",
        "1",
        "f1",
        "--incorporated",
        "The owner is paged on quarantine",
    ])
    .ok();
    assert!(s
        .read(&file)
        .contains("status = \"incorporated\"\nanswer = \"The owner is paged on quarantine\"\n"));
    s.git(&["commit", "-qam", "Answer Dana"]).ok();
    let detail = json(&s.lead(&["show", "1", "--json"]).ok());
    assert_eq!(detail["feedback"][0]["status"], "incorporated");
    assert_eq!(detail["steps"][6]["complete"], true);
    // The gate now waits only for the sign-offs.
    let err = s.lead(&["advance", "1"]).fails(1);
    assert!(err.contains("sign-off policy does not hold"), "{err}");
}

#[test]
fn bad_feedback_input() {
    let s = socializing();
    s.lead(&["feedback", "1", "--from", DANA, "Page the owner"])
        .ok();
    let err = s.lead(&["respond", "1", "F9", "--declined", "no"]).fails(1);
    assert!(
        err.contains("proposal 1 has no feedback entry 'F9'"),
        "{err}"
    );
    let err = s.lead(&["respond", "1", "F1", "--declined", "  "]).fails(2);
    assert!(err.contains("say the reason for declining it"), "{err}");
    let err = s.lead(&["respond", "1", "F1"]).fails(2);
    assert!(
        err.contains("--incorporated") && err.contains("--declined"),
        "{err}"
    );
    s.lead(&["respond", "1", "F1", "--declined", "Paging is too noisy"])
        .ok();
    let file = s.proposal_file(1);
    let answered = s.read(&file);
    let err = s
        .lead(&["respond", "1", "F1", "--incorporated", "fine"])
        .fails(2);
    assert!(
        err.contains("F1 is already answered (declined: Paging is too noisy); use --amend"),
        "{err}"
    );
    assert_eq!(s.read(&file), answered, "a refused answer changes nothing");
    s.lead(&[
        "respond",
        "1",
        "F1",
        "--incorporated",
        "Paging only the owner",
        "--amend",
    ])
    .ok();
    assert!(s.read(&file).contains("status = \"incorporated\""));
    let err = s.lead(&["feedback", "1", "--from", "Dana", "x"]).fails(2);
    assert!(err.contains("is not a person"), "{err}");
}

#[test]
fn feedback_ids_are_never_reused() {
    let s = socializing();
    s.lead(&["feedback", "1", "--from", DANA, "one"]).ok();
    s.lead(&["feedback", "1", "--from", EVE, "two"]).ok();
    s.git(&["commit", "-qam", "Two entries"]).ok();
    let file = s.proposal_file(1);
    let text = s.read(&file);
    let start = text.find("\n[socialize.F2]").unwrap();
    s.write(&file, &text[..start + 1]);
    s.git(&["commit", "-qam", "Drop F2"]).ok();
    assert_eq!(s.lead(&["feedback", "1", "three"]).ok().trim(), "F3");
    // Without --from, the feedback is yours.
    assert!(s
        .read(&file)
        .contains("[socialize.F3]\nfrom = \"Ada Lovelace <ada@example.com>\""));
}

#[test]
fn diff_reports_fields_entries_and_words() {
    let s = socializing();
    let file = s.proposal_file(1);
    s.write(
        &file,
        &s.read(&file).replace(
            "statement = \"Jobs fail at random\"",
            "statement = \"Jobs fail at random every night\"",
        ),
    );
    s.lead(&["idea", "1", "Run flaky tests in a separate job"])
        .ok();
    s.lead(&["feedback", "1", "--from", DANA, "Page the owner"])
        .ok();
    let out = s.lead(&["diff", "1"]).ok();
    let expected = "proposal 1: transition to socialize (";
    assert!(out.starts_with(expected), "{out}");
    assert!(out.contains(") -> working tree\nproblem\n  ~ problem.statement: Jobs fail at random{+ every night+}\nidea\n  + idea.I3: Run flaky tests in a separate job\nsocialize\n  + socialize.F1: from = \"Dana Wu <dana@example.com>\""), "{out}");
    let coloured = s.lead(&["--color", "always", "diff", "1"]).ok();
    assert!(
        coloured.contains("\u{1b}[32m every night\u{1b}[0m"),
        "{coloured}"
    );
    let changes = json(&s.lead(&["diff", "1", "--json"]).ok());
    assert_eq!(changes["schema"], 1);
    assert_eq!(changes["to"]["label"], "working tree");
    let list = changes["changes"].as_array().unwrap();
    assert_eq!(list[0]["path"], "problem.statement");
    assert_eq!(list[0]["words"][1]["op"], "inserted");
    assert_eq!(list[1]["path"], "idea.I3");
    assert_eq!(list[1]["kind"], "added");
    let raw = s.lead(&["diff", "1", "--raw"]).ok();
    assert!(
        raw.contains("+statement = \"Jobs fail at random every night\""),
        "{raw}"
    );
    assert!(raw.contains("+[idea.I3]"), "{raw}");
}

#[test]
fn diff_between_revisions_matches_entries_by_id() {
    let s = socializing();
    let first = s.head();
    let file = s.proposal_file(1);
    // Reorder the two ideas and change one: only the change shows.
    let text = s.read(&file);
    let i1 = "[idea.I1]\nsummary = \"Quarantine flaky tests automatically\"\n\n";
    let i2 = "[idea.I2]\nsummary = \"Retry failed jobs once\"\n";
    let swapped = text.replace(
        &format!("{i1}{i2}"),
        &format!("{}\n{}", i2.replace("once", "twice"), i1.trim_end()),
    );
    assert_ne!(swapped, text);
    s.write(&file, &swapped);
    s.git(&["commit", "-qam", "Reorder ideas"]).ok();
    let out = s.lead(&["diff", "1", &first, "HEAD"]).ok();
    assert!(
        out.ends_with("idea\n  ~ idea.I2.summary: Retry failed jobs [-once-]{+twice+}\n"),
        "{out}"
    );
    assert_eq!(
        s.lead(&["diff", "1", "HEAD"]).ok().lines().nth(1),
        Some("no changes")
    );
    let err = s.lead(&["diff", "1", "no-such-rev"]).fails(1);
    assert!(
        err.contains("error: unknown revision 'no-such-rev'"),
        "{err}"
    );
    s.lead(&["propose", "Second"]).ok();
    let err = s.lead(&["diff", "2", &first]).fails(1);
    assert!(
        err.contains(&format!("error: proposal 2 does not exist at {first}")),
        "{err}"
    );
    s.write(&file, &s.read(&file).replace("[problem]", "[problem"));
    s.git(&["commit", "-qam", "Break it"]).ok();
    let err = s.lead(&["diff", "1", "HEAD", &first]).fails(1);
    assert!(
        err.contains(&format!("error: {file} at HEAD:")) && err.contains("invalid TOML"),
        "{err}"
    );
}

#[test]
fn diff_of_a_feedback_answer_and_since_a_signoff() {
    let s = socializing();
    s.lead(&[
        "stakeholder",
        "1",
        CY,
        "--perspective",
        "Owns the farm",
        "--pain",
        "Idle",
        "--pitch",
        "Less idle",
    ])
    .ok();
    s.lead(&["feedback", "1", "--from", DANA, "Page the owner"])
        .ok();
    s.git(&["commit", "-qam", "Dana's feedback"]).ok();
    let given = s.head();
    s.lead_as(BO, &["signoff", "1"]).ok();
    let file = s.proposal_file(1);
    s.write(
        &file,
        &s.read(&file).replace(
            "plan = \"\"",
            "plan = \"Page the owner of each quarantined test\"",
        ),
    );
    s.lead(&[
        "respond",
        "1",
        "F1",
        "--incorporated",
        "The plan pages the owner",
    ])
    .ok();
    s.git(&["commit", "-qam", "Answer Dana"]).ok();
    let answered = s.head();
    let out = s.lead(&["diff", "1", "--feedback", "F1"]).ok();
    assert!(
        out.starts_with(&format!(
            "proposal 1: F1 given ({}) -> F1 answered ({})",
            &given[..7],
            &answered[..7]
        )),
        "{out}"
    );
    assert!(
        out.contains("  ~ socialize.F1.status: {+incorporated+}")
            || out.contains("  ~ socialize.F1.status: [-open-]{+incorporated+}"),
        "{out}"
    );
    assert!(
        out.contains("  + implement.plan: Page the owner of each quarantined test"),
        "{out}"
    );
    let since = s
        .lead(&["diff", "1", "--since-signoff", "bo@example.com"])
        .ok();
    assert!(
        since.starts_with("proposal 1: sign-off by Bo Chen <bo@example.com>"),
        "{since}"
    );
    assert!(since.contains("implement.plan"), "{since}");
    let err = s
        .lead(&["diff", "1", "--since-signoff", "cy@example.com"])
        .fails(1);
    assert!(
        err.contains("proposal 1 has no sign-off by 'cy@example.com'"),
        "{err}"
    );
    let err = s.lead(&["diff", "1", "--feedback", "F7"]).fails(1);
    assert!(err.contains("no feedback entry 'F7'"), "{err}");
    // The timeline shows feedback given and answered.
    let log = s.lead(&["log", "1"]).ok();
    let given_line = log
        .lines()
        .position(|l| l.contains("feedback F1 from Dana Wu"))
        .unwrap();
    let signed_line = log.lines().position(|l| l.contains("signed off")).unwrap();
    let answered_line = log
        .lines()
        .position(|l| l.contains("F1 incorporated: The plan pages the owner"))
        .unwrap();
    assert!(
        given_line < signed_line && signed_line < answered_line,
        "{log}"
    );
    let events = json(&s.lead(&["log", "1", "--json"]).ok());
    let kinds: Vec<&str> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.ends_with(&["feedback-given", "signoff", "feedback-answered"]),
        "{kinds:?}"
    );
}

#[test]
fn review_reports_what_a_branch_did() {
    let s = socializing();
    s.lead(&[
        "stakeholder",
        "1",
        CY,
        "--perspective",
        "Owns the farm",
        "--pain",
        "Idle",
        "--pitch",
        "Less idle",
    ])
    .ok();
    s.git(&["commit", "-qam", "Cy joins"]).ok();
    s.lead_as(CY, &["signoff", "1"]).ok();
    s.git(&["switch", "-qc", "lead/flaky-ci"]).ok();
    s.git(&["branch", "--set-upstream-to=main"]).ok();
    s.lead(&["feedback", "1", "--from", DANA, "Page the owner"])
        .ok();
    let file = s.proposal_file(1);
    s.write(
        &file,
        &s.read(&file).replace(
            "statement = \"Jobs fail at random\"",
            "statement = \"Jobs fail at random every night\"",
        ),
    );
    s.lead(&["respond", "1", "F1", "--incorporated", "Owners are paged"])
        .ok();
    s.git(&["commit", "-qam", "Feedback round"]).ok();
    s.lead_as(BO, &["signoff", "1"]).ok();
    s.lead_as(CY, &["concern", "1", "cost", "Two more machines"])
        .ok();

    let md = s.lead(&["review"]).ok();
    assert!(
        md.starts_with("### git lead review\n\nThe 3 commit(s) between `"),
        "{md}"
    );
    // The upstream (set to main above) is the default base.
    assert!(
        md.contains("(merge base with `main`)") && md.contains("touched **1 proposal**."),
        "{md}"
    );
    assert!(md.contains("| 1 | Flaky CI costs us an hour a day (changed) | socialize | 2 | 1 given, 1 answered | 1 of 2 (2 needed), does not hold | none |"), "{md}");
    assert!(md.contains("gained Bo Chen &lt;bo@example.com&gt;"), "{md}");
    assert!(md.contains("stale: Cy Dee &lt;cy@example.com&gt;"), "{md}");
    assert!(
        md.contains("- **Open concerns:** cost (raised by Cy Dee &lt;cy@example.com&gt;)"),
        "{md}"
    );
    assert!(
        md.contains("<details><summary>2 change(s)</summary>"),
        "{md}"
    );
    assert!(
        !md.contains("lost Cy"),
        "a stale sign-off is listed once, as stale: {md}"
    );
    assert!(
        md.contains("- `problem.statement`: Jobs fail at random **every night**"),
        "{md}"
    );
    assert!(!md.contains('\u{1b}'), "no terminal colour in Markdown");

    let report = json(
        &s.lead(&["review", "--base", "main", "--format", "json"])
            .ok(),
    );
    assert_eq!(report["schema"], 1);
    assert_eq!(
        report["merge_base"],
        s.git(&["rev-parse", "main"]).ok().trim()
    );
    let p = &report["proposals"][0];
    assert_eq!(p["status"], "changed");
    assert_eq!(p["signoffs"]["gained"][0], "Bo Chen <bo@example.com>");
    assert_eq!(p["open_concerns"][0], "cost");
    assert_eq!(p["feedback"][1]["event"], "answered");
    assert_eq!(p["changes"].as_array().unwrap().len(), 2);

    s.git(&["switch", "-q", "main"]).ok();
    let none = s.lead(&["review", "--base", "main"]).ok();
    assert_eq!(none.lines().count(), 3, "{none}");
    assert!(none.contains("No proposal was touched"), "{none}");
}

/// The files a review looks at are those whose blob changed: one removed and one edited
/// count, one whose mode alone changed does not, and neither does a file that is not
/// `.toml` or not directly in the folder.
#[test]
fn review_sees_files_removed_and_edited_but_not_a_mode_change() {
    let s = socializing();
    s.lead(&["propose", "Slow builds"]).ok();
    s.lead(&["propose", "Flaky deploys"]).ok();
    let second = s.proposal_file(2);
    let third = s.proposal_file(3);
    s.git(&["switch", "-qc", "tidy"]).ok();
    s.git(&["rm", "-q", &second]).ok();
    let first = s.proposal_file(1);
    s.git(&["update-index", "--chmod=+x", &first]).ok();
    s.write("proposals/notes.md", "notes\n");
    s.write("proposals/old/0009-archived.toml", "id = 9\n");
    s.git(&["add", "proposals"]).ok();
    s.git(&["commit", "-qm", "Tidy the folder"]).ok();
    s.write(
        &third,
        &s.read(&third)
            .replace("Flaky deploys", "Flaky deploys at night"),
    );
    s.git(&["commit", "-qam", "Retitle"]).ok();
    let report = json(
        &s.lead(&["review", "--base", "main", "--format", "json"])
            .ok(),
    );
    let seen: Vec<(u64, &str)> = report["proposals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_u64().unwrap(), p["status"].as_str().unwrap()))
        .collect();
    assert_eq!(seen, [(2, "removed"), (3, "changed")], "{report}");
}

#[test]
fn review_with_no_merge_base_or_a_shallow_clone() {
    let s = socializing();
    s.git(&["switch", "-q", "--orphan", "unrelated"]).ok();
    s.git(&["commit", "-q", "--allow-empty", "-m", "elsewhere"])
        .ok();
    let err = s.lead(&["review", "--base", "main"]).fails(1);
    assert!(
        err.contains("error: 'main' and HEAD have no common history (no merge base)"),
        "{err}"
    );
    assert!(
        err.contains("hint: the two histories are unrelated"),
        "{err}"
    );
    s.git(&["switch", "-q", "main"]).ok();
    s.git(&["switch", "-qc", "topic"]).ok();
    s.git(&["commit", "-q", "--allow-empty", "-m", "topic work"])
        .ok();
    let clone = s.root().join("shallow");
    let url = format!("file://{}", s.dir.display());
    s.git(&[
        "clone",
        "-q",
        "--depth",
        "1",
        "--branch",
        "topic",
        &url,
        clone.to_str().unwrap(),
    ])
    .ok();
    let err = s.lead_in(&clone, &["review", "--base", "main"]).fails(1);
    assert!(err.contains("unknown revision 'main'"), "{err}");
    assert!(
        err.contains("shallow clone") && err.contains("git fetch --unshallow"),
        "{err}"
    );
    s.run_in(
        "git",
        &clone,
        &["fetch", "-q", "--depth", "1", "origin", "main:main"],
    )
    .ok();
    let err = s.lead_in(&clone, &["review", "--base", "main"]).fails(1);
    assert!(
        err.contains("no merge base") && err.contains("git fetch --unshallow"),
        "{err}"
    );
}

#[test]
fn the_default_base_skips_the_branch_s_own_remote_copy() {
    let s = socializing();
    let remote = s.root().join("remote.git");
    s.git(&["init", "-q", "--bare", remote.to_str().unwrap()])
        .ok();
    s.git(&["remote", "add", "origin", remote.to_str().unwrap()])
        .ok();
    s.git(&["push", "-q", "origin", "main"]).ok();
    s.git(&["switch", "-qc", "topic"]).ok();
    s.lead(&["feedback", "1", "--from", DANA, "Page the owner"])
        .ok();
    s.git(&["commit", "-qam", "Feedback"]).ok();
    s.git(&["push", "-q", "-u", "origin", "topic"]).ok();
    let md = s.lead(&["review"]).ok();
    assert!(
        md.contains("(merge base with `main`)") && md.contains("touched **1 proposal**"),
        "{md}"
    );
}

#[test]
fn history_commands_refuse_a_shallow_clone() {
    let s = socializing();
    s.git(&["commit", "-q", "--allow-empty", "-m", "more"]).ok();
    let clone = s.root().join("shallow");
    let url = format!("file://{}", s.dir.display());
    s.git(&["clone", "-q", "--depth", "1", &url, clone.to_str().unwrap()])
        .ok();
    for args in [
        vec!["log", "1"],
        vec!["diff", "1"],
        vec!["signoffs", "1"],
        vec!["review", "--base", "HEAD"],
    ] {
        let err = s.lead_in(&clone, &args).fails(1);
        assert!(
            err.contains("this is a shallow clone") && err.contains("git fetch --unshallow"),
            "{args:?}: {err}"
        );
    }
    let listed = s.lead_in(&clone, &["list"]);
    assert_eq!(listed.code, 0);
    assert!(
        listed.stderr.contains("warning: this is a shallow clone"),
        "{}",
        listed.stderr
    );
    let shown = s.lead_in(&clone, &["show", "1"]);
    assert_eq!(shown.code, 0);
    assert!(
        shown
            .stdout
            .contains("8. implement [waits for the sign-off policy]"),
        "{}",
        shown.stdout
    );
}

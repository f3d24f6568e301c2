//! `git lead check`: every rule, on repositories built with plain git (never with the tool),
//! asserting the code, file, line, commit and exit status of each finding.

use serde_json::Value;

use crate::harness::proposal_text as proposal;
use crate::harness::{json, Run, Sandbox, BO, CY, STEPS};

const TITLE: &str = "Flaky CI costs us an hour a day";

/// The file of proposal `id` (`proposals/0001-flaky-ci.toml`).
fn file(id: u32) -> String {
    format!("proposals/{id:04}-flaky-ci.toml")
}

/// An open feedback entry, to append to a proposal's text.
const OPEN_F2: &str = "\n[socialize.F2]\nfrom = \"Eve Ng <eve@example.com>\"\ntext = \"Who brings a test back?\"\nstatus = \"open\"\n";

/// The 1-based line of the first line starting with `prefix`, below the line `section` when
/// one is given.
fn line(text: &str, section: Option<&str>, prefix: &str) -> u64 {
    let lines: Vec<&str> = text.lines().collect();
    let start = match section {
        Some(header) => {
            lines
                .iter()
                .position(|l| *l == header)
                .unwrap_or_else(|| panic!("no line {header}"))
                + 1
        }
        None => 0,
    };
    let n = (start..lines.len())
        .find(|i| lines[*i].starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting with {prefix}"));
    n as u64 + 1
}

/// Writes `text` to `path` and commits it with plain git and these trailers; returns the
/// commit.
fn commit_file(s: &Sandbox, path: &str, text: &str, message: &str, trailers: &[&str]) -> String {
    s.write(path, text);
    s.git(&["add", path]).ok();
    let mut args = vec!["commit", "-q", "-m", message];
    for t in trailers {
        args.extend(["--trailer", t]);
    }
    s.git(&args).ok();
    s.head()
}

/// Commits one transition of proposal `id` to `step` with plain git: the file, as `text`
/// gives it for that step, with the two trailers.
fn transition(s: &Sandbox, id: u32, step: &str, text: &str) -> String {
    commit_file(
        s,
        &file(id),
        text,
        &format!("Proposal {id}: {step}"),
        &[
            &format!("Lead-Proposal: {id}"),
            &format!("Lead-Step: {step}"),
        ],
    )
}

/// Commits the transitions of proposal `id` from problem up to `to`, one commit per step,
/// each with the file `text` gives for that step; returns the commits, oldest first.
fn chain_with(s: &Sandbox, id: u32, to: &str, text: impl Fn(&str) -> String) -> Vec<String> {
    let last = STEPS.iter().position(|x| *x == to).unwrap();
    STEPS[..=last]
        .iter()
        .map(|step| transition(s, id, step, &text(step)))
        .collect()
}

/// [`chain_with`] with the complete proposal.
fn chain(s: &Sandbox, id: u32, to: &str) -> Vec<String> {
    chain_with(s, id, to, |step| proposal(id, step))
}

/// An empty commit by `who` with these trailers; returns it.
fn empty_commit(s: &Sandbox, who: &str, message: &str, trailers: &[&str]) -> String {
    let mut args = vec!["commit", "-q", "--allow-empty", "-m", message];
    for t in trailers {
        args.extend(["--trailer", t]);
    }
    s.git_as(who, &args).ok();
    s.head()
}

/// A sign-off of proposal `id` by `who`, as an empty commit.
fn signoff(s: &Sandbox, who: &str, id: u32) -> String {
    empty_commit(s, who, "Fine by me", &[&format!("Lead-Signoff: {id}")])
}

/// Proposal 1 taken to socialize with `text`, signed off by Bo and Cy, then into implement.
fn implemented_with(s: &Sandbox, text: impl Fn(&str) -> String) -> Vec<String> {
    let mut commits = chain_with(s, 1, "socialize", &text);
    commits.push(signoff(s, BO, 1));
    commits.push(signoff(s, CY, 1));
    commits.push(transition(s, 1, "implement", &text("implement")));
    commits
}

fn implemented(s: &Sandbox) -> Vec<String> {
    implemented_with(s, |step| proposal(1, step))
}

/// Runs `git lead check <args>`, asserting the exit status.
#[track_caller]
fn check(s: &Sandbox, args: &[&str], code: i32) -> Run {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    let run = s.lead(&all);
    assert_eq!(
        run.code, code,
        "unexpected status of git lead {all:?}\nstdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    run
}

/// `git lead check --format json <args>`, parsed, asserting the exit status.
#[track_caller]
fn report(s: &Sandbox, args: &[&str], code: i32) -> Value {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    json(&check(s, &all, code).stdout)
}

fn findings(v: &Value) -> &Vec<Value> {
    v["findings"].as_array().unwrap()
}

fn codes(v: &Value) -> Vec<&str> {
    findings(v)
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect()
}

/// The one finding with this code.
#[track_caller]
fn only<'a>(v: &'a Value, code: &str) -> &'a Value {
    let all: Vec<&Value> = findings(v).iter().filter(|f| f["code"] == code).collect();
    assert_eq!(all.len(), 1, "expected one {code}: {v:#}");
    all[0]
}

/// Asserts where a finding points: severity, proposal, file, line, field and commit.
#[track_caller]
fn assert_at(
    f: &Value,
    severity: &str,
    proposal: Option<u32>,
    file: Option<&str>,
    line: Option<u64>,
    field: Option<&str>,
    commit: Option<&str>,
) {
    let got = (
        f["severity"].as_str(),
        f["proposal"].as_u64(),
        f["file"].as_str(),
        f["line"].as_u64(),
        f["field"].as_str(),
        f["commit"].as_str(),
    );
    let want = (
        Some(severity),
        proposal.map(u64::from),
        file,
        line,
        field,
        commit,
    );
    assert_eq!(got, want, "finding {f:#}");
}

fn message(f: &Value) -> &str {
    f["message"].as_str().unwrap()
}

fn hint(f: &Value) -> &str {
    f["hint"].as_str().unwrap()
}

fn short(commit: &str) -> &str {
    &commit[..7]
}

#[test]
fn a_clean_repository_passes_with_one_summary_line() {
    let s = Sandbox::repo();
    let commits = implemented(&s);
    chain(&s, 2, "critique");
    let n = commits.len() + 4;
    let out = check(&s, &[], 0).stdout;
    assert_eq!(
        out,
        format!("ok: 2 proposal(s) and {n} commit(s) checked, no findings\n")
    );
    let v = report(&s, &[], 0);
    assert_eq!(v["ok"], true);
    assert_eq!(
        (v["errors"].as_u64(), v["warnings"].as_u64()),
        (Some(0), Some(0))
    );
    assert_eq!(v["proposals"], 2);
    assert!(findings(&v).is_empty());
    // --strict changes nothing when there is no warning.
    check(&s, &["--strict"], 0);
}

#[test]
fn a_file_that_is_not_toml_is_a_parse_error() {
    let s = Sandbox::repo();
    chain(&s, 1, "idea");
    let broken = proposal(3, "problem").replace(
        &format!("title = \"{TITLE}\""),
        "title = \"Flaky CI costs us",
    );
    commit_file(&s, &file(3), &broken, "Add proposal 3", &[]);
    let v = report(&s, &[], 1);
    assert_eq!(codes(&v), ["parse-error"]);
    let f = only(&v, "parse-error");
    assert_at(
        f,
        "error",
        Some(3),
        Some(&file(3)),
        Some(line(&broken, None, "title = ")),
        None,
        None,
    );
    assert!(message(f).starts_with("invalid TOML"), "{f:#}");
    assert!(hint(f).contains("docs/format.md"), "{f:#}");
    assert_eq!(v["proposals"], 2);
}

#[test]
fn a_file_that_breaks_the_schema_is_a_parse_error() {
    let s = Sandbox::repo();
    let text =
        proposal(3, "problem").replace("statement = \"Jobs fail at random\"", "statement = 5");
    commit_file(&s, &file(3), &text, "Add proposal 3", &[]);
    let v = report(&s, &[], 1);
    let f = only(&v, "parse-error");
    let at = line(&text, Some("[problem]"), "statement = ");
    assert_at(f, "error", Some(3), Some(&file(3)), Some(at), None, None);
    assert_eq!(
        message(f),
        "field `problem.statement`: expected a string, found integer"
    );
    let human = check(&s, &[], 1).stdout;
    assert!(
        human.starts_with(&format!(
            "proposal 3\n  error[parse-error] {}:{at}: field `problem.statement`: expected a string, found integer\n",
            file(3)
        )),
        "{human}"
    );
}

#[test]
fn two_files_with_one_id_are_both_reported() {
    let s = Sandbox::repo();
    let a = "proposals/0003-first.toml";
    let b = "proposals/0003-second.toml";
    commit_file(&s, a, &proposal(3, "problem"), "Add 3", &[]);
    commit_file(&s, b, &proposal(3, "problem"), "Add 3 again", &[]);
    let v = report(&s, &[], 1);
    assert_eq!(codes(&v), ["duplicate-id", "duplicate-id"]);
    let id_line = line(&proposal(3, "problem"), None, "id = ");
    assert_eq!(id_line, 2);
    for (f, path) in findings(&v).iter().zip([a, b]) {
        assert_at(f, "error", Some(3), Some(path), Some(id_line), None, None);
        assert_eq!(message(f), format!("proposal 3 is in 2 files: {a}, {b}"));
        assert!(hint(f).contains("'git lead renumber 3'"), "{f:#}");
    }
}

#[test]
fn a_file_name_that_does_not_carry_the_id() {
    let s = Sandbox::repo();
    let text = proposal(4, "problem");
    commit_file(&s, "proposals/0005-x.toml", &text, "Add 4", &[]);
    let v = report(&s, &[], 1);
    assert_eq!(codes(&v), ["file-name"]);
    let f = only(&v, "file-name");
    assert_at(
        f,
        "error",
        Some(4),
        Some("proposals/0005-x.toml"),
        Some(2),
        Some("id"),
        None,
    );
    assert_eq!(
        hint(f),
        "rename it with 'git mv' to proposals/0004-flaky-ci-costs-us-an-hour-a-day.toml"
    );
}

#[test]
fn check_by_id_finds_a_proposal_by_its_id_field() {
    let s = Sandbox::repo();
    commit_file(
        &s,
        "proposals/0005-x.toml",
        &proposal(4, "problem"),
        "Add 4",
        &[],
    );
    let v = report(&s, &["4"], 1);
    assert_eq!(codes(&v), ["file-name"]);
    assert_eq!(v["proposals"], 1);
    let err = check(&s, &["5"], 1).stderr;
    assert!(err.contains("no proposal with id 5"), "{err}");
}

#[test]
fn a_step_changed_by_hand_is_unrecorded() {
    let s = Sandbox::repo();
    let commits = chain(&s, 1, "idea");
    commit_file(&s, &file(1), &proposal(1, "critique"), "Skip ahead", &[]);
    // Proposal 2 was never moved at all.
    commit_file(&s, &file(2), &proposal(2, "idea"), "Add 2", &[]);
    let v = report(&s, &[], 1);
    assert_eq!(codes(&v), ["step-unrecorded", "step-unrecorded"]);
    let [one, two] = &findings(&v)[..] else {
        unreachable!()
    };
    let step_line = line(&proposal(1, "critique"), None, "step = ");
    assert_eq!(step_line, 5);
    assert_at(
        one,
        "error",
        Some(1),
        Some(&file(1)),
        Some(step_line),
        Some("step"),
        Some(&commits[1]),
    );
    assert_eq!(
        message(one),
        "the file says step \"critique\" but the last recorded transition is to idea"
    );
    assert!(hint(one).contains("'git lead advance 1'"), "{one:#}");
    assert_at(
        two,
        "error",
        Some(2),
        Some(&file(2)),
        Some(step_line),
        Some("step"),
        None,
    );
    assert_eq!(
        message(two),
        "the file says step \"idea\" but no transition of proposal 2 is recorded"
    );
}

#[test]
fn a_skipped_or_backward_transition_is_out_of_order() {
    let s = Sandbox::repo();
    // Proposal 1 skips alternatives.
    transition(&s, 1, "problem", &proposal(1, "problem"));
    transition(&s, 1, "idea", &proposal(1, "idea"));
    let skip = transition(&s, 1, "critique", &proposal(1, "critique"));
    // Proposal 2 goes back from critique to idea.
    chain(&s, 2, "critique");
    let back = transition(&s, 2, "idea", &proposal(2, "idea"));
    let v = report(&s, &[], 1);
    assert_eq!(
        codes(&v),
        ["transition-out-of-order", "transition-out-of-order"]
    );
    let [one, two] = &findings(&v)[..] else {
        unreachable!()
    };
    assert_at(
        one,
        "error",
        Some(1),
        Some(&file(1)),
        None,
        None,
        Some(&skip),
    );
    assert_eq!(
        message(one),
        "the transition idea -> critique is not allowed: no step is ever skipped"
    );
    assert_at(
        two,
        "error",
        Some(2),
        Some(&file(2)),
        None,
        None,
        Some(&back),
    );
    assert_eq!(
        message(two),
        "the transition critique -> idea is not allowed: steps never go back; edit the file instead"
    );
    let human = check(&s, &[], 1).stdout;
    assert!(
        human.contains(&format!(
            "proposal 2\n  error[transition-out-of-order] {}, commit {}: the transition critique -> idea",
            file(2),
            short(&back)
        )),
        "{human}"
    );
}

#[test]
fn content_emptied_after_its_step_is_regressed() {
    let s = Sandbox::repo();
    chain(&s, 1, "critique");
    let text = proposal(1, "critique")
        .replace("statement = \"Jobs fail at random\"", "statement = \"\"")
        .replace(
            "objections = [\"Quarantine can hide real failures\"]",
            "objections = [\"  \"]",
        );
    commit_file(&s, &file(1), &text, "Tidy up", &[]);
    let v = report(&s, &[], 1);
    assert_eq!(codes(&v), ["step-regressed", "step-regressed"]);
    let [statement, objections] = &findings(&v)[..] else {
        unreachable!()
    };
    assert_at(
        statement,
        "error",
        Some(1),
        Some(&file(1)),
        Some(line(&text, Some("[problem]"), "statement = ")),
        Some("problem.statement"),
        None,
    );
    assert_eq!(
        message(statement),
        "the proposal is past problem, which now lacks a statement of the problem [problem.statement]"
    );
    assert_at(
        objections,
        "error",
        Some(1),
        Some(&file(1)),
        Some(line(&text, None, "objections = ")),
        Some("alternatives.objections"),
        None,
    );
    assert!(
        message(objections).starts_with("the proposal is past alternatives, which now lacks"),
        "{objections:#}"
    );
}

#[test]
fn implement_without_signoffs_is_policy_unmet() {
    let s = Sandbox::repo();
    chain(&s, 1, "implement");
    let text = proposal(1, "implement");
    let v = report(&s, &[], 1);
    assert_eq!(codes(&v), ["policy-unmet", "policy-unmet"]);
    let at = line(&text, None, "[stakeholders.bo-chen]");
    for f in findings(&v) {
        assert_at(
            f,
            "error",
            Some(1),
            Some(&file(1)),
            Some(at),
            Some("stakeholders"),
            None,
        );
        assert_eq!(
            hint(f),
            "'git lead signoffs 1' shows who signed and what is missing"
        );
    }
    let messages: Vec<&str> = findings(&v).iter().map(message).collect();
    assert_eq!(
        messages,
        [
            "proposal 1 is in implement but its sign-off policy no longer holds: not signed off by required bo-chen (has not signed off)",
            "proposal 1 is in implement but its sign-off policy no longer holds: 0 of 2 stakeholders signed off; 2 needed (majority)",
        ]
    );
}

#[test]
fn a_stale_signoff_is_policy_unmet() {
    let s = Sandbox::repo();
    let planned = |step: &str| proposal(1, step).replace("then page the owner", "then retire");
    chain(&s, 1, "socialize");
    let bo = signoff(&s, BO, 1);
    let edit = commit_file(&s, &file(1), &planned("socialize"), "Change the plan", &[]);
    signoff(&s, CY, 1);
    transition(&s, 1, "implement", &planned("implement"));
    let v = report(&s, &[], 1);
    assert_eq!(codes(&v), ["policy-unmet", "policy-unmet"]);
    let messages: Vec<&str> = findings(&v).iter().map(message).collect();
    assert_eq!(
        messages,
        [
            format!(
                "proposal 1 is in implement but its sign-off policy no longer holds: not signed off by required bo-chen (sign-off {} is stale: changed in commit {})",
                short(&bo),
                short(&edit)
            )
            .as_str(),
            "proposal 1 is in implement but its sign-off policy no longer holds: 1 of 2 stakeholders signed off; 2 needed (majority)",
        ]
    );
    // Bo signs the new content: the policy holds again.
    signoff(&s, BO, 1);
    check(&s, &[], 0);
}

#[test]
fn an_open_concern_fails_until_resolved() {
    let s = Sandbox::repo();
    implemented(&s);
    check(&s, &[], 0);
    let concern = empty_commit(
        &s,
        CY,
        "concern cost\n\nThe farm needs two more machines",
        &["Lead-Proposal: 1", "Lead-Concern: cost"],
    );
    let v = report(&s, &[], 1);
    assert_eq!(codes(&v), ["open-concern"]);
    let f = only(&v, "open-concern");
    assert_at(
        f,
        "error",
        Some(1),
        Some(&file(1)),
        None,
        None,
        Some(&concern),
    );
    assert_eq!(
        message(f),
        "concern 'cost' raised by Cy Dee <cy@example.com> is open: The farm needs two more machines"
    );
    assert_eq!(hint(f), "resolve it with 'git lead resolve 1 cost'");
    empty_commit(
        &s,
        CY,
        "resolve cost",
        &["Lead-Proposal: 1", "Lead-Concern-Resolved: cost"],
    );
    check(&s, &[], 0);
}

#[test]
fn open_feedback_past_socialize_is_unanswered() {
    let s = Sandbox::repo();
    implemented_with(&s, |step| proposal(1, step) + OPEN_F2);
    let text = proposal(1, "implement") + OPEN_F2;
    let status = line(&text, Some("[socialize.F2]"), "status = ");
    let v = report(&s, &[], 1);
    // The open entry also fails the socialize gate, completed when the proposal entered
    // implement; it is reported once, as feedback left unanswered.
    assert_eq!(codes(&v), ["feedback-unanswered"]);
    let f = only(&v, "feedback-unanswered");
    assert_at(
        f,
        "error",
        Some(1),
        Some(&file(1)),
        Some(status),
        Some("socialize.F2.status"),
        None,
    );
    assert_eq!(
        message(f),
        "feedback F2 from Eve Ng <eve@example.com> is still open, yet the proposal is past socialize"
    );
    assert_eq!(
        hint(f),
        "answer it with 'git lead respond 1 F2 --incorporated|--declined'"
    );
}

#[test]
fn implementing_before_implement_is_early() {
    let s = Sandbox::repo();
    chain(&s, 1, "socialize");
    let early = empty_commit(&s, CY, "x", &["Lead-Implements: 1"]);
    let v = report(&s, &[], 1);
    assert_eq!(codes(&v), ["implements-early"]);
    let f = only(&v, "implements-early");
    assert_at(f, "error", Some(1), None, None, None, Some(&early));
    assert_eq!(
        message(f),
        "this commit implements proposal 1 (Lead-Implements), which had not reached implement"
    );
    assert_eq!(
        hint(f),
        "gather the sign-offs and run 'git lead advance 1' before implementing"
    );
    let human = check(&s, &[], 1).stdout;
    assert!(
        human.starts_with(&format!(
            "proposal 1\n  error[implements-early] commit {}: this commit implements proposal 1",
            short(&early)
        )),
        "{human}"
    );
}

#[test]
fn implementing_after_implement_is_fine() {
    let s = Sandbox::repo();
    implemented(&s);
    empty_commit(&s, CY, "x", &["Lead-Implements: 1"]);
    let v = report(&s, &[], 0);
    assert!(findings(&v).is_empty(), "{v:#}");
}

/// Proposal 1 in socialize, then a commit whose sign-off sits in the body, as a squash
/// merge leaves it; returns the commit.
fn stranded_repo() -> (Sandbox, String) {
    let s = Sandbox::repo();
    chain(&s, 1, "socialize");
    let msg = s.root().join("squash-message");
    std::fs::write(
        &msg,
        "Squashed commit of the review\n\n* sign off\n\nLead-Signoff: 1\n\n* tidy up the plan\n",
    )
    .unwrap();
    s.git_as(
        BO,
        &["commit", "-q", "--allow-empty", "-F", msg.to_str().unwrap()],
    )
    .ok();
    let head = s.head();
    (s, head)
}

#[test]
fn a_trailer_outside_the_final_block_is_stranded() {
    let (s, squash) = stranded_repo();
    let v = report(&s, &[], 0);
    assert_eq!(codes(&v), ["stranded-trailer"]);
    assert_eq!(
        (v["ok"].as_bool(), v["warnings"].as_u64()),
        (Some(true), Some(1))
    );
    let f = only(&v, "stranded-trailer");
    assert_at(f, "warning", None, None, None, None, Some(&squash));
    assert_eq!(
        message(f),
        "'Lead-Signoff: 1' is on line 5 of the message, outside the final trailer block where git does not read it (a squash merge does this)"
    );
    assert!(hint(f).contains("sign off again after a squash"), "{f:#}");
    let human = check(&s, &[], 0).stdout;
    assert!(
        human.starts_with(&format!(
            "history\n  warning[stranded-trailer] commit {}: 'Lead-Signoff: 1' is on line 5",
            short(&squash)
        )),
        "{human}"
    );
    assert!(
        human.ends_with("0 error(s), 1 warning(s): 1 proposal(s) and 8 commit(s) checked\n"),
        "{human}"
    );
    // --strict fails on warnings.
    let strict = check(&s, &["--strict"], 1);
    assert!(
        strict
            .stderr
            .contains("git lead check found 0 error(s) and 1 warning(s)"),
        "{}",
        strict.stderr
    );
    report(&s, &["--strict"], 1);
}

#[test]
fn a_misspelt_trailer_is_unknown() {
    let s = Sandbox::repo();
    chain(&s, 1, "socialize");
    let typo = empty_commit(&s, BO, "Fine by me", &["Lead-Signof: 1"]);
    let v = report(&s, &[], 0);
    assert_eq!(codes(&v), ["unknown-trailer"]);
    let f = only(&v, "unknown-trailer");
    assert_at(f, "warning", None, None, None, None, Some(&typo));
    assert_eq!(
        message(f),
        "'Lead-Signof: 1': git lead does not know this trailer"
    );
    assert_eq!(
        hint(f),
        "the trailers git lead reads are Lead-Proposal, Lead-Step, Lead-Signoff, \
         Lead-Signoff-Withdrawn, Lead-Concern, Lead-Concern-Resolved, Lead-Implements, Lead-Renumbered"
    );
    check(&s, &["--strict"], 1);
}

#[test]
fn a_shallow_clone_cannot_be_checked() {
    let s = Sandbox::repo();
    chain(&s, 1, "critique");
    let clone = s.shallow_clone(1);
    let run = s.lead_in(&clone, &["check", "--format", "json"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let v = json(&run.stdout);
    assert_eq!(codes(&v), ["shallow-history"]);
    let f = only(&v, "shallow-history");
    assert_at(f, "error", None, None, None, None, None);
    assert!(message(f).contains("shallow clone"), "{f:#}");
    assert!(
        hint(f).contains("fetch-depth: 0") && hint(f).contains("git fetch --unshallow"),
        "{f:#}"
    );
    let human = s.lead_in(&clone, &["check"]);
    assert_eq!(human.code, 1);
    assert!(
        human
            .stdout
            .starts_with("history\n  error[shallow-history] this is a shallow clone"),
        "{}",
        human.stdout
    );
    // The full repository is fine.
    check(&s, &[], 0);
}

#[test]
fn with_a_base_only_what_the_branch_touched_is_checked() {
    let s = Sandbox::repo();
    // On main, proposal 1 is already broken and a commit carries an unknown trailer.
    let recorded = chain(&s, 1, "idea");
    commit_file(&s, &file(1), &proposal(1, "critique"), "Skip ahead", &[]);
    chain(&s, 2, "critique");
    let typo = empty_commit(&s, BO, "Fine by me", &["Lead-Signof: 2"]);
    let base = s.head();
    // The branch breaks proposal 2 only.
    s.git(&["checkout", "-q", "-b", "feature"]).ok();
    let text = proposal(2, "critique").replace("affected = \"Every team\"", "affected = \"\"");
    commit_file(&s, &file(2), &text, "Nobody else is affected", &[]);

    let all = report(&s, &[], 1);
    assert_eq!(
        codes(&all),
        ["step-unrecorded", "step-regressed", "unknown-trailer"]
    );
    assert_eq!(only(&all, "unknown-trailer")["commit"], typo.as_str());
    assert_eq!(all["base"], Value::Null);

    let v = report(&s, &["--base", "main"], 1);
    assert_eq!(codes(&v), ["step-regressed"]);
    assert_at(
        &findings(&v)[0],
        "error",
        Some(2),
        Some(&file(2)),
        Some(line(&text, Some("[problem]"), "affected = ")),
        Some("problem.affected"),
        None,
    );
    assert_eq!(v["base"], base.as_str());
    assert_eq!(
        (v["proposals"].as_u64(), v["commits"].as_u64()),
        (Some(1), Some(1))
    );
    let human = check(&s, &["--base", "main"], 1).stdout;
    assert!(
        human.ends_with("1 error(s), 0 warning(s): 1 proposal(s) and 1 commit(s) checked\n"),
        "{human}"
    );

    // An event on the branch touches its proposal too.
    let early = empty_commit(&s, CY, "x", &["Lead-Implements: 1"]);
    let v = report(&s, &["--base", "main"], 1);
    assert_eq!(
        codes(&v),
        ["implements-early", "step-unrecorded", "step-regressed"]
    );
    assert_eq!(only(&v, "implements-early")["commit"], early.as_str());
    assert_eq!(only(&v, "step-unrecorded")["commit"], recorded[1].as_str());

    let err = check(&s, &["--base", "no-such-branch"], 1).stderr;
    assert!(err.contains("unknown revision 'no-such-branch'"), "{err}");
}

#[test]
fn with_a_base_the_policy_comes_from_the_base() {
    let s = Sandbox::repo();
    commit_file(
        &s,
        ".lead.toml",
        "[signoff]\nquorum = \"all\"\n",
        "Everyone signs",
        &[],
    );
    chain(&s, 1, "socialize");
    // The branch lowers the quorum, gets one sign-off and moves on.
    s.git(&["checkout", "-q", "-b", "feature"]).ok();
    commit_file(
        &s,
        ".lead.toml",
        "[signoff]\nquorum = 1\n",
        "One is enough",
        &[],
    );
    signoff(&s, BO, 1);
    transition(&s, 1, "implement", &proposal(1, "implement"));

    // Without a base, the branch's own policy holds.
    check(&s, &[], 0);
    // With one, the base's does not; and the change to the policy is reported.
    let v = report(&s, &["--base", "main"], 1);
    assert_eq!(codes(&v), ["policy-unmet", "base-policy-changed"]);
    let changed = only(&v, "base-policy-changed");
    assert_eq!(changed["severity"], "warning");
    assert_eq!(changed["file"], ".lead.toml");
    let f = only(&v, "policy-unmet");
    assert_at(
        f,
        "error",
        Some(1),
        Some(&file(1)),
        Some(line(
            &proposal(1, "implement"),
            None,
            "[stakeholders.bo-chen]",
        )),
        Some("stakeholders"),
        None,
    );
    assert_eq!(
        message(f),
        "proposal 1 is in implement but its sign-off policy no longer holds: 1 of 2 stakeholders signed off; 2 needed (all)"
    );
}

/// What a repository breaking several rules at once was built with.
struct Broken {
    s: Sandbox,
    /// The last recorded transition of proposal 2, which its file does not match.
    recorded: String,
    early: String,
    squash: String,
    typo: String,
    /// The lines of proposal 1's emptied `statement` and of proposal 2's `step`.
    statement: u64,
    step: u64,
}

/// Proposal 1 regressed, proposal 2 moved by hand and implemented early, a stranded and a
/// misspelt trailer: two proposals, ten commits, three errors and two warnings.
fn broken() -> Broken {
    let s = Sandbox::repo();
    chain(&s, 1, "critique");
    let text =
        proposal(1, "critique").replace("statement = \"Jobs fail at random\"", "statement = \" \"");
    commit_file(&s, &file(1), &text, "Tidy up", &[]);
    let statement = line(&text, Some("[problem]"), "statement = ");
    let recorded = transition(&s, 2, "problem", &proposal(2, "problem"));
    let moved = proposal(2, "idea");
    commit_file(&s, &file(2), &moved, "Move on", &[]);
    let step = line(&moved, None, "step = ");
    let early = empty_commit(&s, CY, "Start on it", &["Lead-Implements: 2"]);
    let msg = s.root().join("squash-message");
    std::fs::write(&msg, "Squashed\n\nLead-Signoff: 1\n\nMore work\n").unwrap();
    s.git_as(
        BO,
        &["commit", "-q", "--allow-empty", "-F", msg.to_str().unwrap()],
    )
    .ok();
    let squash = s.head();
    let typo = empty_commit(&s, BO, "Fine by me", &["Lead-Signof: 1"]);
    Broken {
        s,
        recorded,
        early,
        squash,
        typo,
        statement,
        step,
    }
}

const SUMMARY: &str = "3 error(s), 2 warning(s): 2 proposal(s) and 10 commit(s) checked";

const KEYS_HINT: &str = "the trailers git lead reads are Lead-Proposal, Lead-Step, Lead-Signoff, \
                         Lead-Signoff-Withdrawn, Lead-Concern, Lead-Concern-Resolved, Lead-Implements, Lead-Renumbered";

#[test]
fn the_human_format_groups_by_proposal_then_history() {
    let b = broken();
    let out = check(&b.s, &["--format", "human"], 1);
    let expected = format!(
        "proposal 1
  error[step-regressed] {f1}:{l1}: the proposal is past problem, which now lacks a statement of the problem [problem.statement]
    hint: restore the content, or withdraw the proposal if it no longer holds
proposal 2
  error[implements-early] commit {early}: this commit implements proposal 2 (Lead-Implements), which had not reached implement
    hint: gather the sign-offs and run 'git lead advance 2' before implementing
  error[step-unrecorded] {f2}:{l2}, commit {recorded}: the file says step \"idea\" but the last recorded transition is to problem
    hint: change steps only with 'git lead advance 2', or put the step back as recorded
history
  warning[stranded-trailer] commit {squash}: 'Lead-Signoff: 1' is on line 3 of the message, outside the final trailer block where git does not read it (a squash merge does this)
    hint: merge with a merge commit to keep trailers; sign off again after a squash
  warning[unknown-trailer] commit {typo}: 'Lead-Signof: 1': git lead does not know this trailer
    hint: {KEYS_HINT}
{SUMMARY}
",
        f1 = file(1),
        f2 = file(2),
        early = short(&b.early),
        recorded = short(&b.recorded),
        squash = short(&b.squash),
        typo = short(&b.typo),
        l1 = b.statement,
        l2 = b.step,
    );
    assert_eq!(out.stdout, expected);
    assert_eq!(
        out.stderr,
        "error: git lead check found 3 error(s) and 2 warning(s)\n"
    );
    // The default format is the same.
    assert_eq!(check(&b.s, &[], 1).stdout, expected);
}

#[test]
fn into_one_pipe_the_report_comes_before_the_error_that_ends_it() {
    // stdout is written in blocks into a pipe: it must still come out before the error.
    let b = broken();
    let both =
        b.s.run_with(&mut b.s.cmd("sh", &["-c", "git lead check 2>&1"]));
    assert_eq!(both.code, 1, "{}", both.stdout);
    let apart = check(&b.s, &[], 1);
    assert_eq!(both.stdout, format!("{}{}", apart.stdout, apart.stderr));
    assert!(both
        .stdout
        .ends_with("error: git lead check found 3 error(s) and 2 warning(s)\n"));
}

#[test]
fn the_json_format_has_every_field() {
    let b = broken();
    let v = report(&b.s, &[], 1);
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "base",
            "commits",
            "errors",
            "findings",
            "ok",
            "proposals",
            "schema",
            "warnings"
        ]
    );
    assert_eq!(v["schema"], 1);
    assert_eq!(v["ok"], false);
    assert_eq!(
        (
            v["errors"].as_u64(),
            v["warnings"].as_u64(),
            v["proposals"].as_u64(),
            v["commits"].as_u64()
        ),
        (Some(3), Some(2), Some(2), Some(10))
    );
    assert_eq!(v["base"], Value::Null);
    for f in findings(&v) {
        let mut keys: Vec<&str> = f.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "code", "commit", "field", "file", "hint", "line", "message", "proposal",
                "severity"
            ],
            "{f:#}"
        );
    }
    assert_eq!(
        codes(&v),
        [
            "step-regressed",
            "implements-early",
            "step-unrecorded",
            "stranded-trailer",
            "unknown-trailer"
        ]
    );
    let f = findings(&v);
    assert_at(
        &f[0],
        "error",
        Some(1),
        Some(&file(1)),
        Some(b.statement),
        Some("problem.statement"),
        None,
    );
    assert_at(&f[1], "error", Some(2), None, None, None, Some(&b.early));
    assert_at(
        &f[2],
        "error",
        Some(2),
        Some(&file(2)),
        Some(b.step),
        Some("step"),
        Some(&b.recorded),
    );
    assert_at(&f[3], "warning", None, None, None, None, Some(&b.squash));
    assert_at(&f[4], "warning", None, None, None, None, Some(&b.typo));
}

#[test]
fn the_github_format_annotates_and_writes_the_step_summary() {
    let mut b = broken();
    let summary_file = b.s.root().join("step-summary.md");
    std::fs::write(&summary_file, "## Earlier step\n").unwrap();
    b.s.set_env("GITHUB_STEP_SUMMARY", summary_file.to_str().unwrap());
    let out = check(&b.s, &["--format", "github"], 1).stdout;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            format!(
                "::error file={},line={},title=git lead step-regressed::the proposal is past problem, which now lacks a statement of the problem [problem.statement]%0Ahint: restore the content, or withdraw the proposal if it no longer holds",
                file(1),
                b.statement
            ),
            format!(
                "::error title=git lead implements-early::this commit implements proposal 2 (Lead-Implements), which had not reached implement (commit {})%0Ahint: gather the sign-offs and run 'git lead advance 2' before implementing",
                short(&b.early)
            ),
            format!(
                "::error file={},line={},title=git lead step-unrecorded::the file says step \"idea\" but the last recorded transition is to problem (commit {})%0Ahint: change steps only with 'git lead advance 2', or put the step back as recorded",
                file(2),
                b.step,
                short(&b.recorded)
            ),
            format!(
                "::warning title=git lead stranded-trailer::'Lead-Signoff: 1' is on line 3 of the message, outside the final trailer block where git does not read it (a squash merge does this) (commit {})%0Ahint: merge with a merge commit to keep trailers; sign off again after a squash",
                short(&b.squash)
            ),
            format!(
                "::warning title=git lead unknown-trailer::'Lead-Signof: 1': git lead does not know this trailer (commit {})%0Ahint: {KEYS_HINT}",
                short(&b.typo)
            ),
            SUMMARY.to_string(),
        ]
    );
    // The Markdown report is appended to the step summary.
    let markdown = check(&b.s, &["--format", "markdown"], 1).stdout;
    assert_eq!(
        std::fs::read_to_string(&summary_file).unwrap(),
        format!("## Earlier step\n{markdown}")
    );
    // Only the github format writes it.
    check(&b.s, &["--format", "json"], 1);
    check(&b.s, &["--format", "human"], 1);
    assert_eq!(
        std::fs::read_to_string(&summary_file).unwrap(),
        format!("## Earlier step\n{markdown}")
    );
}

#[test]
fn the_markdown_format_is_a_table() {
    let b = broken();
    let out = check(&b.s, &["--format", "markdown"], 1).stdout;
    let expected = format!(
        "### git lead check

{SUMMARY}

| Severity | Code | Proposal | Where | Message |
|---|---|---|---|---|
| error | `step-regressed` | 1 | {f1}:{l1} | the proposal is past problem, which now lacks a statement of the problem [problem.statement]<br>*restore the content, or withdraw the proposal if it no longer holds* |
| error | `implements-early` | 2 | commit {early} | this commit implements proposal 2 (Lead-Implements), which had not reached implement<br>*gather the sign-offs and run 'git lead advance 2' before implementing* |
| error | `step-unrecorded` | 2 | {f2}:{l2}, commit {recorded} | the file says step \"idea\" but the last recorded transition is to problem<br>*change steps only with 'git lead advance 2', or put the step back as recorded* |
| warning | `stranded-trailer` |  | commit {squash} | 'Lead-Signoff: 1' is on line 3 of the message, outside the final trailer block where git does not read it (a squash merge does this)<br>*merge with a merge commit to keep trailers; sign off again after a squash* |
| warning | `unknown-trailer` |  | commit {typo} | 'Lead-Signof: 1': git lead does not know this trailer<br>*{KEYS_HINT}* |
",
        f1 = file(1),
        f2 = file(2),
        early = short(&b.early),
        recorded = short(&b.recorded),
        squash = short(&b.squash),
        typo = short(&b.typo),
        l1 = b.statement,
        l2 = b.step,
    );
    assert_eq!(out, expected);
    // A clean repository gives the heading and the summary only.
    let s = Sandbox::repo();
    chain(&s, 1, "idea");
    assert_eq!(
        check(&s, &["--format", "markdown"], 0).stdout,
        "### git lead check\n\nok: 1 proposal(s) and 2 commit(s) checked, no findings\n\n"
    );
}

#[test]
fn check_one_proposal_or_one_that_does_not_exist() {
    let b = broken();
    let v = report(&b.s, &["2"], 1);
    // Only proposal 2 is checked, with the commits that concern it: nothing about
    // proposal 1 or about the history at large.
    assert!(codes(&v).contains(&"step-unrecorded"), "{v:#}");
    assert!(codes(&v).contains(&"implements-early"), "{v:#}");
    assert!(findings(&v).iter().all(|f| f["proposal"] == 2), "{v:#}");
    assert_eq!(v["proposals"], 1);
    let human = check(&b.s, &["2"], 1).stdout;
    assert!(human.starts_with("proposal 2\n  error["), "{human}");
    assert!(human.contains("  error[step-unrecorded]"), "{human}");
    assert!(!human.contains("proposal 1"), "{human}");
    assert_eq!(codes(&report(&b.s, &["1"], 1)), ["step-regressed"]);
    assert_eq!(
        codes(&report(&b.s, &["1", "2"], 1)),
        ["step-regressed", "implements-early", "step-unrecorded"]
    );

    let run = check(&b.s, &["9"], 1);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        "error: no proposal with id 9\nhint: 'git lead list' shows the proposals\n"
    );
    let run = check(&b.s, &["nine"], 2);
    assert!(run.stderr.contains("nine"), "{}", run.stderr);
}

#[test]
fn check_one_proposal_includes_its_commit_findings() {
    let b = broken();
    let v = report(&b.s, &["2"], 1);
    assert_eq!(codes(&v), ["implements-early", "step-unrecorded"]);
    assert_eq!(only(&v, "implements-early")["commit"], b.early.as_str());
}

#[test]
fn check_a_missing_proposal_before_the_first_commit() {
    let s = Sandbox::repo();
    let run = check(&s, &["9"], 1);
    assert!(
        run.stderr.contains("no proposal with id 9"),
        "{}",
        run.stderr
    );
}

/// Branch `impl` implements proposal 1 (returned commit) while it is in socialize; then
/// main signs it off and moves it to implement. Nothing is merged yet.
fn implemented_on_a_branch_too_early() -> (Sandbox, String) {
    let s = Sandbox::repo();
    chain(&s, 1, "socialize");
    s.git(&["switch", "-qc", "impl"]).ok();
    let early = empty_commit(&s, CY, "implement it", &["Lead-Implements: 1"]);
    s.git(&["switch", "-q", "main"]).ok();
    signoff(&s, BO, 1);
    signoff(&s, CY, 1);
    transition(&s, 1, "implement", &proposal(1, "implement"));
    (s, early)
}

#[test]
fn implementing_is_judged_by_ancestry_not_by_walk_order() {
    let (s, early) = implemented_on_a_branch_too_early();
    // Main is merged into the branch, which is then fast-forwarded onto main: the
    // implementing commit still precedes the transition in its own history.
    s.git(&["switch", "-q", "impl"]).ok();
    s.git(&["merge", "-q", "--no-edit", "main"]).ok();
    s.git(&["switch", "-q", "main"]).ok();
    s.git(&["merge", "-q", "--ff-only", "impl"]).ok();
    let v = report(&s, &[], 1);
    assert_eq!(codes(&v), ["implements-early"]);
    assert_eq!(only(&v, "implements-early")["commit"], early.as_str());
    // A proposal that does not exist is named as such.
    let ghost = empty_commit(&s, CY, "implement a ghost", &["Lead-Implements: 99"]);
    let v = report(&s, &[], 1);
    let f = findings(&v)
        .iter()
        .find(|f| f["commit"] == ghost.as_str())
        .unwrap();
    assert_eq!(
        message(f),
        "this commit implements proposal 99, which does not exist"
    );
}

#[test]
fn strict_json_is_not_ok_with_warnings() {
    let s = Sandbox::repo();
    chain(&s, 1, "idea");
    empty_commit(&s, CY, "typo", &["Lead-Signof: 1"]);
    assert_eq!(report(&s, &[], 0)["ok"], true);
    assert_eq!(report(&s, &["--strict"], 1)["ok"], false);
}

#[test]
fn an_implementation_merged_in_after_the_transition_was_still_early() {
    let (s, early) = implemented_on_a_branch_too_early();
    s.git(&["merge", "-q", "--no-ff", "--no-edit", "impl"]).ok();
    let v = report(&s, &[], 1);
    assert_eq!(codes(&v), ["implements-early"]);
    assert_eq!(only(&v, "implements-early")["commit"], early.as_str());
    // Implementing on top of the transition is fine.
    empty_commit(&s, CY, "implement it again", &["Lead-Implements: 1"]);
    assert_eq!(codes(&report(&s, &[], 1)), ["implements-early"]);
}

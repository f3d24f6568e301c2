//! Attacks on sign-offs and checks, one test per attack (docs/signoffs.md, "Threat model").
//!
//! Every repository here is built with plain git (and `ssh-keygen` where keys are needed),
//! never with the tool: the proposal file is written by hand and each step is a commit
//! with the trailers `git lead advance` would have written. A pull request is a branch
//! `pr` off `main`, judged with `--base main` as CI judges it. Each test asserts the exact
//! verdict and the reason shown.

use crate::harness::{json, proposal_text, Sandbox, BO, CY, STEPS};

const EVE: &str = "Eve Evil <eve@example.com>";
const MALLORY: &str = "Mallory Mole <mallory@example.com>";
const FILE: &str = "proposals/0001-flaky-ci-costs-us-an-hour-a-day.toml";

/// Proposal 1 at step `step`, by Ada, with Bo (required) and Cy as stakeholders, every
/// step's content complete.
fn proposal(step: &str) -> String {
    proposal_text(1, step)
}

/// Cy's entry in the list of stakeholders, and Cy's strategy.
const CY_ENTRY: &str =
    "[stakeholders.cy-dee]\nwho = \"Cy Dee <cy@example.com>\"\nperspective = \"Owns the test farm\"\n";
const CY_STRATEGY: &str = "[strategy.cy-dee]\npain = \"Idle machines\"\npitch = \"Fewer reruns\"\n";

/// A commit that moves the proposal file (as it is, or the fixture's) to `step`, with the
/// trailers of a transition.
fn transition(s: &Sandbox, step: &str) {
    let text = match std::fs::read_to_string(s.dir.join(FILE)) {
        Ok(text) => {
            let line = text.lines().find(|l| l.starts_with("step = ")).unwrap();
            text.replacen(line, &format!("step = \"{step}\""), 1)
        }
        Err(_) => proposal(step),
    };
    s.write(FILE, &text);
    s.git(&["add", FILE]).ok();
    s.git(&[
        "commit",
        "-q",
        "-m",
        &format!("lead(0001): {step}"),
        "--trailer",
        "Lead-Proposal: 1",
        "--trailer",
        &format!("Lead-Step: {step}"),
    ])
    .ok();
}

/// `main` with proposal 1 in socialize, every step recorded; then `extra` on main (a
/// settings file, say), and a branch `pr` checked out.
fn base(extra: &[(&str, &str)]) -> Sandbox {
    let s = Sandbox::repo();
    for step in &STEPS[..7] {
        transition(&s, step);
    }
    for (path, text) in extra {
        s.write(path, text);
        s.git(&["add", path]).ok();
    }
    if !extra.is_empty() {
        s.git(&["commit", "-qm", "Settings"]).ok();
    }
    s.git(&["switch", "-qc", "pr"]).ok();
    s
}

/// An empty commit by `who` with the trailers given, made with plain git.
fn commit_as(s: &Sandbox, who: &str, message: &str, trailers: &[&str]) -> String {
    let mut args = vec!["commit", "-q", "--allow-empty", "-m", message];
    for t in trailers {
        args.extend(["--trailer", t]);
    }
    s.git_as(who, &args).ok();
    s.head()
}

/// A sign-off of proposal 1 by `who`, with plain git.
fn signoff(s: &Sandbox, who: &str) -> String {
    commit_as(s, who, "Sign off", &["Lead-Proposal: 1", "Lead-Signoff: 1"])
}

/// The move to implement, as the pull request's last commit.
fn to_implement(s: &Sandbox) {
    transition(s, "implement");
}

/// `signoffs 1 --json` with `args`.
fn matrix(s: &Sandbox, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["signoffs", "1", "--json"];
    all.extend_from_slice(args);
    json(&s.lead(&all).ok())
}

/// Whether the row of `key` in a matrix counts.
fn counts(m: &serde_json::Value, key: &str) -> bool {
    let rows = m["stakeholders"].as_array().expect("stakeholders");
    rows.iter()
        .find(|r| r["key"] == key)
        .unwrap_or_else(|| panic!("no row {key} in {m}"))["counts"]
        == true
}

/// The reasons given for the events that do not count, by commit.
fn rejected(m: &serde_json::Value) -> Vec<(String, String)> {
    m["rejected"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|r| {
                    (
                        r["commit"].as_str().unwrap_or_default().to_string(),
                        r["reason"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `check --base main --format json`: the exit status and the findings as (code,
/// severity, message).
fn check(s: &Sandbox, extra: &[&str]) -> (i32, Vec<(String, String, String)>) {
    let mut args = vec!["check", "--base", "main", "--format", "json"];
    args.extend_from_slice(extra);
    let run = s.lead(&args);
    let report = json(&run.stdout);
    let findings = report["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no findings in {report}\n{}", run.stderr))
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap_or_default().to_string(),
                f["severity"].as_str().unwrap_or_default().to_string(),
                f["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    (run.code, findings)
}

fn codes(findings: &[(String, String, String)]) -> Vec<&str> {
    let mut out: Vec<&str> = findings.iter().map(|f| f.0.as_str()).collect();
    out.sort();
    out
}

fn message<'a>(findings: &'a [(String, String, String)], code: &str) -> &'a str {
    &findings
        .iter()
        .find(|f| f.0 == code)
        .unwrap_or_else(|| panic!("no {code} in {findings:?}"))
        .2
}

#[test]
fn the_fixture_built_with_plain_git_is_clean() {
    let s = base(&[]);
    let (code, findings) = check(&s, &[]);
    assert_eq!((code, findings.len()), (0, 0), "{findings:?}");
    // And git reads the trailers as the tool does.
    let trailers = s
        .git(&["log", "-1", "--format=%(trailers:key=Lead-Step,valueonly)"])
        .ok();
    assert_eq!(trailers.trim(), "socialize");
}

// Identity.

#[test]
fn a_mailmap_in_the_head_only_maps_nobody_into_a_stakeholder() {
    let s = base(&[]);
    signoff(&s, CY);
    s.write(".mailmap", "Bo Chen <bo@example.com> <eve@example.com>\n");
    s.git(&["add", ".mailmap"]).ok();
    s.git_as(MALLORY, &["commit", "-qm", "Tidy the mailmap"])
        .ok();
    let forged = signoff(&s, EVE);
    // The gate of advance: open from the head's view, shut from the base's.
    let out = s.lead(&["advance", "1", "--dry-run"]).ok();
    assert!(
        out.contains("can move from socialize to implement"),
        "{out}"
    );
    let err = s
        .lead(&["advance", "1", "--dry-run", "--base", "main"])
        .fails(1);
    assert!(
        err.contains("required: not signed off by required bo-chen"),
        "{err}"
    );
    to_implement(&s);
    // git itself maps Eve to Bo with the head's .mailmap...
    let shown = s.git(&["log", "-1", "--format=%aN <%aE>", &forged]).ok();
    assert_eq!(shown.trim(), BO);
    // ...and so does the head's view; the base's does not.
    assert!(counts(&matrix(&s, &[]), "bo-chen"));
    let m = matrix(&s, &["--base", "main"]);
    assert!(!counts(&m, "bo-chen"));
    assert_eq!(m["holds"], false);
    let (code, findings) = check(&s, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        codes(&findings),
        [
            "base-mailmap-changed",
            "policy-unmet",
            "policy-unmet",
            "signoff-not-counted"
        ]
    );
    assert_eq!(
        message(&findings, "signoff-not-counted"),
        "a sign-off by Eve Evil <eve@example.com> does not count: Eve Evil <eve@example.com> \
         is not a stakeholder of proposal 1"
    );
    assert_eq!(
        message(&findings, "base-mailmap-changed"),
        "this pull request changes .mailmap: eve@example.com would count as Bo Chen \
         <bo@example.com>, not Eve Evil <eve@example.com>; the base's says who signed"
    );
    assert!(message(&findings, "policy-unmet").contains("not signed off by required bo-chen"));
    // review says so too, for the whole pull request, in JSON and in Markdown.
    let review = json(
        &s.lead(&["review", "--base", "main", "--format", "json"])
            .ok(),
    );
    assert_eq!(
        review["findings"][0]["code"], "base-mailmap-changed",
        "{review}"
    );
    let markdown = s.lead(&["review", "--base", "main"]).ok();
    assert!(
        markdown.contains("- `base-mailmap-changed` this pull request changes .mailmap: eve@example.com would count as Bo Chen &lt;bo@example.com&gt;"),
        "{markdown}"
    );
}

#[test]
fn a_mailmap_change_is_a_warning_and_an_error_with_strict() {
    let s = base(&[]);
    s.write(".mailmap", "Cy Dee <cy@example.com> <cy@old.example.com>\n");
    s.git(&["add", ".mailmap"]).ok();
    s.git(&["commit", "-qm", "Map Cy's old address"]).ok();
    let (code, findings) = check(&s, &[]);
    assert_eq!(code, 0);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].0, "base-mailmap-changed");
    assert_eq!(findings[0].1, "warning");
    assert!(findings[0]
        .2
        .contains("no author of a Lead- commit would count as someone else"));
    let (code, _) = check(&s, &["--strict"]);
    assert_eq!(code, 1);
}

/// An empty sign-off of proposal 1 authored by `author` and committed by `committer`.
fn signoff_committed_by(s: &Sandbox, author: &str, committer: &str) {
    let mut cmd = s.cmd(
        "git",
        &[
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "Sign off",
            "--trailer",
            "Lead-Proposal: 1",
            "--trailer",
            "Lead-Signoff: 1",
        ],
    );
    for (role, who) in [("AUTHOR", author), ("COMMITTER", committer)] {
        let (name, email) = who.split_once(" <").unwrap();
        cmd.env(format!("GIT_{role}_NAME"), name)
            .env(format!("GIT_{role}_EMAIL"), email.trim_end_matches('>'));
    }
    assert_eq!(s.run_with(&mut cmd).code, 0);
}

#[test]
fn the_committer_does_not_sign_the_author_does() {
    let s = base(&[]);
    // Mallory commits a sign-off that names Bo as its author: at the default level the
    // author is what counts (docs/signoffs.md: it does not defend against a forged author).
    signoff_committed_by(&s, BO, MALLORY);
    assert!(counts(&matrix(&s, &["--base", "main"]), "bo-chen"));
    // And a commit Cy made, committed by Mallory, is Cy's sign-off, not Mallory's.
    signoff_committed_by(&s, CY, MALLORY);
    let m = matrix(&s, &["--base", "main"]);
    assert!(counts(&m, "cy-dee"));
    assert_eq!(m["holds"], true);
}

#[test]
fn emails_compare_without_case_or_surrounding_spaces() {
    let s = base(&[]);
    // git keeps the author as typed; the email's case and spaces around it do not make
    // another person (as git's mailmap compares emails without case).
    signoff(&s, "Bo Chen <BO@Example.COM>");
    let m = matrix(&s, &["--base", "main"]);
    assert!(counts(&m, "bo-chen"), "{m}");
}

#[test]
fn a_look_alike_email_is_someone_else() {
    let s = base(&[]);
    // A Cyrillic "о" in place of the Latin "o".
    let forged = signoff(&s, "Bo Chen <b\u{43e}@example.com>");
    let m = matrix(&s, &["--base", "main"]);
    assert!(!counts(&m, "bo-chen"));
    let reasons = rejected(&m);
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert_eq!(reasons[0].0, forged);
    assert!(reasons[0].1.contains("not a stakeholder"), "{reasons:?}");
}

// Roster and policy.

#[test]
fn a_pull_request_that_adds_the_signer_as_a_stakeholder_gains_nothing() {
    let s = base(&[]);
    let text = proposal("socialize").replace(
        "[strategy.bo-chen]",
        "[stakeholders.eve-evil]\nwho = \"Eve Evil <eve@example.com>\"\nrole = \"\"\nperspective = \"Mine\"\nrequired = false\n\n[strategy.eve-evil]\npain = \"None\"\npitch = \"None\"\n\n[strategy.bo-chen]",
    );
    s.write(FILE, &text);
    s.git_as(EVE, &["commit", "-qam", "Add me"]).ok();
    let forged = signoff(&s, EVE);
    let m = matrix(&s, &["--base", "main"]);
    assert_eq!(
        rejected(&m),
        [(
            forged,
            "Eve Evil <eve@example.com> is not a stakeholder of proposal 1".to_string()
        )]
    );
    let (code, findings) = check(&s, &[]);
    assert_eq!(code, 0, "{findings:?}");
    assert_eq!(codes(&findings), ["base-roster-changed"]);
    assert_eq!(
        message(&findings, "base-roster-changed"),
        "this pull request changes the stakeholders of proposal 1 (adds eve@example.com); \
         their sign-offs are judged by the base's list"
    );
    // review puts it on the proposal.
    let review = json(
        &s.lead(&["review", "--base", "main", "--format", "json"])
            .ok(),
    );
    let codes: Vec<&str> = review["proposals"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["base-roster-changed"], "{review}");
    assert_eq!(review["findings"].as_array().unwrap().len(), 0, "{review}");
}

#[test]
fn a_pull_request_that_drops_or_demotes_a_required_stakeholder_does_not_escape_them() {
    for (edit, said) in [
        (
            proposal("socialize").replace("required = true", "required = false"),
            "makes bo@example.com not required",
        ),
        (
            proposal("socialize")
                .replace(
                    "[stakeholders.bo-chen]\nwho = \"Bo Chen <bo@example.com>\"\nrole = \"release manager\"\nperspective = \"Wants green builds\"\nrequired = true\n",
                    "",
                )
                .replace("[strategy.bo-chen]\npain = \"Reruns at midnight\"\npitch = \"Fewer pages\"\n", ""),
            "removes bo@example.com",
        ),
    ] {
        let s = base(&[]);
        s.write(FILE, &edit);
        s.git(&["commit", "-qam", "Simplify"]).ok();
        signoff(&s, CY);
        to_implement(&s);
        let (code, findings) = check(&s, &[]);
        assert_eq!(code, 1, "{findings:?}");
        assert_eq!(
            codes(&findings),
            ["base-roster-changed", "policy-unmet", "policy-unmet"]
        );
        assert!(message(&findings, "base-roster-changed").contains(said), "{findings:?}");
        assert!(
            message(&findings, "policy-unmet").contains("not signed off by required bo-chen"),
            "{findings:?}"
        );
    }
}

#[test]
fn a_pull_request_that_lowers_the_quorum_is_judged_by_the_base_quorum() {
    let s = base(&[(".lead.toml", "[signoff]\nquorum = \"all\"\n")]);
    s.write(".lead.toml", "[signoff]\nquorum = 1\n");
    s.git(&["commit", "-qam", "Lower the bar"]).ok();
    signoff(&s, BO);
    to_implement(&s);
    let (code, findings) = check(&s, &[]);
    assert_eq!(code, 1, "{findings:?}");
    assert_eq!(codes(&findings), ["base-policy-changed", "policy-unmet"]);
    assert_eq!(
        message(&findings, "base-policy-changed"),
        "this pull request changes the sign-off policy (quorum all -> at least 1); the base's \
         applies to it"
    );
    assert!(message(&findings, "policy-unmet").contains("1 of 2 stakeholders signed off; 2 needed"));
}

// Signatures: the allowed-signers file.

/// `main` requiring SSH signatures, with Bo's and Cy's keys listed in
/// `.lead/allowed_signers`; the keys' paths.
fn signed_base() -> (Sandbox, std::path::PathBuf, std::path::PathBuf) {
    let s = Sandbox::repo();
    let bo = s.keygen("bo_key", "bo@example.com");
    let cy = s.keygen("cy_key", "cy@example.com");
    let signers = s.signer_line("bo@example.com", &bo) + &s.signer_line("cy@example.com", &cy);
    for step in &STEPS[..7] {
        transition(&s, step);
    }
    s.write(".lead/allowed_signers", &signers);
    s.write(
        ".lead.toml",
        "[signoff]\nrequire-signed = true\nallowed-signers = \".lead/allowed_signers\"\n",
    );
    s.git(&["add", ".lead.toml", ".lead/allowed_signers"]).ok();
    s.git(&["commit", "-qm", "Require signatures"]).ok();
    s.git(&["switch", "-qc", "pr"]).ok();
    (s, bo, cy)
}

/// A sign-off by `who` signed with `key`, made with plain git.
fn signed_signoff(s: &Sandbox, who: &str, key: &std::path::Path) -> String {
    signed_signoff_dated(s, who, key, None)
}

/// [`signed_signoff`], with the author's and committer's date set to `date` when given.
fn signed_signoff_dated(
    s: &Sandbox,
    who: &str,
    key: &std::path::Path,
    date: Option<&str>,
) -> String {
    let signing = format!("user.signingkey={}", key.display());
    let mut cmd = s.as_person(
        who,
        s.cmd(
            "git",
            &[
                "-c",
                "gpg.format=ssh",
                "-c",
                &signing,
                "commit",
                "-q",
                "-S",
                "--allow-empty",
                "-m",
                "Sign off",
                "--trailer",
                "Lead-Proposal: 1",
                "--trailer",
                "Lead-Signoff: 1",
            ],
        ),
    );
    if let Some(date) = date {
        cmd.env("GIT_COMMITTER_DATE", date)
            .env("GIT_AUTHOR_DATE", date);
    }
    let run = s.run_with(&mut cmd);
    assert_eq!(run.code, 0, "{}", run.stderr);
    s.head()
}

#[test]
fn a_pull_request_that_adds_its_own_key_is_verified_with_the_base_keys() {
    let (s, _, cy) = signed_base();
    let mallory = s.keygen("mallory_key", "mallory@example.com");
    let signers = s.read(".lead/allowed_signers") + &s.signer_line("bo@example.com", &mallory);
    s.write(".lead/allowed_signers", &signers);
    s.git(&["commit", "-qam", "Rotate keys"]).ok();
    let forged = signed_signoff(&s, BO, &mallory);
    signed_signoff(&s, CY, &cy);
    to_implement(&s);
    // git verifies the forgery with the head's file, as the head's view does.
    let file = s.dir.join(".lead/allowed_signers");
    let allowed = format!("gpg.ssh.allowedSignersFile={}", file.display());
    let verified = s.git(&["-c", &allowed, "verify-commit", &forged]);
    assert_eq!(verified.code, 0, "{}", verified.stderr);
    let m = matrix(&s, &["--base", "main"]);
    assert!(!counts(&m, "bo-chen"));
    assert!(rejected(&m)
        .iter()
        .any(|(c, r)| *c == forged && r.contains("is not in the allowed-signers file")));
    let (code, findings) = check(&s, &[]);
    assert_eq!(code, 1, "{findings:?}");
    assert_eq!(
        codes(&findings),
        [
            "base-signers-changed",
            "policy-unmet",
            "policy-unmet",
            "signoff-not-counted"
        ]
    );
    let said = message(&findings, "base-signers-changed");
    assert!(said.starts_with("this pull request changes the allowed-signers file .lead/allowed_signers: adds key SHA256:"), "{said}");
    assert!(
        said.ends_with(" for bo@example.com; signatures are verified with the base's"),
        "{said}"
    );
}

#[test]
fn a_pull_request_that_makes_the_allowed_signers_file_a_symlink_is_reported() {
    let (s, bo, cy) = signed_base();
    std::fs::remove_file(s.dir.join(".lead/allowed_signers")).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", s.dir.join(".lead/allowed_signers")).unwrap();
    s.git(&["add", ".lead/allowed_signers"]).ok();
    s.git(&["commit", "-qm", "Point at the shared file"]).ok();
    signed_signoff(&s, BO, &bo);
    signed_signoff(&s, CY, &cy);
    to_implement(&s);
    let (code, findings) = check(&s, &[]);
    // The base's keys still verify both sign-offs: a warning, an error with --strict.
    assert_eq!(code, 0, "{findings:?}");
    assert_eq!(codes(&findings), ["base-signers-changed"]);
    assert!(message(&findings, "base-signers-changed").contains(": makes it a symbolic link;"));
    assert_eq!(check(&s, &["--strict"]).0, 1);
}

#[test]
fn an_allowed_signers_file_that_is_a_symlink_at_the_base_is_refused_clearly() {
    let s = Sandbox::repo();
    for step in &STEPS[..7] {
        transition(&s, step);
    }
    std::fs::create_dir_all(s.dir.join(".lead")).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", s.dir.join(".lead/allowed_signers")).unwrap();
    s.write(
        ".lead.toml",
        "[signoff]\nrequire-signed = true\nallowed-signers = \".lead/allowed_signers\"\n",
    );
    s.git(&["add", ".lead.toml", ".lead/allowed_signers"]).ok();
    s.git(&["commit", "-qm", "Keys elsewhere"]).ok();
    let main = s.head();
    let err = s.lead(&["signoffs", "1", "--base", "main"]).fails(1);
    assert_eq!(
        err.lines().next().unwrap(),
        format!(
            "error: .lead/allowed_signers at {} is a symbolic link; git lead reads its settings, \
             keys and proposals from regular files only",
            &main[..7]
        )
    );
}

// Replay: trailers that name other proposals, or name one twice.

#[test]
fn ids_compare_as_numbers_so_007_is_7_and_7_is_never_70() {
    let s = base(&[]);
    // Padded, the id is the same proposal: the file names pad it too.
    let padded = commit_as(
        &s,
        BO,
        "Sign off",
        &["Lead-Proposal: 0001", "Lead-Signoff: 001"],
    );
    // Another number is another proposal, whatever it starts with.
    commit_as(
        &s,
        CY,
        "Sign off",
        &["Lead-Proposal: 10", "Lead-Signoff: 10"],
    );
    let m = matrix(&s, &["--base", "main"]);
    assert!(counts(&m, "bo-chen"));
    assert!(!counts(&m, "cy-dee"));
    let rows = m["stakeholders"].as_array().unwrap();
    let bo = rows.iter().find(|r| r["key"] == "bo-chen").unwrap();
    assert_eq!(bo["commit"], padded.as_str());
}

#[test]
fn a_list_of_ids_in_one_trailer_is_not_read_and_says_so() {
    let s = base(&[]);
    let list = commit_as(&s, BO, "Sign off on both", &["Lead-Signoff: 1, 2"]);
    signoff(&s, CY);
    to_implement(&s);
    let m = matrix(&s, &["--base", "main"]);
    assert!(!counts(&m, "bo-chen"));
    let (code, findings) = check(&s, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        codes(&findings),
        ["bad-trailer", "policy-unmet", "policy-unmet"]
    );
    let said = message(&findings, "bad-trailer");
    assert!(said.contains("'Lead-Signoff: 1, 2'"), "{said}");
    assert!(said.contains("the value is not a proposal id"), "{said}");
    // git reads the same single value.
    let value = s
        .git(&[
            "log",
            "-1",
            "--format=%(trailers:key=Lead-Signoff,valueonly)",
            &list,
        ])
        .ok();
    assert_eq!(value.trim(), "1, 2");
}

#[test]
fn two_signoff_trailers_in_one_commit_count_once() {
    let s = base(&[]);
    commit_as(
        &s,
        BO,
        "Sign off twice",
        &["Lead-Proposal: 1", "Lead-Signoff: 1", "Lead-Signoff: 1"],
    );
    let m = matrix(&s, &["--base", "main"]);
    assert!(counts(&m, "bo-chen"));
    // One person, one sign-off: the quorum of two is not met by Bo alone.
    assert_eq!(m["holds"], false);
    let quorum = m["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "quorum")
        .unwrap()
        .clone();
    assert!(
        quorum["detail"].as_str().unwrap().starts_with("1 of 2"),
        "{quorum}"
    );
}

#[test]
fn a_signoff_on_a_branch_that_is_not_merged_does_not_count() {
    let s = base(&[]);
    s.git(&["switch", "-qc", "bo-elsewhere"]).ok();
    signoff(&s, BO);
    s.git(&["switch", "-q", "pr"]).ok();
    let m = matrix(&s, &["--base", "main"]);
    assert!(!counts(&m, "bo-chen"));
    assert!(rejected(&m).is_empty(), "{:?}", rejected(&m));
}

#[test]
fn a_signoff_made_before_the_proposal_existed_is_stale() {
    let s = Sandbox::repo();
    let early = commit_as(
        &s,
        BO,
        "Sign off in advance",
        &["Lead-Proposal: 1", "Lead-Signoff: 1"],
    );
    for step in &STEPS[..7] {
        transition(&s, step);
    }
    s.git(&["switch", "-qc", "pr"]).ok();
    let m = matrix(&s, &["--base", "main"]);
    assert!(!counts(&m, "bo-chen"));
    let rows = m["stakeholders"].as_array().unwrap();
    let bo = rows.iter().find(|r| r["key"] == "bo-chen").unwrap();
    assert_eq!(bo["commit"], early.as_str(), "{bo}");
    assert_eq!(bo["current"], false, "{bo}");
}

#[test]
fn a_signoff_made_before_the_signer_was_a_stakeholder_is_stale() {
    let s = Sandbox::repo();
    // Cy is not on the list yet when Cy signs.
    let without_cy = proposal("socialize")
        .replace(CY_ENTRY, "")
        .replace(CY_STRATEGY, "");
    for step in &STEPS[..7] {
        transition(&s, step);
        if *step == "problem" {
            let text = without_cy.replace("step = \"socialize\"", "step = \"problem\"");
            s.write(FILE, &text);
            s.git(&["commit", "-qam", "Draft"]).ok();
        }
    }
    let early = signoff(&s, CY);
    s.write(FILE, &proposal("socialize"));
    s.git(&["commit", "-qam", "Add Cy"]).ok();
    s.git(&["switch", "-qc", "pr"]).ok();
    let m = matrix(&s, &["--base", "main"]);
    let rows = m["stakeholders"].as_array().unwrap();
    let cy = rows.iter().find(|r| r["key"] == "cy-dee").unwrap();
    assert_eq!(cy["commit"], early.as_str(), "{cy}");
    assert_eq!(cy["current"], false, "{cy}");
    assert!(!counts(&m, "cy-dee"));
}

#[test]
fn a_signoff_in_a_merge_commit_counts_as_its_author_s() {
    let s = base(&[]);
    s.git(&["switch", "-qc", "side"]).ok();
    s.write("notes.txt", "n\n");
    s.git(&["add", "notes.txt"]).ok();
    s.git(&["commit", "-qm", "Notes"]).ok();
    s.git(&["switch", "-q", "pr"]).ok();
    s.git_as(
        BO,
        &[
            "merge",
            "-q",
            "--no-ff",
            "-m",
            "Merge side",
            "-m",
            "Lead-Proposal: 1\nLead-Signoff: 1",
            "side",
        ],
    )
    .ok();
    let merge = s.head();
    let parents = s.git(&["rev-list", "--parents", "-1", &merge]).ok();
    assert_eq!(parents.split_whitespace().count(), 3, "a merge commit");
    let m = matrix(&s, &["--base", "main"]);
    assert!(counts(&m, "bo-chen"), "{m}");
}

#[test]
fn forged_dates_do_not_reorder_the_history() {
    let s = base(&[]);
    // Bo's sign-off claims to be from 2001, Cy's from 2099; both come after the last edit.
    for (who, date) in [(BO, "2001-01-01T00:00:00Z"), (CY, "2099-01-01T00:00:00Z")] {
        let mut cmd = s.as_person(
            who,
            s.cmd(
                "git",
                &[
                    "commit",
                    "-q",
                    "--allow-empty",
                    "-m",
                    "Sign off",
                    "--trailer",
                    "Lead-Proposal: 1",
                    "--trailer",
                    "Lead-Signoff: 1",
                ],
            ),
        );
        cmd.env("GIT_AUTHOR_DATE", date)
            .env("GIT_COMMITTER_DATE", date);
        assert_eq!(s.run_with(&mut cmd).code, 0);
    }
    let m = matrix(&s, &["--base", "main"]);
    assert!(counts(&m, "bo-chen") && counts(&m, "cy-dee"), "{m}");
    // An edit after them makes both stale, whatever their dates say.
    s.write(
        FILE,
        &proposal("socialize").replace("Page the owner", "Page the owner now"),
    );
    let mut cmd = s.cmd("git", &["commit", "-qam", "Edit"]);
    cmd.env("GIT_AUTHOR_DATE", "2000-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2000-01-01T00:00:00Z");
    assert_eq!(s.run_with(&mut cmd).code, 0);
    let m = matrix(&s, &["--base", "main"]);
    assert!(!counts(&m, "bo-chen") && !counts(&m, "cy-dee"), "{m}");
}

// Trailers.

#[test]
fn a_proposal_block_with_one_good_and_one_malformed_value_warns() {
    let s = base(&[]);
    let c = commit_as(
        &s,
        BO,
        "Raise a concern",
        &[
            "Lead-Proposal: 1",
            "Lead-Proposal: one",
            "Lead-Concern: cost",
        ],
    );
    let (code, findings) = check(&s, &[]);
    assert_eq!(code, 0);
    let bad: Vec<&str> = findings
        .iter()
        .filter(|f| f.0 == "bad-trailer")
        .map(|f| f.2.as_str())
        .collect();
    assert_eq!(bad.len(), 2, "{findings:?}");
    assert!(
        bad[0].contains("'Lead-Proposal: one'") && bad[0].contains("not a proposal id"),
        "{bad:?}"
    );
    assert!(
        bad[1].contains("'Lead-Concern: cost'")
            && bad[1].contains("no Lead-Proposal trailer names the proposal"),
        "{bad:?}"
    );
    // The concern is not recorded against proposal 1.
    let m = matrix(&s, &["--base", "main"]);
    assert_eq!(m["concerns"].as_array().map_or(0, |a| a.len()), 0, "{m}");
    let trailers = s
        .git(&[
            "log",
            "-1",
            "--format=%(trailers:key=Lead-Proposal,valueonly,separator=%x2c)",
            &c,
        ])
        .ok();
    assert_eq!(trailers.trim(), "1,one");
}

// Signatures.

/// Writes the commit object `text` with plain git and makes it the branch's tip; its id.
fn write_commit(s: &Sandbox, text: &str) -> String {
    let id = s
        .git_stdin(&["hash-object", "-t", "commit", "-w", "--stdin"], text)
        .ok();
    let id = id.trim().to_string();
    s.git(&["reset", "-q", "--hard", &id]).ok();
    id
}

/// Asserts that Bo's sign-off does not count under the base, and gives the reason shown
/// for the first event that does not.
fn bo_not_counted(s: &Sandbox) -> String {
    let m = matrix(s, &["--base", "main"]);
    assert!(!counts(&m, "bo-chen"), "{m}");
    rejected(&m)
        .first()
        .unwrap_or_else(|| panic!("nothing rejected in {m}"))
        .1
        .clone()
}

/// `git verify-commit` of `commit` with the allowed-signers file of the working tree.
fn git_verifies(s: &Sandbox, commit: &str) -> bool {
    let file = s.dir.join(".lead/allowed_signers");
    let allowed = format!("gpg.ssh.allowedSignersFile={}", file.display());
    s.git(&["-c", &allowed, "verify-commit", commit]).code == 0
}

/// [`signed_base`] with Bo's line of the allowed-signers file given `options`.
fn signed_base_with(options: &str) -> (Sandbox, std::path::PathBuf) {
    let (s, bo, _) = signed_base();
    s.git(&["switch", "-q", "main"]).ok();
    let text = s.read(".lead/allowed_signers").replacen(
        "bo@example.com ",
        &format!("bo@example.com {options} "),
        1,
    );
    s.write(".lead/allowed_signers", &text);
    s.git(&["commit", "-qam", "Bo's key, with options"]).ok();
    s.git(&["branch", "-qf", "pr"]).ok();
    s.git(&["switch", "-q", "pr"]).ok();
    (s, bo)
}

/// Bo's sign-off signed with `key`, made at `date`.
fn signed_signoff_at(s: &Sandbox, key: &std::path::Path, date: &str) -> String {
    signed_signoff_dated(s, BO, key, Some(date))
}

#[test]
fn valid_after_and_valid_before_are_honoured_as_git_honours_them() {
    for (options, date, good) in [
        ("valid-before=\"20200101Z\"", "2026-06-01T00:00:00Z", false),
        ("valid-after=\"20990101Z\"", "2026-06-01T00:00:00Z", false),
        (
            "valid-after=\"20260101Z\",valid-before=\"20270101Z\"",
            "2026-06-01T00:00:00Z",
            true,
        ),
        // The committer's date is what counts, as git passes it to ssh-keygen.
        ("valid-before=\"20200101Z\"", "2019-06-01T00:00:00Z", true),
    ] {
        let (s, bo) = signed_base_with(options);
        let c = signed_signoff_at(&s, &bo, date);
        assert_eq!(git_verifies(&s, &c), good, "git, {options} at {date}");
        let m = matrix(&s, &["--base", "main"]);
        assert_eq!(counts(&m, "bo-chen"), good, "{options} at {date}: {m}");
        if !good {
            let (commit, reason) = &rejected(&m)[0];
            assert_eq!(commit, &c);
            assert!(reason.starts_with("key SHA256:"), "{reason}");
            assert!(
                reason.ends_with(
                    " of bo@example.com was not valid when the commit was made (its \
                     valid-after or valid-before option, against the committer's date)"
                ),
                "{reason}"
            );
        }
    }
}

#[test]
fn a_validity_time_without_a_time_zone_or_an_unknown_option_refuses_the_line() {
    for (options, said) in [
        (
            "valid-before=\"20990101\"",
            "cannot read the time '20990101': write it in UTC with a trailing Z",
        ),
        ("verify-required", "unknown option 'verify-required'"),
    ] {
        let (s, bo) = signed_base_with(options);
        signed_signoff_at(&s, &bo, "2026-06-01T00:00:00Z");
        let err = s.lead(&["signoffs", "1", "--base", "main"]).fails(1);
        let main = s.git(&["rev-parse", "--short=7", "main"]).ok();
        assert!(
            err.starts_with(&format!(
                "error: .lead/allowed_signers at {}:1:1: {said}",
                main.trim()
            )),
            "{err}"
        );
    }
}

#[test]
fn a_line_git_would_refuse_for_commits_does_not_sign_them() {
    // A key limited to other namespaces; a certificate authority's key, which ssh-keygen
    // accepts only for certificates it signed (git lead accepts no certificates at all).
    for (options, reason) in [
        (
            "namespaces=\"file\"",
            "its namespaces option leaves out 'git'",
        ),
        ("cert-authority", "is not in the allowed-signers file"),
    ] {
        let (s, bo) = signed_base_with(options);
        let c = signed_signoff_at(&s, &bo, "2026-06-01T00:00:00Z");
        assert!(!git_verifies(&s, &c), "{options}");
        let m = matrix(&s, &["--base", "main"]);
        assert!(!counts(&m, "bo-chen"), "{options}");
        assert!(rejected(&m)[0].1.contains(reason), "{options}: {m}");
    }
}

#[test]
fn a_key_listed_for_another_email_does_not_sign_as_this_one() {
    let (s, _, cy) = signed_base();
    let c = signed_signoff(&s, BO, &cy);
    // git finds the key's principal and calls the signature good, for Cy.
    assert!(git_verifies(&s, &c));
    let reason = bo_not_counted(&s);
    assert!(
        reason.ends_with("belongs to cy@example.com, not to bo@example.com"),
        "{reason}"
    );
}

#[test]
fn a_gpg_signature_where_ssh_is_required_does_not_count() {
    let (s, _, _) = signed_base();
    let gnupg = s.root().join("gnupg");
    std::fs::create_dir_all(&gnupg).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&gnupg, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let home = gnupg.to_str().unwrap();
    let made = s.run_in(
        "gpg",
        s.root(),
        &[
            "--homedir",
            home,
            "--batch",
            "--passphrase",
            "",
            "--quick-gen-key",
            BO,
            "ed25519",
            "sign",
            "never",
        ],
    );
    assert_eq!(made.code, 0, "{}", made.stderr);
    let mut cmd = s.as_person(
        BO,
        s.cmd(
            "git",
            &[
                "-c",
                "gpg.format=openpgp",
                "-c",
                "user.signingkey=bo@example.com",
                "commit",
                "-q",
                "-S",
                "--allow-empty",
                "-m",
                "Sign off",
                "--trailer",
                "Lead-Proposal: 1",
                "--trailer",
                "Lead-Signoff: 1",
            ],
        ),
    );
    cmd.env("GNUPGHOME", home);
    let run = s.run_with(&mut cmd);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let c = s.head();
    let raw = s.git(&["cat-file", "commit", &c]).ok();
    assert!(raw.contains("-----BEGIN PGP SIGNATURE-----"));
    // A good signature, for git and gpg.
    let mut verify = s.cmd("git", &["verify-commit", &c]);
    verify.env("GNUPGHOME", home);
    let verified = s.run_with(&mut verify);
    assert_eq!(verified.code, 0, "{}", verified.stderr);
    assert!(
        verified.stderr.contains("Good signature"),
        "{}",
        verified.stderr
    );
    let m = matrix(&s, &["--base", "main"]);
    assert!(!counts(&m, "bo-chen"));
    assert_eq!(
        rejected(&m),
        [(
            c,
            "the commit's signature is not an SSH signature".to_string()
        )]
    );
}

#[test]
fn a_signature_transplanted_from_another_commit_does_not_verify() {
    let (s, bo, _) = signed_base();
    let real = signed_signoff(&s, BO, &bo);
    // The same header on a commit with another message: Bo "signs" proposal 2's wording.
    let raw = s.git(&["cat-file", "commit", &real]).ok();
    let forged = raw.replace("Sign off", "Sign off, and I also approve the budget");
    let id = write_commit(&s, &forged);
    assert_eq!(s.git(&["fsck", "--no-dangling"]).code, 0);
    assert!(!git_verifies(&s, &id));
    let reason = bo_not_counted(&s);
    assert!(
        reason.ends_with("does not match the commit: it was changed after signing"),
        "{reason}"
    );
}

#[test]
fn a_signature_pasted_into_an_unsigned_message_is_no_signature() {
    let (s, bo, _) = signed_base();
    let real = signed_signoff(&s, BO, &bo);
    let raw = s.git(&["cat-file", "commit", &real]).ok();
    let armor: String = raw
        .lines()
        .skip_while(|l| !l.contains("BEGIN SSH SIGNATURE"))
        .take_while(|l| !l.is_empty())
        .map(|l| l.trim_start_matches("gpgsig ").trim().to_string() + "\n")
        .collect();
    s.git(&["reset", "-q", "--hard", "HEAD~1"]).ok();
    let pasted = commit_as(
        &s,
        BO,
        &format!("Sign off\n\n{armor}"),
        &["Lead-Proposal: 1", "Lead-Signoff: 1"],
    );
    assert!(!git_verifies(&s, &pasted));
    let m = matrix(&s, &["--base", "main"]);
    assert_eq!(
        rejected(&m),
        [(pasted, "the commit is not signed".to_string())]
    );
}

// Staleness: what a sign-off approved, against the proposal as the branch leaves it.

/// The row of `key` in a matrix.
fn row<'a>(m: &'a serde_json::Value, key: &str) -> &'a serde_json::Value {
    m["stakeholders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == key)
        .unwrap()
}

#[test]
fn an_edit_reverted_later_leaves_the_signoff_current() {
    let s = base(&[]);
    let signed = signoff(&s, BO);
    let text = s.read(FILE);
    s.write(FILE, &text.replace("Page the owner", "Page nobody"));
    s.git(&["commit", "-qam", "B"]).ok();
    assert_eq!(
        row(&matrix(&s, &["--base", "main"]), "bo-chen")["current"],
        false
    );
    // Back to what Bo approved: the content is what counts, and it is Bo's again.
    s.write(FILE, &text);
    s.git(&["commit", "-qam", "A again"]).ok();
    let m = matrix(&s, &["--base", "main"]);
    assert_eq!(row(&m, "bo-chen")["commit"], signed.as_str());
    assert_eq!(row(&m, "bo-chen")["current"], true, "{m}");
}

#[test]
fn whitespace_and_comment_edits_leave_the_signoff_current_and_a_word_does_not() {
    let s = base(&[]);
    signoff(&s, BO);
    let text = s.read(FILE);
    s.write(
        FILE,
        &(text.replace("[problem]\n", "# Reworded later, maybe.\n[problem]\n\n\n")
            + "\n# the end\n"),
    );
    s.git(&["commit", "-qam", "Layout"]).ok();
    assert_eq!(
        row(&matrix(&s, &["--base", "main"]), "bo-chen")["current"],
        true
    );
    let text = s.read(FILE);
    s.write(
        FILE,
        &text.replace("Jobs fail at random", "Jobs fail at random, rarely"),
    );
    s.git(&["commit", "-qam", "One word"]).ok();
    let edit = s.head();
    let m = matrix(&s, &["--base", "main"]);
    assert_eq!(row(&m, "bo-chen")["current"], false);
    assert_eq!(row(&m, "bo-chen")["changed_by"], edit.as_str(), "{m}");
}

#[test]
fn an_edit_in_the_signoff_commit_itself_is_what_it_approves() {
    let s = base(&[]);
    let text = s.read(FILE);
    s.write(
        FILE,
        &text.replace("Page the owner", "Page the owner twice"),
    );
    s.git_as(
        BO,
        &[
            "commit",
            "-q",
            "-am",
            "Tweak and sign",
            "--trailer",
            "Lead-Proposal: 1",
            "--trailer",
            "Lead-Signoff: 1",
        ],
    )
    .ok();
    let both = s.head();
    let m = matrix(&s, &["--base", "main"]);
    assert_eq!(row(&m, "bo-chen")["commit"], both.as_str());
    assert_eq!(row(&m, "bo-chen")["current"], true, "{m}");
}

#[test]
fn a_renamed_proposal_file_keeps_the_signoff_current() {
    let s = base(&[]);
    signoff(&s, BO);
    s.git(&["mv", FILE, "proposals/0001-flaky-ci.toml"]).ok();
    s.git(&["commit", "-qm", "Shorter name"]).ok();
    let m = matrix(&s, &["--base", "main"]);
    assert_eq!(m["file"], "proposals/0001-flaky-ci.toml");
    assert_eq!(row(&m, "bo-chen")["current"], true, "{m}");
}

// Hostile input: a clear error or a bounded run, never a hang, a panic or unbounded memory.
// (A SHA-256 repository is refused by name: bad_input.rs.)

#[test]
fn a_proposal_of_100000_stakeholders_is_refused_by_size_and_the_rest_is_checked() {
    let s = base(&[]);
    let mut text = proposal("socialize");
    let many: String = (0..100_000)
        .map(|i| {
            format!(
                "[stakeholders.s{i}]\nwho = \"S {i} <s{i}@example.com>\"\nrole = \"\"\n\
                 perspective = \"p\"\nrequired = false\n\n"
            )
        })
        .collect();
    text = text.replace("[strategy.bo-chen]", &(many + "[strategy.bo-chen]"));
    assert!(text.len() > 10_000_000);
    s.write(FILE, &text);
    s.git(&["commit", "-qam", "Everyone"]).ok();
    s.write(
        "proposals/0002-small.toml",
        &proposal("problem").replace("id = 1", "id = 2"),
    );
    s.git(&["add", "."]).ok();
    s.git(&[
        "commit",
        "-qm",
        "lead(0002): propose",
        "--trailer",
        "Lead-Proposal: 2",
        "--trailer",
        "Lead-Step: problem",
    ])
    .ok();
    let err = s.lead(&["show", "1"]).fails(1);
    assert!(
        err.starts_with(&format!(
            "error: {FILE}:1:1: the file is 10.5 MB; a proposal file may be at most 1 MB"
        )),
        "{err}"
    );
    let (code, findings) = check(&s, &[]);
    assert_eq!(code, 1);
    assert_eq!(codes(&findings), ["parse-error"]);
    assert!(message(&findings, "parse-error").contains("at most 1 MB"));
    // The other proposal is read as ever.
    assert!(s
        .lead(&["show", "2"])
        .ok()
        .contains("Flaky CI costs us an hour a day"));
}

#[test]
fn deeply_nested_toml_is_an_error_at_its_place() {
    let s = base(&[]);
    let deep = format!("x = {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    s.write(FILE, &(proposal("socialize") + &deep));
    let err = s.lead(&["show", "1"]).fails(1);
    let line = proposal("socialize").lines().count() + 1;
    assert!(
        err.starts_with(&format!("error: {FILE}:{line}:")),
        "{}",
        &err[..err.len().min(300)]
    );
    assert!(
        err.contains("max recursion depth met"),
        "{}",
        &err[..err.len().min(300)]
    );
}

#[test]
fn an_allowed_signers_file_too_large_or_malformed_is_an_error_that_names_it() {
    let (s, bo, _) = signed_base();
    signed_signoff(&s, BO, &bo);
    let key = s.signer_line("x@example.com", &bo);
    let key = key.split_once(' ').unwrap().1;
    // 10 MB of valid lines: read, in a bounded time and memory (performance.md).
    let big: String = (0..90_000)
        .map(|i| format!("user{i}@example.com {key}"))
        .collect();
    assert!(big.len() > 9_000_000);
    s.write(
        ".lead/allowed_signers",
        &(s.read(".lead/allowed_signers") + &big),
    );
    assert!(counts(&matrix(&s, &[]), "bo-chen"));
    // Past 16 MiB: refused.
    s.write(
        ".lead/allowed_signers",
        &(s.read(".lead/allowed_signers") + &big),
    );
    let err = s.lead(&["signoffs", "1"]).fails(1);
    assert!(
        err.starts_with("error: .lead/allowed_signers:1:1: the file is 18."),
        "{err}"
    );
    assert!(
        err.contains("an allowed-signers file may be at most 16 MB"),
        "{err}"
    );
    // A malformed line: named.
    s.write(
        ".lead/allowed_signers",
        &(s.read(".lead/allowed_signers")
            .lines()
            .take(2)
            .collect::<Vec<_>>()
            .join("\n")
            + "\nbo@example.com not-a-key\n"),
    );
    let err = s.lead(&["signoffs", "1"]).fails(1);
    assert_eq!(
        err.lines().next().unwrap(),
        "error: .lead/allowed_signers:3:1: expected a key type and a key"
    );
}

#[test]
fn a_10_mb_commit_message_is_read_to_its_trailers() {
    let s = base(&[]);
    let body = "word ".repeat(20) + "\n";
    let message = format!(
        "Huge\n\n{}\nLead-Proposal: 1\nLead-Signoff: 1\n",
        body.repeat(100_000)
    );
    assert!(message.len() > 10_000_000);
    let file = s.root().join("message.txt");
    std::fs::write(&file, &message).unwrap();
    s.git_as(
        BO,
        &[
            "commit",
            "-q",
            "--allow-empty",
            "-F",
            file.to_str().unwrap(),
        ],
    )
    .ok();
    let value = s
        .git(&[
            "log",
            "-1",
            "--format=%(trailers:key=Lead-Signoff,valueonly)",
        ])
        .ok();
    assert_eq!(value.trim(), "1");
    assert!(counts(&matrix(&s, &["--base", "main"]), "bo-chen"));
}

#[test]
fn an_ssh_rsa_signature_made_with_sha1_does_not_count() {
    let (s, _, _) = signed_base();
    // Bo's key is an RSA one, listed at the base.
    let rsa = s.root().join("bo_rsa");
    s.run_in(
        "ssh-keygen",
        s.root(),
        &[
            "-q",
            "-t",
            "rsa",
            "-b",
            "2048",
            "-N",
            "",
            "-f",
            rsa.to_str().unwrap(),
        ],
    )
    .ok();
    s.git(&["switch", "-q", "main"]).ok();
    let line = s.signer_line("bo@example.com", &rsa);
    s.write(
        ".lead/allowed_signers",
        &(s.read(".lead/allowed_signers") + &line),
    );
    s.git(&["commit", "-qam", "Bo's RSA key"]).ok();
    s.git(&["branch", "-qf", "pr"]).ok();
    s.git(&["switch", "-q", "pr"]).ok();
    let real = signed_signoff(&s, BO, &rsa);
    assert!(git_verifies(&s, &real));
    // The same signature, its algorithm renamed from rsa-sha2-512 to ssh-rsa (SHA-1).
    let raw = s.git(&["cat-file", "commit", &real]).ok();
    let (head, rest) = raw.split_once("gpgsig ").unwrap();
    let (sig, body) = rest.split_once("-----END SSH SIGNATURE-----\n").unwrap();
    let b64: String = sig
        .lines()
        .filter(|l| !l.contains("BEGIN SSH SIGNATURE"))
        .map(str::trim)
        .collect();
    let decoded = s.cmd("base64", &["-d"]);
    let blob = pipe(decoded, b64.as_bytes());
    let mut at = 10; // "SSHSIG" and the version
    let mut strings = Vec::new();
    for _ in 0..5 {
        let n = u32::from_be_bytes(blob[at..at + 4].try_into().unwrap()) as usize;
        strings.push(blob[at + 4..at + 4 + n].to_vec());
        at += 4 + n;
    }
    let inner = &strings[4];
    let n = u32::from_be_bytes(inner[..4].try_into().unwrap()) as usize;
    assert_eq!(&inner[4..4 + n], b"rsa-sha2-512");
    let put = |out: &mut Vec<u8>, s: &[u8]| {
        out.extend_from_slice(&(s.len() as u32).to_be_bytes());
        out.extend_from_slice(s);
    };
    let mut renamed = Vec::new();
    put(&mut renamed, b"ssh-rsa");
    renamed.extend_from_slice(&inner[4 + n..]);
    let mut forged = blob[..10].to_vec();
    for (k, part) in strings.iter().enumerate() {
        put(&mut forged, if k == 4 { &renamed } else { part });
    }
    let encoded = pipe(s.cmd("base64", &["-w", "70"]), &forged);
    let armor = format!(
        "-----BEGIN SSH SIGNATURE-----\n{}-----END SSH SIGNATURE-----",
        String::from_utf8(encoded).unwrap()
    );
    let commit = format!("{head}gpgsig {}\n{body}", armor.replace('\n', "\n "));
    let id = write_commit(&s, &commit);
    assert!(!git_verifies(&s, &id));
    let m = matrix(&s, &["--base", "main"]);
    assert!(!counts(&m, "bo-chen"));
    let (commit, reason) = &rejected(&m)[0];
    assert_eq!(commit, &id);
    // ssh-keygen refuses RSA with SHA-1 in an SSH signature; the ssh-key crate does not
    // even read one.
    assert_eq!(
        reason,
        "the commit's signature cannot be read: length invalid"
    );
}

/// The output of `cmd` given `input` on stdin.
fn pipe(mut cmd: std::process::Command, input: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut child = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    out.stdout
}

#[test]
fn a_pull_request_that_repoints_the_allowed_signers_file_is_verified_with_the_base_file() {
    let (s, _, cy) = signed_base();
    let mallory = s.keygen("mallory_key", "mallory@example.com");
    s.write(".lead/ours", &s.signer_line("bo@example.com", &mallory));
    s.write(
        ".lead.toml",
        "[signoff]\nrequire-signed = true\nallowed-signers = \".lead/ours\"\n",
    );
    s.git(&["add", "."]).ok();
    s.git(&["commit", "-qm", "Our own keys"]).ok();
    signed_signoff(&s, BO, &mallory);
    signed_signoff(&s, CY, &cy);
    to_implement(&s);
    let (code, findings) = check(&s, &[]);
    assert_eq!(code, 1, "{findings:?}");
    assert_eq!(
        codes(&findings),
        [
            "base-policy-changed",
            "policy-unmet",
            "policy-unmet",
            "signoff-not-counted"
        ]
    );
    assert_eq!(
        message(&findings, "base-policy-changed"),
        "this pull request changes the sign-off policy (allowed-signers \".lead/allowed_signers\" \
         -> \".lead/ours\"); the base's applies to it"
    );
    assert!(
        message(&findings, "signoff-not-counted").contains("is not in the allowed-signers file")
    );
}

#[test]
fn a_mailmap_file_or_blob_setting_inside_the_repository_is_read_at_the_base() {
    for (key, value) in [
        ("mailmap.file", ".team-mailmap"),
        ("mailmap.blob", "HEAD:.team-mailmap"),
    ] {
        let s = base(&[(".team-mailmap", "# who is who\n")]);
        s.git(&["config", key, value]).ok();
        signoff(&s, CY);
        s.write(
            ".team-mailmap",
            "Bo Chen <bo@example.com> <eve@example.com>\n",
        );
        s.git_as(MALLORY, &["commit", "-qam", "Team mailmap"]).ok();
        signoff(&s, EVE);
        // git maps Eve to Bo through the setting...
        let shown = s.git(&["log", "-1", "--format=%aN <%aE>"]).ok();
        assert_eq!(shown.trim(), BO, "{key}");
        // ...and under the base, the file is read as the base has it.
        let m = matrix(&s, &["--base", "main"]);
        assert!(!counts(&m, "bo-chen"), "{key}: {m}");
        let (code, findings) = check(&s, &[]);
        assert_eq!(code, 0, "{findings:?}");
        assert_eq!(codes(&findings), ["base-mailmap-changed"], "{key}");
        assert!(
            message(&findings, "base-mailmap-changed").starts_with(
                "this pull request changes the mailmap that git's mailmap.file or mailmap.blob \
                 setting names: eve@example.com would count as Bo Chen <bo@example.com>"
            ),
            "{findings:?}"
        );
    }
}

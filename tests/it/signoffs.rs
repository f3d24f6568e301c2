//! Sign-offs: every accepted and rejected case built with plain git and real ssh-keygen.

use std::path::{Path, PathBuf};

use crate::harness::{json, Sandbox, ADA, BO, CY, MALLORY};

/// The matrix as JSON.
fn matrix(s: &Sandbox, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["signoffs", "1", "--json"];
    all.extend_from_slice(args);
    json(&s.lead(&all).ok())
}

fn row<'a>(m: &'a serde_json::Value, key: &str) -> &'a serde_json::Value {
    m["stakeholders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == key)
        .unwrap()
}

fn rejected(m: &serde_json::Value) -> Vec<(String, String)> {
    m["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["commit"].as_str().unwrap().to_string(),
                r["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// `git commit -S --allow-empty` as `who`, signed with `key`, with a Lead-Signoff trailer.
fn signed_signoff(s: &Sandbox, who: &str, key: &Path, message: &str) -> String {
    s.git_as(
        who,
        &[
            "-c",
            "gpg.format=ssh",
            "-c",
            &format!("user.signingkey={}", key.display()),
            "commit",
            "-q",
            "-S",
            "--allow-empty",
            "-m",
            message,
            "--trailer",
            "Lead-Signoff: 1",
        ],
    )
    .ok();
    s.head()
}

/// A repository that requires signed sign-offs, with Bo's and Cy's keys allowed.
fn signed_repo() -> (Sandbox, PathBuf, PathBuf) {
    let s = Sandbox::repo();
    s.ready_for_signoffs();
    let bo = s.keygen("bo_key", "bo@example.com");
    let cy = s.keygen("cy_key", "cy@example.com");
    let signers = s.signer_line("bo@example.com", &bo) + &s.signer_line("cy@example.com", &cy);
    s.write(".lead/allowed_signers", &signers);
    s.write(
        ".lead.toml",
        "[signoff]\nrequire-signed = true\nallowed-signers = \".lead/allowed_signers\"\n",
    );
    s.git(&["add", ".lead.toml", ".lead/allowed_signers"]).ok();
    s.git(&["commit", "-qm", "Require signed sign-offs"]).ok();
    (s, bo, cy)
}

#[test]
fn advance_into_implement_waits_for_the_policy() {
    let s = Sandbox::repo();
    s.ready_for_signoffs();
    let err = s.lead(&["advance", "1"]).fails(1);
    assert!(
        err.contains("cannot enter implement: its sign-off policy does not hold"),
        "{err}"
    );
    assert!(
        err.contains("  required: not signed off by required bo-chen (has not signed off)"),
        "{err}"
    );
    assert!(
        err.contains("  quorum: 0 of 2 stakeholders signed off; 2 needed (majority)"),
        "{err}"
    );

    s.lead_as(BO, &["signoff", "1", "-m", "Paging settles it"])
        .ok();
    let message = s.git(&["log", "-1", "--format=%B"]).ok();
    assert_eq!(
        s.git_stdin(&["interpret-trailers", "--parse"], &message)
            .ok(),
        "Lead-Proposal: 1\nLead-Signoff: 1\n"
    );
    assert_eq!(
        s.git(&["show", "--format=", "--name-only", "HEAD"]).ok(),
        "",
        "a sign-off is an empty commit"
    );
    assert!(s
        .lead(&["advance", "1"])
        .fails(1)
        .contains("quorum: 1 of 2"));

    // A plain git sign-off counts the same.
    s.trailer_commit_as(CY, "Fine by me", "Lead-Signoff: 1")
        .ok();
    let m = matrix(&s, &[]);
    assert_eq!(m["schema"], 1);
    assert_eq!(m["holds"], true);
    assert_eq!(
        (m["signed"].as_u64(), m["needed"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(row(&m, "bo-chen")["comment"], "Paging settles it");
    let table = s.lead(&["signoffs", "1"]).ok();
    assert!(
        table.contains("The policy holds: proposal 1 may enter implement."),
        "{table}"
    );

    // A concern blocks until resolved.
    s.lead_as(
        CY,
        &["concern", "1", "cost", "The farm needs two more machines"],
    )
    .ok();
    let err = s.lead(&["advance", "1", "--dry-run"]).fails(1);
    assert!(err.contains("concerns: open: cost"), "{err}");
    let err = s.lead_as(BO, &["resolve", "1", "cost"]).fails(2);
    assert!(
        err.contains("only Cy Dee <cy@example.com> (who raised it) or the author"),
        "{err}"
    );
    let err = s.lead(&["resolve", "1", "cost"]).fails(2);
    assert!(err.contains("with --comment giving the reason"), "{err}");
    s.lead(&[
        "resolve",
        "1",
        "cost",
        "--comment",
        "Finance approved the machines",
    ])
    .ok();
    s.lead(&["advance", "1"]).ok();
    assert_eq!(
        json(&s.lead(&["show", "1", "--json"]).ok())["step"],
        "implement"
    );

    let log = s.lead(&["log", "1"]).ok();
    assert!(
        log.contains("signed off") && log.contains("concern cost") && log.contains("resolved cost"),
        "{log}"
    );
    let shown = s.lead(&["show", "1"]).ok();
    assert!(shown.contains("Sign-offs: 2 of 2 stakeholders signed off (2 needed), 0 open concern(s): the policy holds"), "{shown}");
}

#[test]
fn outsiders_the_author_and_withdrawn_signoffs_do_not_count() {
    let s = Sandbox::repo();
    s.ready_for_signoffs();
    s.git_as(
        MALLORY,
        &[
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "me too",
            "--trailer",
            "Lead-Signoff: 1",
        ],
    )
    .ok();
    let mallory = s.head();
    s.git_as(
        ADA,
        &[
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "mine",
            "--trailer",
            "Lead-Signoff: 1",
        ],
    )
    .ok();
    let ada = s.head();
    s.lead_as(BO, &["signoff", "1"]).ok();
    s.lead_as(
        BO,
        &[
            "signoff",
            "1",
            "--withdraw",
            "-m",
            "Wait for the cost numbers",
        ],
    )
    .ok();
    let withdrawn = s.head();
    let m = matrix(&s, &[]);
    let reasons = rejected(&m);
    assert_eq!(
        reasons[0],
        (
            mallory,
            "Mallory Mole <mallory@example.com> is not a stakeholder of proposal 1".into()
        )
    );
    assert_eq!(reasons[1].0, ada);
    assert!(reasons[1]
        .1
        .contains("the author's own sign-off never counts"));
    assert_eq!(row(&m, "bo-chen")["state"], "withdrawn");
    assert_eq!(row(&m, "bo-chen")["commit"], withdrawn.as_str());
    assert_eq!(m["signed"], 0);
    // The commands refuse what would not count.
    assert!(s
        .lead_as(MALLORY, &["signoff", "1"])
        .fails(2)
        .contains("is not a stakeholder of proposal 1"));
    assert!(s
        .lead(&["signoff", "1"])
        .fails(2)
        .contains("the author's own sign-off never counts"));
    // Signing again wins over the withdrawal.
    s.lead_as(BO, &["signoff", "1"]).ok();
    assert_eq!(row(&matrix(&s, &[]), "bo-chen")["counts"], true);
}

#[test]
fn a_signoff_counts_only_for_the_proposal_it_names() {
    let s = Sandbox::repo();
    s.ready_for_signoffs();
    s.lead(&["propose", "Second", "--problem", "p", "--affected", "a"])
        .ok();
    s.lead(&["stakeholder", "2", BO, "--perspective", "p"]).ok();
    s.git(&["commit", "-qam", "Bo on 2"]).ok();
    s.git_as(
        BO,
        &[
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "ok",
            "--trailer",
            "Lead-Proposal: 2",
            "--trailer",
            "Lead-Signoff: 1",
        ],
    )
    .ok();
    let second = json(&s.lead(&["signoffs", "2", "--json"]).ok());
    assert_eq!(row(&second, "bo-chen")["state"], "not-signed");
    assert_eq!(row(&matrix(&s, &[]), "bo-chen")["state"], "signed");
}

#[test]
fn a_material_edit_makes_a_signoff_stale_and_a_transition_does_not() {
    let s = Sandbox::repo();
    s.ready_for_signoffs();
    s.lead_as(BO, &["signoff", "1"]).ok();
    s.lead_as(CY, &["signoff", "1"]).ok();
    s.lead(&["advance", "1"]).ok();
    assert_eq!(
        row(&matrix(&s, &[]), "bo-chen")["current"],
        true,
        "a transition leaves it current"
    );
    let file = s.proposal_file(1);
    s.write(
        &file,
        &s.read(&file)
            .replace("plan = \"\"", "plan = \"Start with the API tests\""),
    );
    let m = matrix(&s, &[]);
    assert_eq!(row(&m, "bo-chen")["current"], false);
    assert_eq!(
        row(&m, "bo-chen")["changed_by"],
        "by uncommitted changes in the working tree"
    );
    s.git(&["commit", "-qam", "Plan the first move"]).ok();
    let edit = s.head();
    let m = matrix(&s, &[]);
    assert_eq!(row(&m, "bo-chen")["changed_by"], edit.as_str());
    assert_eq!(m["holds"], false);
    let table = s.lead(&["signoffs", "1"]).ok();
    assert!(
        table.contains(&format!("stale: changed in commit {}", &edit[..7])),
        "{table}"
    );
    // A new sign-off approves the new content.
    s.lead_as(BO, &["signoff", "1"]).ok();
    assert_eq!(row(&matrix(&s, &[]), "bo-chen")["current"], true);
}

#[test]
fn a_signer_removed_from_the_stakeholders_no_longer_counts() {
    let s = Sandbox::repo();
    s.ready_for_signoffs();
    s.lead_as(CY, &["signoff", "1"]).ok();
    let cy = s.head();
    let file = s.proposal_file(1);
    let text = s.read(&file);
    let start = text.find("[stakeholders.cy-dee]").unwrap();
    let end = text[start..]
        .find("\n\n")
        .map_or(text.len(), |i| start + i + 1);
    let mut text = text[..start].to_string() + &text[end..];
    let start = text.find("[strategy.cy-dee]").unwrap();
    let end = text[start..]
        .find("\n\n")
        .map_or(text.len(), |i| start + i + 1);
    text = text[..start].to_string() + &text[end..];
    s.write(&file, &text);
    let m = matrix(&s, &[]);
    assert_eq!(
        rejected(&m),
        [(
            cy,
            "Cy Dee <cy@example.com> is not a stakeholder of proposal 1".to_string()
        )]
    );
}

#[test]
fn signed_signoffs_are_verified_in_process() {
    let (s, bo, cy) = signed_repo();
    let mallory = s.keygen("mallory_key", "mallory@example.com");
    // Accepted: plain `git commit -S --trailer`.
    let good = signed_signoff(&s, BO, &bo, "Signed with my key");
    // Rejected: the author forged to Bo, unsigned.
    s.git_as(
        BO,
        &[
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "forged",
            "--trailer",
            "Lead-Signoff: 1",
        ],
    )
    .ok();
    let unsigned = s.head();
    // Rejected: a key that is not in the allowed-signers file.
    let unknown = signed_signoff(&s, BO, &mallory, "Mallory's key");
    // Rejected: a listed key that belongs to another email (Cy's key on Bo's commit).
    let other = signed_signoff(&s, BO, &cy, "Cy's key");
    let m = matrix(&s, &[]);
    let reasons = rejected(&m);
    assert_eq!(reasons[0], (unsigned, "the commit is not signed".into()));
    assert_eq!(reasons[1].0, unknown);
    assert!(
        reasons[1].1.contains("is not in the allowed-signers file"),
        "{}",
        reasons[1].1
    );
    assert_eq!(reasons[2].0, other);
    assert!(
        reasons[2]
            .1
            .ends_with("belongs to cy@example.com, not to bo@example.com"),
        "{}",
        reasons[2].1
    );
    // The last valid event wins: Bo's good sign-off still stands.
    let bo_row = row(&m, "bo-chen");
    assert_eq!(bo_row["commit"], good.as_str());
    assert!(bo_row["verified_key"]
        .as_str()
        .unwrap()
        .starts_with("SHA256:"));
    // git agrees that the accepted commit is good.
    let allowed = s.dir.join(".lead/allowed_signers");
    let verify = s.git(&[
        "-c",
        &format!("gpg.ssh.allowedSignersFile={}", allowed.display()),
        "verify-commit",
        &good,
    ]);
    assert_eq!(verify.code, 0, "{verify:?}");
}

#[test]
fn a_message_changed_after_signing_is_rejected() {
    let (s, bo, _) = signed_repo();
    signed_signoff(&s, BO, &bo, "Looks good");
    let raw = s.git(&["cat-file", "commit", "HEAD"]).ok();
    let tampered = raw.replace("Looks good", "Looks great");
    assert_ne!(raw, tampered);
    let id = s
        .git_stdin(&["hash-object", "-t", "commit", "-w", "--stdin"], &tampered)
        .ok();
    let id = id.trim();
    s.git(&["update-ref", "HEAD", id]).ok();
    let m = matrix(&s, &[]);
    let reasons = rejected(&m);
    assert_eq!(reasons[0].0, id);
    assert!(
        reasons[0]
            .1
            .contains("does not match the commit: it was changed after signing"),
        "{}",
        reasons[0].1
    );
    assert_eq!(row(&m, "bo-chen")["state"], "not-signed");
}

#[test]
fn the_base_decides_trust_never_the_head() {
    let (s, bo, cy) = signed_repo();
    s.git(&["switch", "-qc", "pr"]).ok();
    // The pull request adds Mallory's key for Bo's email and lowers the quorum.
    let mallory = s.keygen("mallory_key", "mallory@example.com");
    let signers = s.read(".lead/allowed_signers") + &s.signer_line("bo@example.com", &mallory);
    s.write(".lead/allowed_signers", &signers);
    s.write(".lead.toml", &(s.read(".lead.toml") + "quorum = 1\n"));
    s.git(&["commit", "-qam", "Trust me"]).ok();
    let forged = signed_signoff(&s, BO, &mallory, "Signed by Mallory as Bo");
    // Read from the head, the forgery passes...
    assert_eq!(row(&matrix(&s, &[]), "bo-chen")["counts"], true);
    // ...read from the base, it does not, and the quorum is the base's.
    let m = matrix(&s, &["--base", "main"]);
    assert_eq!(m["base"], s.git(&["rev-parse", "main"]).ok().trim());
    assert_eq!(m["policy"]["quorum"], "majority");
    assert_eq!(rejected(&m)[0].0, forged);
    assert!(rejected(&m)[0]
        .1
        .contains("is not in the allowed-signers file"));
    let err = s
        .lead(&["advance", "1", "--dry-run", "--base", "main"])
        .fails(1);
    assert!(
        err.contains("required: not signed off by required bo-chen"),
        "{err}"
    );
    // Real signatures by both count under the base's rules.
    signed_signoff(&s, BO, &bo, "Bo for real");
    signed_signoff(&s, CY, &cy, "Cy agrees");
    assert_eq!(matrix(&s, &["--base", "main"])["holds"], true);
    let out = s
        .lead(&["advance", "1", "--dry-run", "--base", "main"])
        .ok();
    assert!(
        out.contains("can move from socialize to implement"),
        "{out}"
    );
}

#[test]
fn signoffs_from_a_branch_and_from_another_clone_count() {
    let (s, bo, cy) = signed_repo();
    // Merged in from a branch.
    s.git(&["switch", "-qc", "review"]).ok();
    signed_signoff(&s, BO, &bo, "Reviewed on a branch");
    s.git(&["switch", "-q", "main"]).ok();
    s.git(&["merge", "-q", "--no-ff", "--no-edit", "review"])
        .ok();
    // Made in another clone with `git lead signoff`, signing as configured there, fetched.
    let other = s.root().join("cy-clone");
    s.git(&[
        "clone",
        "-q",
        s.dir.to_str().unwrap(),
        other.to_str().unwrap(),
    ])
    .ok();
    let configure = |k: &str, v: &str| s.run_in("git", &other, &["config", k, v]).ok();
    configure("user.name", "Cy Dee");
    configure("user.email", "cy@example.com");
    configure("commit.gpgsign", "true");
    configure("gpg.format", "ssh");
    configure("user.signingkey", cy.to_str().unwrap());
    s.lead_in(&other, &["signoff", "1", "-m", "From my machine"])
        .ok();
    s.git(&["fetch", "-q", other.to_str().unwrap(), "main:from-cy"])
        .ok();
    s.git(&["merge", "-q", "--no-edit", "from-cy"]).ok();
    let m = matrix(&s, &[]);
    assert!(rejected(&m).is_empty(), "{:?}", rejected(&m));
    assert_eq!(row(&m, "bo-chen")["counts"], true);
    assert_eq!(row(&m, "cy-dee")["counts"], true);
    assert_eq!(row(&m, "cy-dee")["comment"], "From my machine");
    assert_eq!(m["holds"], true);
}

#[test]
fn a_squash_merge_strands_signoffs_and_says_so() {
    let s = Sandbox::repo();
    s.ready_for_signoffs();
    s.git(&["switch", "-qc", "review"]).ok();
    s.write("notes.txt", "n\n");
    s.git(&["add", "notes.txt"]).ok();
    s.git(&["commit", "-qm", "notes"]).ok();
    s.lead_as(BO, &["signoff", "1"]).ok();
    s.git(&["switch", "-q", "main"]).ok();
    s.git(&["merge", "-q", "--squash", "review"]).ok();
    s.git(&["commit", "-q", "--no-edit"]).ok();
    let squash = s.head();
    let out = s.lead(&["signoffs", "1"]);
    assert_eq!(out.code, 0);
    assert!(
        out.stderr.contains(&format!(
            "warning: commit {} has 'Lead-Signoff: 1'",
            &squash[..7]
        )),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("squash merge"), "{}", out.stderr);
    let m = matrix(&s, &[]);
    assert_eq!(row(&m, "bo-chen")["state"], "not-signed");
    assert_eq!(m["stranded"][0]["commit"], squash.as_str());
    assert!(s
        .lead(&["log", "1"])
        .stderr
        .contains("outside the final trailer block"));
}

#[test]
fn bad_signoff_input() {
    let s = Sandbox::repo();
    s.ready_for_signoffs();
    let file = s.proposal_file(1);
    s.write(&file, &(s.read(&file) + "\n# unsaved\n"));
    let err = s.lead_as(BO, &["signoff", "1"]).fails(2);
    assert!(err.contains("has changes that are not committed"), "{err}");
    s.git(&["checkout", "--", &file]).ok();
    assert!(s
        .lead_as(BO, &["resolve", "1", "nothing"])
        .fails(1)
        .contains("proposal 1 has no open concern 'nothing'"));
    assert!(s
        .lead_as(BO, &["concern", "1", "two words", "x"])
        .fails(2)
        .contains("is not a concern name"));
    s.write(".lead.toml", "[signoff]\nquorum = \"most\"\n");
    let err = s.lead(&["signoffs", "1"]).fails(1);
    assert!(err.contains(".lead.toml:2:10: `signoff.quorum`"), "{err}");
    s.write(
        ".lead.toml",
        "[signoff]\nrequire-signed = true\nallowed-signers = \"keys\"\n",
    );
    s.write("keys", "bo@example.com ssh-ed25519 garbage\n");
    let err = s.lead(&["signoffs", "1"]).fails(1);
    assert!(err.contains("keys:1:1: cannot read the key"), "{err}");
    let err = s.lead(&["signoffs", "1", "--base", "nowhere"]).fails(1);
    assert!(err.contains("unknown revision 'nowhere'"), "{err}");
}

#[test]
fn trust_edges_named_plainly() {
    let (s, bo, _) = signed_repo();
    // An unsigned sign-off where signatures are required: recorded, with a warning.
    let out = s.lead_as(BO, &["signoff", "1"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr
            .contains("warning: this repository counts only signed sign-offs"),
        "{}",
        out.stderr
    );
    // A key whose namespaces leave out git.
    let signers = s.read(".lead/allowed_signers").replacen(
        "bo@example.com ",
        "bo@example.com namespaces=\"file\" ",
        1,
    );
    s.write(".lead/allowed_signers", &signers);
    let commit = signed_signoff(&s, BO, &bo, "Signed");
    let m = matrix(&s, &[]);
    let reason = rejected(&m)
        .into_iter()
        .find(|(c, _)| *c == commit)
        .unwrap()
        .1;
    assert!(
        reason.contains("of bo@example.com is not allowed to sign commits"),
        "{reason}"
    );
    // A missing allowed-signers file is named.
    std::fs::remove_file(s.dir.join(".lead/allowed_signers")).unwrap();
    let m = matrix(&s, &[]);
    assert!(
        rejected(&m)[0]
            .1
            .contains("the allowed-signers file .lead/allowed_signers does not exist"),
        "{:?}",
        rejected(&m)
    );
}

#[test]
fn a_p521_key_is_verified_like_any_other() {
    let (s, _, _) = signed_repo();
    let key = s.root().join("bo_p521");
    s.run_in(
        "ssh-keygen",
        s.root(),
        &[
            "-q",
            "-t",
            "ecdsa",
            "-b",
            "521",
            "-N",
            "",
            "-C",
            "bo",
            "-f",
            key.to_str().unwrap(),
        ],
    )
    .ok();
    s.write(
        ".lead/allowed_signers",
        &(s.read(".lead/allowed_signers") + &s.signer_line("bo@example.com", &key)),
    );
    s.git(&["commit", "-qam", "Bo's second key"]).ok();
    signed_signoff(&s, BO, &key, "With my P-521 key");
    let m = matrix(&s, &[]);
    assert!(rejected(&m).is_empty(), "{:?}", rejected(&m));
    assert_eq!(row(&m, "bo-chen")["counts"], true);
}

#[test]
fn the_signoff_command_sees_authors_through_mailmap() {
    let s = Sandbox::repo();
    s.ready_for_signoffs();
    s.write(
        ".mailmap",
        "Bo Chen <bo@example.com> <bochen@home.example>\n",
    );
    s.git(&["add", ".mailmap"]).ok();
    s.git(&["commit", "-qm", "mailmap"]).ok();
    s.lead_as("Bo at home <bochen@home.example>", &["signoff", "1"])
        .ok();
    assert_eq!(row(&matrix(&s, &[]), "bo-chen")["counts"], true);
}

/// Long enough that the walk splits its folder work between threads.
#[test]
fn in_a_long_history_the_edit_that_made_a_signoff_stale_is_the_one_git_log_finds() {
    let s = Sandbox::repo();
    s.ready_for_signoffs();
    s.lead_as(BO, &["signoff", "1"]).ok();
    let file = s.proposal_file(1);
    let text = s.read(&file);
    let branch = s.git(&["symbolic-ref", "HEAD"]).ok().trim().to_string();
    let start: i64 = s
        .git(&["log", "-1", "--format=%ct"])
        .ok()
        .trim()
        .parse()
        .unwrap();
    // 1,500 commits, each changing a note in the proposal folder; a side branch merged in;
    // the proposal edited twice: a comment only (same content), then for real.
    let blob = |path: &str, content: &str| {
        format!(
            "M 100644 inline {path}\ndata {}\n{content}\n",
            content.len()
        )
    };
    let mut stream = String::new();
    let mut parent = s.head();
    for n in 1..=1500 {
        let message = format!("Note {n}");
        let mut body = blob("proposals/notes.txt", &format!("note {n}\n"));
        let mut merge = String::new();
        match n {
            300 => {
                stream += &format!(
                    "commit refs/heads/side\nmark :1\ncommitter Dana Wu <dana@example.com> {} +0000\ndata 4\nside\nfrom {parent}\n{}\n",
                    start + 300 * 60 - 30,
                    blob("proposals/side.txt", "side\n")
                );
                merge = "merge :1\n".into();
            }
            700 => body += &blob(&file, &format!("{text}\n# A comment changes nothing.\n")),
            1100 => {
                body += &blob(
                    &file,
                    &text.replace("plan = \"\"", "plan = \"Start small\""),
                );
            }
            _ => {}
        }
        stream += &format!(
            "commit {branch}\nmark :{}\ncommitter Dana Wu <dana@example.com> {} +0000\ndata {}\n{message}\nfrom {parent}\n{merge}{body}\n",
            n + 1,
            start + n * 60,
            message.len()
        );
        parent = format!(":{}", n + 1);
    }
    s.git_stdin(&["fast-import", "--quiet"], &stream).ok();
    s.git(&["reset", "-q", "--hard"]).ok();
    let edits = s.git(&["log", "--format=%H", "--", &file]).ok();
    let edits: Vec<&str> = edits.lines().collect();
    let (material, comment) = (edits[0], edits[1]);
    assert_eq!(
        s.git(&["log", "-1", "--format=%s", material]).ok(),
        "Note 1100\n"
    );
    assert_eq!(
        s.git(&["log", "-1", "--format=%s", comment]).ok(),
        "Note 700\n"
    );
    // Cold, then warm from the cache the first run left, then without a cache.
    for (what, args) in [
        ("cold", &[][..]),
        ("warm", &[][..]),
        ("no cache", &["-c", "lead.cache=false"][..]),
    ] {
        let mut all = args.to_vec();
        all.extend(["lead", "signoffs", "1", "--json"]);
        let m = json(&s.git(&all).ok());
        assert_eq!(row(&m, "bo-chen")["changed_by"], material, "{what}");
    }
    // The threads open the repository as the command did: here through GIT_DIR and
    // GIT_WORK_TREE, from outside it.
    let outside = s.dir.parent().unwrap();
    let mut cmd = s.cmd(
        "git",
        &["-c", "lead.cache=false", "lead", "signoffs", "1", "--json"],
    );
    cmd.current_dir(outside)
        .env("GIT_DIR", s.dir.join(".git"))
        .env("GIT_WORK_TREE", &s.dir);
    let m = json(&s.run_with(&mut cmd).ok());
    assert_eq!(row(&m, "bo-chen")["changed_by"], material, "GIT_DIR");
}

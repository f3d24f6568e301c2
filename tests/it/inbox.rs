//! `git lead inbox`: what waits on each person of a seeded repository, compared with what
//! `signoffs --json` says of the same proposal.

use crate::harness::{json, Sandbox, ADA, BO, CY};

const DANA: &str = "Dana Wu <dana@example.com>";

/// `inbox --json` as `who`: the items as (kind, command).
fn items(s: &Sandbox, who: &str) -> Vec<(String, String)> {
    let v = json(&s.lead(&["inbox", "--as", who, "--json"]).ok());
    assert_eq!(v["schema"], 1);
    assert_eq!(v["who"], who);
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            assert_eq!(i["proposal"], 1);
            (
                i["kind"].as_str().unwrap().to_string(),
                i["command"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pair(kind: &str, command: &str) -> (String, String) {
    (kind.to_string(), command.to_string())
}

/// Whether stakeholder `key`'s sign-off counts, as `signoffs --json` says.
fn counts(s: &Sandbox, key: &str) -> bool {
    let m = json(&s.lead(&["signoffs", "1", "--json"]).ok());
    m["stakeholders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == key)
        .unwrap()["counts"]
        == true
}

#[test]
fn each_person_sees_what_waits_on_them() {
    let s = Sandbox::repo();
    s.ready_for_signoffs();
    // Bo and Cy owe sign-offs; Ada waits on them.
    assert!(!counts(&s, "bo-chen"));
    assert_eq!(items(&s, BO), [pair("signoff", "git lead signoff 1")]);
    assert_eq!(items(&s, CY), [pair("signoff", "git lead signoff 1")]);
    assert_eq!(items(&s, ADA), [pair("next", "git lead signoffs 1")]);
    // Ada's own identity is git's: the same inbox without --as.
    let mine = s.lead(&["inbox"]).ok();
    assert!(mine.starts_with("What waits on Ada Lovelace <ada@example.com>: 1 item(s)\n\n1 Flaky CI costs us an hour a day [socialize]\n  waiting on sign-offs: 0 of 2 signed, 2 needed"), "{mine}");
    assert!(mine.ends_with("\n    git lead signoffs 1\n"), "{mine}");

    // Bo signs: nothing waits on him. Cy raises a concern instead.
    s.lead_as(BO, &["signoff", "1"]).ok();
    assert!(counts(&s, "bo-chen"));
    assert!(items(&s, BO).is_empty());
    let out = s.lead(&["inbox", "--as", BO]).ok();
    assert_eq!(out, "Nothing waits on Bo Chen <bo@example.com>.\n");
    s.lead_as(CY, &["concern", "1", "cost", "Who pays for the farm?"])
        .ok();
    // Cy now waits on the concern's resolution, not on a sign-off of Cy's own.
    assert_eq!(items(&s, CY), [pair("concern", "git lead resolve 1 cost")]);

    // Dana gives feedback: Ada is to answer it, Dana waits for the answer.
    s.lead(&["feedback", "1", "Page the owner at once", "--from", DANA])
        .ok();
    s.git(&["commit", "-qam", "Feedback from Dana"]).ok();
    let ada = items(&s, ADA);
    assert_eq!(
        ada[0],
        pair(
            "answer",
            "git lead respond 1 F2 --incorporated|--declined \"...\""
        )
    );
    assert_eq!(items(&s, DANA), [pair("feedback-given", "git lead show 1")]);
    // The edit made Bo's sign-off stale: he is asked to renew it.
    assert!(!counts(&s, "bo-chen"));
    assert_eq!(items(&s, BO), [pair("renew", "git lead signoff 1")]);
    // The line names the commit that changed it, short, as git would.
    let head = s.git(&["rev-parse", "--short=7", "HEAD"]).ok();
    let out = s.lead(&["inbox", "--as", BO]).ok();
    assert!(
        out.contains(&format!("the proposal changed in commit {}", head.trim())),
        "{out}"
    );
}

#[test]
fn an_unknown_or_malformed_identity_is_an_error() {
    let s = Sandbox::repo();
    s.ready_for_signoffs();
    let err = s
        .lead(&["inbox", "--as", "Zed Zee <zed@example.com>"])
        .fails(2);
    assert!(
        err.starts_with(
            "error: no proposal names zed@example.com as its author, a stakeholder or a giver \
             of feedback"
        ),
        "{err}"
    );
    let err = s.lead(&["inbox", "--as", "zed"]).fails(2);
    assert!(
        err.starts_with("error: --as takes a person as \"Name <email>\", not 'zed'"),
        "{err}"
    );
}

#[test]
fn an_empty_repository_has_nothing_waiting() {
    let s = Sandbox::repo();
    let out = s.lead(&["inbox"]).ok();
    assert_eq!(out, "Nothing waits on Ada Lovelace <ada@example.com>.\n");
}

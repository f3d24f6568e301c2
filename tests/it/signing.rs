//! `commit.gpgsign` with `gpg.format=ssh`: transition commits are signed as git would sign
//! them, and a failure to sign never yields an unsigned commit.

use crate::harness::Sandbox;

fn keygen(s: &Sandbox, name: &str) -> std::path::PathBuf {
    let key = s.root().join(name);
    s.run_in(
        "ssh-keygen",
        s.root(),
        &[
            "-q",
            "-t",
            "ed25519",
            "-N",
            "",
            "-C",
            "ada@example.com",
            "-f",
            key.to_str().unwrap(),
        ],
    )
    .ok();
    key
}

#[test]
fn transitions_are_signed_when_git_is_told_to_sign() {
    let s = Sandbox::repo();
    let key = keygen(&s, "ada_key");
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    let allowed = s.root().join("allowed_signers");
    std::fs::write(&allowed, format!("ada@example.com {public}")).unwrap();
    s.git(&["config", "commit.gpgsign", "true"]).ok();
    s.git(&["config", "gpg.format", "ssh"]).ok();
    s.git(&["config", "user.signingkey", key.to_str().unwrap()])
        .ok();
    s.git(&[
        "config",
        "gpg.ssh.allowedSignersFile",
        allowed.to_str().unwrap(),
    ])
    .ok();
    s.lead(&["propose", "Signed", "--problem", "p", "--affected", "a"])
        .ok();
    s.lead(&["advance", "1"]).ok();
    for rev in ["HEAD", "HEAD~1"] {
        let verified = s.git(&["verify-commit", "-v", rev]);
        assert_eq!(verified.code, 0, "{verified:?}");
        assert!(
            verified
                .stderr
                .contains("Good \"git\" signature for ada@example.com"),
            "{}",
            verified.stderr
        );
    }
}

#[test]
fn a_signing_failure_makes_no_commit() {
    let s = Sandbox::repo();
    s.lead(&["propose", "Unsigned", "--problem", "p", "--affected", "a"])
        .ok();
    s.git(&["config", "commit.gpgsign", "true"]).ok();
    s.git(&["config", "gpg.format", "ssh"]).ok();
    let head = s.head();
    let err = s.lead(&["advance", "1"]).fails(1);
    assert!(
        err.contains("cannot sign the commit") && err.contains("user.signingkey"),
        "{err}"
    );
    s.git(&["config", "user.signingkey", "/nonexistent/key"])
        .ok();
    let err = s.lead(&["advance", "1"]).fails(1);
    assert!(
        err.contains("cannot sign the commit: ssh-keygen failed"),
        "{err}"
    );
    assert_eq!(s.head(), head);
    assert_eq!(s.git(&["status", "--porcelain"]).ok(), "");
}

//! Every kind of bad input: a clear error naming what is wrong, and nothing lost.

use crate::harness::Sandbox;

#[test]
fn not_a_repository_and_bare_repository() {
    let s = Sandbox::bare_home("norepo");
    let err = s.lead(&["list"]).fails(1);
    assert!(err.starts_with("error: not a git repository"), "{err}");
    assert!(err.contains("hint: "), "{err}");
    s.git(&["init", "-q", "--bare", "."]).ok();
    let err = s.lead(&["list"]).fails(1);
    assert!(err.contains("is a bare repository"), "{err}");
}

#[test]
fn a_sha256_repository_is_refused_by_name_and_left_as_it_was() {
    let s = Sandbox::bare_home("sha256");
    s.write_home_config("[user]\n\tname = Ada Lovelace\n\temail = ada@example.com\n");
    s.git(&["init", "-q", "--object-format=sha256", "-b", "main", "."])
        .ok();
    s.write("README", "hello\n");
    s.git(&["add", "README"]).ok();
    s.git(&["commit", "-qm", "first"]).ok();
    let head = s.head();
    for argv in [
        &["propose", "Slow reviews"][..],
        &["list"][..],
        &["check"][..],
        &["log", "1"][..],
    ] {
        let err = s.lead(argv).fails(1);
        let git_dir = s.dir.join(".git");
        assert!(
            err.starts_with(&format!(
                "error: {} is a sha256 repository; git lead reads SHA-1 repositories only\nhint: ",
                git_dir.display()
            )),
            "{argv:?}: {err}"
        );
    }
    // From a folder below, the same repository is named.
    std::fs::create_dir_all(s.dir.join("sub")).unwrap();
    let err = s.lead_in(&s.dir.join("sub"), &["list"]).fails(1);
    assert!(
        err.contains(&format!("{} is a sha256", s.dir.join(".git").display())),
        "{err}"
    );
    assert_eq!(s.head(), head);
    assert_eq!(s.git(&["status", "--porcelain", "--ignored"]).ok(), "");
}

#[test]
fn an_unknown_id_and_an_unknown_step() {
    let s = Sandbox::repo();
    s.lead(&["propose", "First"]).ok();
    let err = s.lead(&["show", "9"]).fails(1);
    assert!(err.contains("error: no proposal with id 9"), "{err}");
    let err = s.lead(&["show", "nine"]).fails(2);
    assert!(err.contains("'nine' is not a proposal id"), "{err}");
    let err = s.lead(&["advance", "1", "--to", "ideas"]).fails(2);
    assert!(
        err.contains("unknown step 'ideas'") && err.contains("problem, idea, alternatives"),
        "{err}"
    );
    let err = s.lead(&["critique", "1", "I7", "--band-aid", "x"]).fails(1);
    assert!(err.contains("proposal 1 has no idea 'I7'"), "{err}");
}

#[test]
fn a_malformed_proposal_is_located_and_never_written() {
    let s = Sandbox::repo();
    s.lead(&["propose", "First"]).ok();
    let file = s.proposal_file(1);
    let broken = s
        .read(&file)
        .replace("statement = \"\"", "statement = \"unterminated");
    s.write(&file, &broken);
    let head = s.head();
    for args in [
        vec!["advance", "1"],
        vec!["idea", "1", "x"],
        vec!["show", "1"],
    ] {
        let err = s.lead(&args).fails(1);
        assert!(
            err.contains(&format!("error: {file}:")) && err.contains("invalid TOML"),
            "{args:?}: {err}"
        );
    }
    let err = s.lead(&["list"]).ok();
    assert!(!err.contains("First"));
    let warned = s.lead(&["list"]).stderr;
    assert!(warned.contains(&format!("warning: {file}:")), "{warned}");
    assert_eq!(s.read(&file), broken);
    assert_eq!(s.head(), head);
    // A schema error names the field.
    let typed = s
        .read(&file)
        .replace("statement = \"unterminated", "statement = 5");
    s.write(&file, &typed);
    let err = s.lead(&["show", "1"]).fails(1);
    assert!(
        err.contains("field `problem.statement`: expected a string, found integer"),
        "{err}"
    );
}

#[test]
fn a_duplicate_id_is_reported_with_a_hint() {
    let s = Sandbox::repo();
    s.lead(&["propose", "Base"]).ok();
    s.git(&["switch", "-qc", "other"]).ok();
    s.lead(&["propose", "On other"]).ok();
    s.git(&["switch", "-q", "main"]).ok();
    s.lead(&["propose", "On main"]).ok();
    let merge = s.git(&["merge", "-q", "--no-edit", "other"]);
    assert_eq!(merge.code, 0, "{merge:?}");
    let out = s.lead(&["list"]);
    assert_eq!(out.code, 0);
    assert!(
        out.stderr.contains("warning: proposal 2 is in 2 files"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("hint: two branches both proposed 2"),
        "{}",
        out.stderr
    );
    let err = s.lead(&["show", "2"]).fails(1);
    assert!(
        err.contains(
            "proposal 2 is in 2 files: proposals/0002-on-main.toml, proposals/0002-on-other.toml"
        ),
        "{err}"
    );
    assert!(err.contains("hint: two branches both proposed 2"), "{err}");
    assert_eq!(
        s.lead(&["propose", "Third"]).ok().trim(),
        "proposals/0003-third.toml"
    );
}

/// Proposal 1, and branches `main` and `side` that change f.txt in conflicting ways.
fn diverged() -> Sandbox {
    let s = Sandbox::repo();
    s.write("f.txt", "base\n");
    s.git(&["add", "f.txt"]).ok();
    s.git(&["commit", "-qm", "base"]).ok();
    s.lead(&["propose", "First", "--problem", "p", "--affected", "a"])
        .ok();
    for (switch, branch) in [
        (["switch", "-qc", "side"], "side"),
        (["switch", "-q", "main"], "main"),
    ] {
        s.git(&switch).ok();
        s.write("f.txt", &format!("{branch}\n"));
        s.git(&["commit", "-qam", branch]).ok();
    }
    s
}

#[test]
fn advance_during_a_merge_or_with_the_index_locked() {
    let s = diverged();
    assert_ne!(s.git(&["merge", "side"]).code, 0);
    let head = s.head();
    let objects = |s: &Sandbox| s.git(&["count-objects"]).ok();
    let before = objects(&s);
    let err = s.lead(&["advance", "1"]).fails(1);
    assert!(err.contains("error: a merge is in progress"), "{err}");
    assert_eq!(s.head(), head);
    s.git(&["merge", "--abort"]).ok();

    std::fs::write(s.dir.join(".git/index.lock"), "").unwrap();
    let file = s.proposal_file(1);
    let text = s.read(&file);
    let err = s.lead(&["advance", "1"]).fails(1);
    assert!(
        err.contains("index.lock") && err.contains("another git process"),
        "{err}"
    );
    assert_eq!(s.head(), head);
    assert_eq!(s.read(&file), text);
    assert_eq!(objects(&s), before, "a refused advance writes no object");
    std::fs::remove_file(s.dir.join(".git/index.lock")).unwrap();
    assert_eq!(s.git(&["status", "--porcelain"]).ok(), "");
    s.lead(&["advance", "1"]).ok();
}

#[test]
fn no_identity_is_refused_with_gits_hint() {
    let s = Sandbox::bare_home("noid");
    s.git(&["init", "-q", "-b", "main", "."]).ok();
    let err = s.lead(&["propose", "Nobody"]).fails(1);
    assert!(err.contains("error: author identity unknown"), "{err}");
    assert!(
        err.contains("hint:   git config --global user.email \"you@example.com\""),
        "{err}"
    );
    assert!(!s.dir.join("proposals").exists());
    assert_eq!(s.git(&["rev-list", "--all"]).ok(), "");
}

#[test]
fn a_deleted_proposal_file_is_named() {
    let s = Sandbox::repo();
    s.lead(&["propose", "First"]).ok();
    let file = s.proposal_file(1);
    std::fs::remove_file(s.dir.join(&file)).unwrap();
    let err = s.lead(&["advance", "1"]).fails(1);
    assert!(
        err.contains(&format!(
            "error: {file} is in HEAD but deleted from the working tree"
        )),
        "{err}"
    );
    let hint = format!("git restore --staged --worktree {file}");
    assert!(
        err.contains(&format!("hint: restore it with '{hint}'")),
        "{err}"
    );
    let out = s.lead(&["list"]);
    assert!(
        out.stderr.contains("deleted from the working tree"),
        "{}",
        out.stderr
    );
    // The history still answers.
    assert!(s.lead(&["log", "1"]).ok().contains("problem"));
    // The hint works, also for a deletion that was staged.
    s.git(&["rm", "-q", &file]).ok();
    assert!(s
        .lead(&["show", "1"])
        .fails(1)
        .contains("deleted from the working tree"));
    s.git(&hint.split(' ').skip(1).collect::<Vec<_>>()).ok();
    s.lead(&["show", "1"]).ok();
    assert_eq!(s.git(&["status", "--porcelain"]).ok(), "");
}

#[test]
fn events_in_plain_git_commits_count_and_bad_ones_do_not() {
    let s = Sandbox::repo();
    s.lead(&["propose", "First", "--problem", "p", "--affected", "a"])
        .ok();
    let file = s.proposal_file(1);
    s.write(
        &file,
        &s.read(&file)
            .replace("step = \"problem\"", "step = \"idea\""),
    );
    s.git(&[
        "commit",
        "-qam",
        "move on by hand",
        "--trailer",
        "Lead-Proposal: 1",
        "--trailer",
        "Lead-Step: idea",
    ])
    .ok();
    let log = s.lead(&["log", "1"]).ok();
    assert_eq!(log.lines().count(), 2, "{log}");
    assert!(s
        .lead(&["list"])
        .ok()
        .lines()
        .nth(1)
        .unwrap()
        .trim_start()
        .starts_with("1 "));
}

#[test]
fn advance_during_a_rebase_is_refused() {
    let s = diverged();
    assert_ne!(s.git(&["rebase", "side"]).code, 0);
    let err = s.lead(&["advance", "1"]).fails(1);
    assert!(err.contains("error: a rebase is in progress"), "{err}");
    assert!(err.contains("hint: finish it or abort it first"), "{err}");
}

#[test]
fn identity_comes_from_the_environment_as_git_takes_it() {
    let mut s = Sandbox::repo();
    s.set_env("GIT_AUTHOR_NAME", "Env Author");
    s.set_env("GIT_AUTHOR_EMAIL", "env@example.com");
    s.set_env("GIT_COMMITTER_NAME", "Env Committer");
    s.lead(&["propose", "From env"]).ok();
    let who = s
        .git(&["log", "-1", "--format=%an <%ae> | %cn <%ce> | %ad"])
        .ok();
    assert_eq!(who.trim(), "Env Author <env@example.com> | Env Committer <ada@example.com> | Mon Dec 1 08:00:00 2025 +0000");
    let file = s.proposal_file(1);
    assert!(s
        .read(&file)
        .contains("author = \"Env Author <env@example.com>\""));
    assert!(s.read(&file).contains("created = \"2025-12-01\""));
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let s = Sandbox::repo();
    for i in 0..30 {
        s.lead(&["propose", &format!("Problem number {i}")]).ok();
    }
    // The reader is gone before git lead writes: its write fails with EPIPE.
    let out = s.run_in(
        "sh",
        &s.dir,
        &["-c", "(git lead list; echo \"status=$?\" >&2) | true"],
    );
    assert!(out.stderr.contains("status=0"), "{out:?}");
    assert!(!out.stderr.contains("error"), "{}", out.stderr);
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
}

#[test]
fn a_reader_that_closes_the_pipe_early_ends_the_listing_quietly() {
    // stdout into a pipe is written in blocks: the closed pipe shows at the flush, and
    // still ends the command with status 0 and nothing on stderr, as a pager quitting.
    use std::process::Stdio;
    let s = Sandbox::repo();
    s.lead(&["propose", "First"]).ok();
    let mut child = s
        .cmd("git", &["lead", "list"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The read end is closed before the command can have written anything.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(stderr, "");
}

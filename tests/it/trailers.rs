//! Parity of `git_lead::model::trailer` with git itself.
//!
//! Every message of a corpus of tricky cases (plus a batch of seeded random ones) goes through
//! the real `git interpret-trailers --parse` and through `trailer::parse`; a subset is committed
//! to a scratch repository and read back with `git log --format='%(trailers:unfold,only)'`,
//! which `trailer::parse_with(.., Divider::Ignore)` must match. git runs with an empty
//! environment apart from `PATH`, `HOME` (a temporary directory), `LC_ALL=C`,
//! `GIT_CONFIG_NOSYSTEM=1` and `GIT_CONFIG_GLOBAL=/dev/null`, so no `trailer.*` configuration
//! can leak in.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use git_lead::model::trailer::{self, Divider, Trailer};

const CUT: &[u8] = b"# ------------------------ >8 ------------------------";

/// Concatenate byte pieces (for messages that contain the scissors line).
fn cat(pieces: &[&[u8]]) -> Vec<u8> {
    pieces.concat()
}

/// The hand-written corpus: (name, message).
fn corpus() -> Vec<(&'static str, Vec<u8>)> {
    let fixed: Vec<(&'static str, &[u8])> = vec![
        ("simple", b"Subject\n\nKey: value\n"),
        (
            "body and two trailers",
            b"Subject\n\nBody text.\n\nReviewed-by: A <a@x>\nSigned-off-by: B <b@x>\n",
        ),
        ("only the last paragraph", b"T\n\nA: 1\n\nB: 2\n"),
        ("title only", b"Just a title\n"),
        ("title only, no newline", b"Just a title"),
        ("empty message", b""),
        ("only blank lines", b"\n\n\n"),
        ("title looks like a trailer", b"Key: value\n"),
        ("only paragraph looks like trailers", b"Key: value\nOther: thing\n"),
        ("two-line title", b"T\nmore title\n\nKey: v\n"),
        ("leading blank line", b"\nKey: value\n"),
        ("leading whitespace line", b" \r\nKey: value\n\nA: b\n"),
        ("leading blank lines then title", b"\n\nTitle\n\nKey: v\n"),
        ("key space colon", b"T\n\nKey : value\nTab\t: v\n"),
        ("keys with digits", b"T\n\nX-Bug-123: 42\n3rd-Party: yes\n"),
        ("key starting with dash", b"T\n\n-Key: v\n"),
        ("empty values", b"T\n\nKey:\nOther:   \t\n"),
        ("key with a space inside", b"T\n\nNot a key: value\n"),
        ("trailer then non-trailer", b"T\n\nKey: v\nNot a key: value\n"),
        ("underscore key", b"T\n\nfoo_bar: v\n"),
        ("bug hash style", b"T\n\nBug #43: fixed\n"),
        ("non-ascii key", b"T\n\nCl\xc3\xa9: v\n"),
        ("orphan separator", b"T\n\nKey: v\n: orphan\n"),
        ("vertical tab in key", b"T\n\nKey\x0b: v\n"),
        ("form feed in value", b"T\n\nKey: a\x0cb\n"),
        (
            "sign-off with prose at 25%",
            b"T\n\nSigned-off-by: A\nprose line 1\nprose line 2\nprose line 3\n",
        ),
        (
            "sign-off with prose below 25%",
            b"T\n\nSigned-off-by: A\nprose 1\nprose 2\nprose 3\nprose 4\n",
        ),
        (
            "sign-off, trailers and prose",
            b"T\n\nprose\nKey: v\nSigned-off-by: A <a@x>\n",
        ),
        ("sign-off without space", b"T\n\nSigned-off-by:A\nprose\n"),
        ("lowercase sign-off", b"T\n\nsigned-off-by: A\nprose\n"),
        (
            "cherry picked",
            b"T\n\nSome prose\n(cherry picked from commit 0123abc)\nKey: v\n",
        ),
        (
            "cherry picked with much prose",
            b"T\n\np1\np2\np3\np4\n(cherry picked from commit 0123abc)\n",
        ),
        (
            "continuation lines",
            b"T\n\nKey: first\n  second\n\tthird\nOther: x\n",
        ),
        ("blank line inside continuation", b"T\n\nKey: a\n \n  b\n"),
        ("indented line before trailer", b"T\n\n  indented\nKey: v\n"),
        (
            "indented line before sign-off",
            b"T\n\n  indented\nSigned-off-by: x\n",
        ),
        ("trailing blank lines", b"T\n\nKey: v\n\n\n\n"),
        ("trailing whitespace lines", b"T\n\nKey: v\n  \n\t\n"),
        ("trailing CRLF blank", b"T\n\nKey: a\n\r\n"),
        ("CRLF", b"T\r\n\r\nKey: v\r\nOther: w\r\n"),
        (
            "CRLF body",
            b"T\r\n\r\nBody\r\n\r\nKey: v\r\nCont: a\r\n  b\r\n\r\n",
        ),
        ("non-UTF-8 value", b"T\n\nKey: caf\xe9\n"),
        ("non-UTF-8 title", b"T\xff\xfe\n\nKey: v\n"),
        ("non-UTF-8 key", b"T\n\nK\xe9y: v\n"),
        ("NUL byte", b"T\n\nA: b\0C: d\n"),
        ("divider", b"T\n\nKey: v\n---\nMore: x\n"),
        (
            "divider and patch",
            b"T\n\nBody\n\nKey: v\n--- a/file\n+++ b/file\n",
        ),
        ("trailers after divider", b"T\n\nFoo\n\n---\nstat\n\nKey: v\n"),
        ("four dashes", b"T\n\nKey: v\n----\n"),
        ("divider at EOF without newline", b"T\n\nA: b\n---"),
        ("divider with CR", b"T\n\nA: b\n---\r\nC: d\n"),
        ("divider in title", b"--- T\n\nKey: v\n"),
        ("comment between trailers", b"T\n\nKey: v\n# comment\nOther: w\n"),
        (
            "trailing comments",
            b"T\n\nKey: v\n\n# Please enter the commit message\n#\n",
        ),
        ("comment in title", b"# c\nT\n\nKey: v\n"),
        ("comment line in title paragraph", b"T\n#\nKey: v\n"),
        (
            "comments in 25% rule",
            b"T\n\nSigned-off-by: A\n# 1\n# 2\n# 3\nprose\n",
        ),
        (
            "indented lines after comment",
            b"T\n\nSigned-off-by: A\n# 1\n  a\n  b\n  c\n  d\n",
        ),
        ("conflicts block", b"T\n\nKey: v\n\nConflicts:\n\tfile.c\n\tb.c\n"),
        (
            "conflicts block followed by text",
            b"T\n\nKey: v\n\nConflicts:\n\tfile.c\nmore\n",
        ),
        ("tabs in value", b"T\n\nKey:\tvalue\twith\ttabs\t\n"),
        ("URL value", b"T\n\nLink: https://example.com/x:1\n"),
        ("unicode value", "T\n\nCo-authored-by: Zoë <z@x>\n".as_bytes()),
        (
            "lead trailers",
            b"T\n\nLead-Step: design\nLead-Gate: review\nlead-step: lower\n",
        ),
        (
            "squash merge",
            b"T (#12)\n\n* one\n\nLead-Step: a\n\n* two\n\nLead-Step: b\n\nSigned-off-by: x\n",
        ),
        (
            "git merge --squash",
            b"Squashed commit of the following:\n\ncommit 0123\nAuthor: A <a@x>\n\n    one\n\n    Lead-Step: a\n",
        ),
        ("continuation after comment", b"T\n\nKey: v\n# c\n  cont\n"),
        (
            "empty sign-off value",
            b"T\n\nprose\nSigned-off-by: \n",
        ),
        ("long key", b"T\n\nA-Very-Long-Key-With-Many-Parts-0123456789: v\n"),
    ];
    let mut all: Vec<(&'static str, Vec<u8>)> =
        fixed.into_iter().map(|(n, m)| (n, m.to_vec())).collect();
    all.push((
        "cut line",
        cat(&[b"T\n\nKey: v\n", CUT, b"\ndiff --git a/x b/x\nOther: y\n"]),
    ));
    all.push(("cut line at start", cat(&[CUT, b"\nT\n\nKey: v\n"])));
    all.push(("indented cut line", cat(&[b"T\n\nK: v\n ", CUT, b"\n"])));
    all.push((
        "cut line after divider",
        cat(&[b"T\n\nK: v\n---\n", CUT, b"\n"]),
    ));
    all.push((
        "cut line after comments",
        cat(&[
            b"T\n\nK: v\n\n# Please\n",
            CUT,
            b"\n# Do not modify\nX: y\n",
        ]),
    ));
    all.push((
        "cut line without newline",
        cat(&[b"T\n\nK: v\nL: w\n", CUT, b" trailing"]),
    ));
    all.push(("cut line with text after it", cat(&[CUT, b"x\n\nA: b\n"])));
    all.push((
        "cut line with CRLF",
        cat(&[b"T\n\nX: y\n", CUT, b"\r\nfoo\n\nA: b\n"]),
    ));
    all.push(("cut line at EOF", cat(&[b"T\n\nX: y\nZ: w\n", CUT])));
    all
}

/// xorshift64*, seeded: reproducible random messages without dependencies.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Messages stitched together from lines that exercise the rules.
fn random_corpus(seed: u64, count: usize) -> Vec<(String, Vec<u8>)> {
    const LINES: &[&[u8]] = &[
        b"Title",
        b"Key: v",
        b"Other-2: w x",
        b"Signed-off-by: X <x@y>",
        b"(cherry picked from commit 1)",
        b"  cont",
        b"\tcont",
        b"",
        b"",
        b"",
        b" ",
        b"\r",
        b"prose words",
        b"---",
        b"--- x",
        b"# comment",
        b"# ------------------------ >8 ------------------------",
        b"Conflicts:",
        b"\tpath",
        b"Key : v",
        b"a b: c",
        b"Key:",
        b": v",
        b"K\xe9: v\xff",
    ];
    let mut rng = Rng(seed);
    (0..count)
        .map(|i| {
            let mut msg = Vec::new();
            for _ in 0..1 + rng.below(9) {
                msg.extend_from_slice(LINES[rng.below(LINES.len())]);
                msg.extend_from_slice(if rng.below(6) == 0 { b"\r\n" } else { b"\n" });
            }
            if rng.below(4) == 0 {
                msg.pop();
            }
            (format!("random #{i} (seed {seed})"), msg)
        })
        .collect()
}

/// A uniquely named directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path = std::env::temp_dir().join(format!(
            "git-lead-trailers-{tag}-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `git` with a clean, config-free environment, running in `cwd`.
fn git(home: &Path, cwd: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("LC_ALL", "C")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CEILING_DIRECTORIES", std::env::temp_dir())
        .current_dir(cwd);
    cmd
}

/// Lines of git's output, lossily decoded, without the final newline.
fn output_lines(stdout: &[u8]) -> Vec<String> {
    let mut lines: Vec<String> = stdout
        .split(|&b| b == b'\n')
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect();
    if lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    lines
}

/// Our trailers rendered the way git prints them (`key: value`).
fn render(trailers: &[Trailer]) -> Vec<String> {
    trailers.iter().map(ToString::to_string).collect()
}

/// What `git interpret-trailers --parse` prints for `message`, line by line.
fn interpret_trailers(tmp: &TempDir, message: &[u8]) -> Vec<String> {
    let mut child = git(tmp.path(), tmp.path())
        .args(["interpret-trailers", "--parse"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run git interpret-trailers");
    child.stdin.take().unwrap().write_all(message).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "git interpret-trailers failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    output_lines(&out.stdout)
}

fn check_against_interpret_trailers(messages: &[(String, Vec<u8>)]) {
    let tmp = TempDir::new("parse");
    let mut failures = Vec::new();
    for (name, message) in messages {
        let want = interpret_trailers(&tmp, message);
        let got = render(&trailer::parse(message));
        if want != got {
            failures.push(format!(
                "{name}: {:?}\n  git:  {want:?}\n  ours: {got:?}",
                String::from_utf8_lossy(message)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} messages differ from git interpret-trailers --parse:\n{}",
        failures.len(),
        messages.len(),
        failures.join("\n")
    );
}

fn named(corpus: Vec<(&'static str, Vec<u8>)>) -> Vec<(String, Vec<u8>)> {
    corpus.into_iter().map(|(n, m)| (n.to_owned(), m)).collect()
}

#[test]
fn corpus_is_big_enough() {
    assert!(corpus().len() >= 40, "{}", corpus().len());
}

#[test]
fn parse_matches_git_interpret_trailers() {
    check_against_interpret_trailers(&named(corpus()));
}

#[test]
fn random_messages_match_git_interpret_trailers() {
    check_against_interpret_trailers(&random_corpus(0x5eed_1234_abcd_0001, 150));
}

/// Commit every message to a scratch repository, then compare `git log`'s view of the trailers
/// with `parse_with(.., Divider::Ignore)` of the stored message. Messages with a NUL (git refuses
/// them) and the empty message are left out.
#[test]
fn parse_with_ignore_matches_git_log() {
    let tmp = TempDir::new("log");
    let repo = tmp.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    let status = git(tmp.path(), &repo)
        .args(["init", "-q"])
        .status()
        .unwrap();
    assert!(status.success());

    let mut messages = named(corpus());
    messages.extend(random_corpus(0x5eed_1234_abcd_0002, 40));
    messages.retain(|(_, m)| !m.is_empty() && !m.contains(&0));

    let file = tmp.path().join("message");
    for (i, (name, message)) in messages.iter().enumerate() {
        std::fs::write(&file, message).unwrap();
        let date = format!("{} +0000", 1_700_000_000 + i);
        let out = git(tmp.path(), &repo)
            .args(["commit", "-q", "--allow-empty", "--cleanup=verbatim", "-F"])
            .arg(&file)
            .env("GIT_AUTHOR_NAME", "Author")
            .env("GIT_AUTHOR_EMAIL", "author@example.com")
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_NAME", "Committer")
            .env("GIT_COMMITTER_EMAIL", "committer@example.com")
            .env("GIT_COMMITTER_DATE", &date)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "commit of {name} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // One `git log` for all commits: NUL-separated records of "<hash>\n<trailers>".
    let out = git(tmp.path(), &repo)
        .args(["log", "-z", "--format=%H%n%(trailers:unfold,only)"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut records: Vec<(String, Vec<String>)> = out
        .stdout
        .split(|&b| b == 0)
        .filter(|r| !r.is_empty())
        .map(|r| {
            let (hash, rest) = r.split_at(r.iter().position(|&b| b == b'\n').unwrap());
            (
                String::from_utf8_lossy(hash).into_owned(),
                output_lines(&rest[1..]),
            )
        })
        .collect();
    records.reverse();
    assert_eq!(records.len(), messages.len());

    // One `git cat-file --batch` to check that git stored every message verbatim.
    let mut child = git(tmp.path(), &repo)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    {
        let mut stdin = child.stdin.take().unwrap();
        for (hash, _) in &records {
            writeln!(stdin, "{hash}").unwrap();
        }
    }
    let batch = child.wait_with_output().unwrap().stdout;
    let mut stored = Vec::new();
    let mut rest = &batch[..];
    while !rest.is_empty() {
        let eol = rest.iter().position(|&b| b == b'\n').unwrap();
        let header = String::from_utf8_lossy(&rest[..eol]).into_owned();
        let size: usize = header.rsplit(' ').next().unwrap().parse().unwrap();
        let object = &rest[eol + 1..eol + 1 + size];
        let body = object.windows(2).position(|w| w == b"\n\n").unwrap() + 2;
        stored.push(object[body..].to_vec());
        rest = &rest[eol + 1 + size + 1..];
    }
    assert_eq!(stored.len(), messages.len());

    let mut failures = Vec::new();
    for (((name, message), (_, want)), stored) in messages.iter().zip(&records).zip(&stored) {
        // `git commit` rewrites invalid UTF-8 (reading the bad bytes as Latin-1); everything
        // else is stored verbatim. Compare against what was stored.
        if std::str::from_utf8(message).is_ok() {
            assert_eq!(stored, message, "git did not store {name} verbatim");
        }
        let got = render(&trailer::parse_with(stored, Divider::Ignore));
        if *want != got {
            failures.push(format!(
                "{name}: {:?}\n  git log: {want:?}\n  ours:    {got:?}",
                String::from_utf8_lossy(message)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} commits differ from git log %(trailers:unfold,only):\n{}",
        failures.len(),
        messages.len(),
        failures.join("\n")
    );
}

/// The two modes really differ on the cases the module documents.
#[test]
fn divider_modes_differ_where_documented() {
    let msg = b"T\n\nKey: v\n---\nMore: x\n";
    assert_eq!(render(&trailer::parse(msg)), ["Key: v"]);
    assert!(trailer::parse_with(msg, Divider::Ignore).is_empty());
    let msg = b"\nKey: v\n";
    assert_eq!(render(&trailer::parse(msg)), ["Key: v"]);
    assert!(trailer::parse_with(msg, Divider::Ignore).is_empty());
}

/// What `compose` builds, git parses back.
#[test]
fn compose_round_trips_through_git() {
    let tmp = TempDir::new("compose");
    let trailers = [
        ("Lead-Step", "design review".to_owned()),
        ("Lead-Gate", String::new()),
        ("Co-authored-by", "Zoë <z@example.com>".to_owned()),
        ("Multi", "first line\nsecond line".to_owned()),
    ];
    let message = trailer::compose(
        "Subject",
        "Body with a divider\n---\nand a scissors line\n# ------------------------ >8 ------------------------\n",
        &trailers,
    );
    let want = [
        "Lead-Step: design review",
        "Lead-Gate: ",
        "Co-authored-by: Zoë <z@example.com>",
        "Multi: first line second line",
    ];
    assert_eq!(interpret_trailers(&tmp, message.as_bytes()), want);
    assert_eq!(render(&trailer::parse(message.as_bytes())), want);
}

/// Random subjects, bodies and trailers: what `compose` builds, git parses back.
#[test]
fn random_compose_round_trips_through_git() {
    const KEY: &[u8] = b"abcXYZ019-";
    const TEXT: &[&str] = &[
        "a",
        "Z",
        " ",
        "\t",
        ":",
        "-",
        "---",
        "#",
        "\u{e9}",
        "\r",
        "x: y",
        "<a@b>",
        "\n",
        "\n---\n",
        "\n# ------------------------ >8 ------------------------\n",
    ];
    let mut rng = Rng(0x5eed_1234_abcd_0003);
    let text = |rng: &mut Rng, max: usize| -> String {
        (0..rng.below(max + 1))
            .map(|_| TEXT[rng.below(TEXT.len())])
            .collect()
    };
    let tmp = TempDir::new("compose-random");
    for round in 0..40 {
        let subject = format!("S{}", text(&mut rng, 4));
        let body = text(&mut rng, 12);
        let trailers: Vec<(String, String)> = (0..1 + rng.below(4))
            .map(|_| {
                let key: String = (0..1 + rng.below(10))
                    .map(|_| KEY[rng.below(KEY.len())] as char)
                    .collect();
                (key, text(&mut rng, 6).replace('\n', " "))
            })
            .collect();
        let refs: Vec<(&str, String)> = trailers
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        let message = trailer::compose(&subject, &body, &refs);
        let want: Vec<String> = trailers
            .iter()
            .map(|(k, v)| format!("{k}: {}", v.trim_matches([' ', '\t', '\r'])))
            .collect();
        assert_eq!(
            interpret_trailers(&tmp, message.as_bytes()),
            want,
            "round {round}: {message:?}"
        );
    }
}

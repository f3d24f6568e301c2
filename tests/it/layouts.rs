//! The same answers whatever git keeps on disk: every read command prints the same bytes
//! with the history cache off and no commit-graph, and cold with a commit-graph and its
//! Bloom filters (either version, a split chain), with the objects in several packs or
//! repacked with deep deltas, and in a `git clone --shared` that keeps them in an
//! alternate object directory.

use crate::harness::{Sandbox, BO};

/// The read commands compared, and what each printed (status, stdout, stderr).
fn answers(s: &Sandbox, dir: &std::path::Path, extra: &[&str]) -> Vec<(i32, String, String)> {
    let commands: [&[&str]; 7] = [
        &["list"],
        &["show", "1"],
        &["log", "1"],
        &["signoffs", "1", "--json"],
        &["check", "--format", "json"],
        &["review", "--base", "HEAD~4", "--format", "json"],
        &["diff", "1", "HEAD~6", "HEAD"],
    ];
    commands
        .iter()
        .map(|argv| {
            let _ = std::fs::remove_dir_all(dir.join(".git/lead"));
            let mut all: Vec<&str> = extra.to_vec();
            all.push("lead");
            all.extend_from_slice(argv);
            let run = s.run_in("git", dir, &all);
            (run.code, run.stdout, run.stderr)
        })
        .collect()
}

/// A history with plain commits around the proposal's, a second proposal and a merge.
fn history() -> Sandbox {
    let s = Sandbox::repo();
    for n in 0..30 {
        s.write(&format!("src/f{}.c", n % 4), &format!("{n}\n"));
        s.git(&["add", "-A"]).ok();
        s.git(&["commit", "-qm", &format!("work {n}")]).ok();
        if n % 10 == 9 {
            s.git(&["repack", "-q", "-d"]).ok();
        }
    }
    s.tour_to_strategy();
    s.git(&["commit", "-qam", "Pain and pitch"]).ok();
    s.git(&["checkout", "-q", "-b", "side", "HEAD~2"]).ok();
    s.write("docs/notes", "side\n");
    s.git(&["add", "-A"]).ok();
    s.git(&["commit", "-qm", "side work"]).ok();
    s.git(&["checkout", "-q", "main"]).ok();
    s.git(&["merge", "-q", "--no-edit", "side"]).ok();
    s.lead(&["propose", "Slow reviews block releases"]).ok();
    s.lead(&["stakeholder", "1", BO, "--role", "release"]).ok();
    s.write("src/last.c", "1\n");
    s.git(&["add", "-A"]).ok();
    s.git(&["commit", "-qm", "last"]).ok();
    s
}

#[test]
fn every_layout_gives_the_answers_of_no_cache_and_no_graph() {
    let s = history();
    let plain = ["-c", "lead.cache=false", "-c", "core.commitGraph=false"];
    let truth = answers(&s, &s.dir, &plain);
    assert_eq!(truth[1].0, 0, "show failed: {}", truth[1].2);
    assert!(truth[1].1.contains("Flaky CI"), "{}", truth[1].1);
    let layouts: [&[&[&str]]; 5] = [
        &[&["commit-graph", "write", "--reachable", "--changed-paths"]],
        &[&[
            "-c",
            "commitGraph.changedPathsVersion=1",
            "commit-graph",
            "write",
            "--reachable",
            "--changed-paths",
        ]],
        &[
            &[
                "repack",
                "-q",
                "-a",
                "-d",
                "-f",
                "--depth=250",
                "--window=250",
            ],
            &[
                "commit-graph",
                "write",
                "--reachable",
                "--changed-paths",
                "--split",
            ],
        ],
        &[&["repack", "-q", "-d"], &["multi-pack-index", "write"]],
        &[&["gc", "-q"]],
    ];
    for steps in layouts {
        let _ = std::fs::remove_file(s.dir.join(".git/objects/info/commit-graph"));
        let _ = std::fs::remove_dir_all(s.dir.join(".git/objects/info/commit-graphs"));
        for step in steps {
            s.git(step).ok();
        }
        assert_eq!(answers(&s, &s.dir, &[]), truth, "after {steps:?}");
    }
    // A shared clone: objects and graph in the alternate, the clone's own graph too.
    s.run_in(
        "git",
        s.root(),
        &["clone", "-q", "--shared", s.dir.to_str().unwrap(), "shared"],
    )
    .ok();
    let shared = s.root().join("shared");
    assert_eq!(answers(&s, &shared, &[]), truth, "in a shared clone");
    s.run_in(
        "git",
        &shared,
        &["commit-graph", "write", "--reachable", "--changed-paths"],
    )
    .ok();
    assert_eq!(
        answers(&s, &shared, &[]),
        truth,
        "in a shared clone with a graph"
    );
}

/// A long history with no commit-graph: a cold walk that follows the proposal folder says
/// once how to get one, and stops saying so once asked to, when quiet, when warm, and
/// when the graph is there.
#[test]
fn a_long_cold_walk_without_a_commit_graph_hints_at_one() {
    let s = Sandbox::repo();
    let mut stream = String::new();
    for n in 1..=20_000 {
        let from = match n {
            1 => "M 644 inline README\ndata 6\nhello\n".to_string(),
            _ => format!("from :{}", n - 1),
        };
        stream += &format!(
            "commit refs/heads/main\nmark :{n}\ncommitter Dana Wu <dana@example.com> {} +0000\ndata 3\nwip\n{from}\n\n",
            1_700_000_000 + n
        );
    }
    s.git_stdin(&["fast-import", "--quiet"], &stream).ok();
    s.git(&["reset", "-q", "--hard"]).ok();
    s.lead(&["propose", "Slow reviews block releases"]).ok();
    let hints = |run: &crate::harness::Run| run.stderr.matches("hint: this walk").count();
    let cold = |extra: &[&str]| {
        let _ = std::fs::remove_dir_all(s.dir.join(".git/lead"));
        let mut all = extra.to_vec();
        all.extend(["lead", "show", "1"]);
        s.git(&all)
    };
    let first = cold(&[]);
    assert_eq!(hints(&first), 1, "{}", first.stderr);
    assert!(
        first.stderr.contains("in 20001 commits")
            && first
                .stderr
                .contains("hint:     git commit-graph write --reachable --changed-paths\n"),
        "{}",
        first.stderr
    );
    let warm = s.lead(&["show", "1"]);
    assert_eq!(warm.stdout, first.stdout);
    assert_eq!(hints(&warm), 0, "warm: {}", warm.stderr);
    for extra in [
        &["-c", "advice.leadCommitGraph=false"][..],
        &["-c", "core.commitGraph=false"][..],
    ] {
        let run = cold(extra);
        assert_eq!(run.stdout, first.stdout);
        assert_eq!(hints(&run), 0, "{extra:?}: {}", run.stderr);
    }
    let _ = std::fs::remove_dir_all(s.dir.join(".git/lead"));
    let quiet = s.lead(&["-q", "show", "1"]);
    assert_eq!(
        (quiet.stdout.as_str(), hints(&quiet)),
        (first.stdout.as_str(), 0)
    );
    // A graph without filters does not help: still told. With them, not.
    s.git(&["commit-graph", "write", "--reachable"]).ok();
    assert_eq!(hints(&cold(&[])), 1, "graph without filters");
    s.git(&["commit-graph", "write", "--reachable", "--changed-paths"])
        .ok();
    let run = cold(&[]);
    assert_eq!(
        (run.stdout.as_str(), hints(&run)),
        (first.stdout.as_str(), 0)
    );
}

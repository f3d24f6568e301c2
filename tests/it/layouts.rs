//! The same answers whatever git keeps on disk: every read command prints the same bytes
//! with the history cache off and no commit-graph, and cold with a commit-graph and its
//! Bloom filters (either version, a split chain), with the objects in several packs,
//! repacked with deep deltas, behind a multi-pack-index, with bitmaps, in a `.keep` pack
//! beside a pack of duplicates, in a `git clone --shared` that keeps them in an alternate
//! object directory, and in a partial clone that fetches what it lacks. A replacement ref
//! or a graft changes no answer. A long cold walk without a commit-graph hints at one.

use crate::harness::{Sandbox, BO};

/// The read commands compared.
const COMMANDS: [&[&str]; 7] = [
    &["list"],
    &["show", "1"],
    &["log", "1"],
    &["signoffs", "1", "--json"],
    &["check", "--format", "json"],
    &["review", "--base", "HEAD~4", "--format", "json"],
    &["diff", "1", "HEAD~6", "HEAD"],
];

/// What `argv` printed (status, stdout, stderr) in `dir`, cold.
fn answer(
    s: &Sandbox,
    dir: &std::path::Path,
    extra: &[&str],
    argv: &[&str],
) -> (i32, String, String) {
    let _ = std::fs::remove_dir_all(dir.join(".git/lead"));
    let mut all: Vec<&str> = extra.to_vec();
    all.push("lead");
    all.extend_from_slice(argv);
    let run = s.run_in("git", dir, &all);
    (run.code, run.stdout, run.stderr)
}

/// What each of the read commands printed (status, stdout, stderr).
fn answers(s: &Sandbox, dir: &std::path::Path, extra: &[&str]) -> Vec<(i32, String, String)> {
    COMMANDS
        .iter()
        .map(|argv| answer(s, dir, extra, argv))
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
    let layouts: [&[&[&str]]; 6] = [
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
        &[&["repack", "-q", "-a", "-d", "--write-bitmap-index"]],
    ];
    for steps in layouts {
        let _ = std::fs::remove_file(s.dir.join(".git/objects/info/commit-graph"));
        let _ = std::fs::remove_dir_all(s.dir.join(".git/objects/info/commit-graphs"));
        for step in steps {
            s.git(step).ok();
        }
        assert_eq!(answers(&s, &s.dir, &[]), truth, "after {steps:?}");
    }
    // A pack kept with `.keep`, and the objects of an older commit again in a second pack.
    s.git(&["repack", "-q", "-a", "-d"]).ok();
    for entry in std::fs::read_dir(s.dir.join(".git/objects/pack")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "pack") {
            std::fs::write(path.with_extension("keep"), "kept\n").unwrap();
        }
    }
    let older = s.git(&["rev-list", "--objects", "HEAD~3"]).ok();
    s.git_stdin(&["pack-objects", "-q", ".git/objects/pack/pack"], &older)
        .ok();
    let packs = s.git(&["count-objects", "-v"]).ok();
    assert!(packs.contains("packs: 2\n"), "{packs}");
    assert_eq!(
        answers(&s, &s.dir, &[]),
        truth,
        "with a .keep pack and its copy"
    );
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

/// A partial clone (`--filter=blob:none`) lacks the proposal blobs of earlier commits:
/// each read command fetches what it needs from the promisor remote, as git would, and
/// answers as in the full repository. Without lazy fetching, or in a clone without trees,
/// the missing object is named.
#[test]
fn a_partial_clone_fetches_what_it_lacks_and_answers_the_same() {
    let s = history();
    let plain = ["-c", "lead.cache=false", "-c", "core.commitGraph=false"];
    let truth = answers(&s, &s.dir, &plain);
    s.git(&["config", "uploadpack.allowFilter", "true"]).ok();
    let url = format!("file://{}", s.dir.display());
    // What the clone in `dir` lacks, one `?<id>` line each, among the objects listed.
    let missing = |dir: &std::path::Path| {
        let all = ["rev-list", "--objects", "--missing=print", "--all"];
        s.run_in("git", dir, &all).ok()
    };
    let clone = |name: &str, filter: &str| {
        s.run_in("git", s.root(), &["clone", "-q", filter, &url, name])
            .ok();
        let dir = s.root().join(name);
        let missing = missing(&dir);
        assert!(
            missing.lines().any(|l| l.starts_with('?')),
            "{name}: nothing missing"
        );
        dir
    };
    for (n, argv) in COMMANDS.iter().enumerate() {
        let dir = clone(&format!("partial{n}"), "--filter=blob:none");
        assert_eq!(
            answer(&s, &dir, &[], argv),
            truth[n],
            "{argv:?} in a partial clone"
        );
    }
    // Nothing fetched when git would not fetch either.
    let dir = clone("unfetched", "--filter=blob:none");
    let mut cmd = s.cmd("git", &["lead", "log", "1"]);
    cmd.current_dir(&dir).env("GIT_NO_LAZY_FETCH", "1");
    let err = s.run_with(&mut cmd).fails(1);
    assert!(
        err.starts_with("error: object ")
            && err.contains(" is missing from the repository\nhint: "),
        "{err}"
    );
    let named = err["error: object ".len()..].split(' ').next().unwrap();
    let missing = missing(&dir);
    assert!(
        missing.contains(&format!("?{named}")),
        "{named} is not missing: {missing}"
    );
    // A clone without trees: the walk names the tree it lacks.
    let dir = clone("treeless", "--filter=tree:0");
    let err = s.run_in("git", &dir, &["lead", "show", "1"]).fails(1);
    assert!(
        err.contains(" is missing from the repository\nhint: 'git fsck'"),
        "{err}"
    );
    assert!(err.contains("--refetch --filter=blob:none"), "{err}");
}

/// git lead reads the history as written: a replacement ref or a graft, which change what
/// `git log` shows in this clone only, change no answer.
#[test]
fn replacements_and_grafts_change_no_answer() {
    let s = history();
    let plain = ["-c", "lead.cache=false", "-c", "core.commitGraph=false"];
    let truth = answers(&s, &s.dir, &plain);
    s.git(&["commit-graph", "write", "--reachable", "--changed-paths"])
        .ok();
    // The commit that proposed 1 is grafted away: git's log no longer reaches it.
    let proposed = s
        .git(&["log", "--format=%H", "--reverse", "--", "proposals"])
        .ok();
    let proposed = proposed.lines().next().unwrap().to_string();
    let after = s
        .git(&["rev-list", "--ancestry-path", &format!("{proposed}..HEAD")])
        .ok();
    let child = after.lines().last().unwrap().to_string();
    s.git(&["replace", "--graft", &child, &format!("{proposed}~1")])
        .ok();
    let seen = s.git(&["log", "--format=%H"]).ok();
    assert!(
        !seen.contains(&proposed),
        "the graft did not hide {proposed}"
    );
    assert_eq!(answers(&s, &s.dir, &[]), truth, "with a replacement ref");
    s.git(&["replace", "-d", &child]).ok();
    std::fs::write(
        s.dir.join(".git/info/grafts"),
        format!(
            "{child} {}\n",
            s.git(&["rev-parse", &format!("{proposed}~1")]).ok().trim()
        ),
    )
    .unwrap();
    assert_eq!(answers(&s, &s.dir, &[]), truth, "with a graft");
}

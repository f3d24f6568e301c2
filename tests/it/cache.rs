//! The history cache under `<git common dir>/lead/cache` is never authoritative: every read
//! command prints the same bytes, with the same status, whether the cache is warm and built
//! up step by step, cold (deleted first), or off (`git -c lead.cache=false lead …`), through
//! random histories with merges, clocks in the past and rewrites; with a damaged, foreign or
//! unwritable cache; with processes racing to write it; and from a second worktree.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::harness::{trailer_commit, Run, Sandbox, ADA, BO, CY, MALLORY};

const DANA: &str = "Dana Wu <dana@example.com>";
/// Bo under an old address, which a `.mailmap` (when present) maps to [`BO`].
const BO_OLD: &str = "Bo Chen <bo@old.example.com>";
/// The commit clock of the random histories starts here: years before now, far from the
/// unit boundaries of the ages `list` prints, so two runs a second apart print the same.
const EPOCH: i64 = 1_700_000_000;

/// The first bytes of a cache file (see `src/git/cache.rs`).
const MAGIC: &[u8] = b"git-lead cache\n";

// ---------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------

/// A small deterministic PRNG (xorshift64).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        let mut r = Rng(seed
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .wrapping_add(0x2545_f491_4f6c_dd1d)
            | 1);
        r.next();
        r
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

/// How a read command meets the cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// As left by earlier runs (the default).
    Warm,
    /// `git -c lead.cache=false lead …`: neither read nor written.
    Off,
    /// With the cache, but its files (history, parsed proposals, findings) deleted just
    /// before.
    Cold,
}

/// The cache file of the repository `s.dir` (and of all its worktrees).
fn cache_file(s: &Sandbox) -> PathBuf {
    s.dir.join(".git/lead/cache")
}

/// The store of parsed proposals beside it.
fn store_file(s: &Sandbox) -> PathBuf {
    s.dir.join(".git/lead/proposals")
}

/// The findings of the last `check` beside them.
fn findings_file(s: &Sandbox) -> PathBuf {
    s.dir.join(".git/lead/findings")
}

/// Deletes the three files, as for a first run.
fn forget(s: &Sandbox) {
    let _ = std::fs::remove_file(cache_file(s));
    let _ = std::fs::remove_file(store_file(s));
    let _ = std::fs::remove_file(findings_file(s));
}

/// Runs `git [-c lead.cache=false] lead <args>` in `cwd`.
fn lead_mode(s: &Sandbox, cwd: &Path, mode: Mode, args: &[&str]) -> Run {
    let mut all = Vec::new();
    if mode == Mode::Off {
        all.extend(["-c", "lead.cache=false"]);
    }
    all.push("lead");
    all.extend_from_slice(args);
    if mode == Mode::Cold {
        forget(s);
    }
    s.run_in("git", cwd, &all)
}

/// Runs the binary itself in the repository, as `git lead` would: `Off` through
/// `GIT_CONFIG_PARAMETERS`, which is how `git -c lead.cache=false` hands the setting down.
/// Half the cost of going through git's dispatch, for the many runs of the random histories.
fn lead_direct(s: &Sandbox, mode: Mode, args: &[&str]) -> Run {
    let mut cmd = s.cmd(env!("CARGO_BIN_EXE_git-lead"), args);
    if mode == Mode::Off {
        cmd.env("GIT_CONFIG_PARAMETERS", "'lead.cache'='false'");
    }
    if mode == Mode::Cold {
        forget(s);
    }
    s.run_with(&mut cmd)
}

/// Panics unless the two runs are byte-identical, showing both.
#[track_caller]
fn same(what: &str, want: &Run, got: &Run) {
    if want.code == got.code && want.stdout == got.stdout && want.stderr == got.stderr {
        return;
    }
    let first = |a: &str, b: &str| {
        a.lines()
            .zip(b.lines())
            .position(|(x, y)| x != y)
            .unwrap_or(a.lines().count().min(b.lines().count()))
            + 1
    };
    panic!(
        "{what}: the outputs differ (stdout from line {}, stderr from line {})\n\
         ===== without the cache: status {}\n----- stdout\n{}\n----- stderr\n{}\n\
         ===== with the cache: status {}\n----- stdout\n{}\n----- stderr\n{}",
        first(&want.stdout, &got.stdout),
        first(&want.stderr, &got.stderr),
        want.code,
        want.stdout,
        want.stderr,
        got.code,
        got.stdout,
        got.stderr,
    );
}

/// A command as a shell would show it.
fn shell(args: &[&str]) -> String {
    args.iter()
        .map(|a| {
            if !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./:=@~^".contains(c))
            {
                a.to_string()
            } else {
                format!("'{}'", a.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `git <args>` in `cwd` as `who` (author and committer), at `date` when given.
fn git_at(s: &Sandbox, cwd: &Path, who: &str, date: Option<&str>, args: &[&str]) -> Run {
    let mut cmd = s.as_person(who, s.cmd("git", args));
    cmd.current_dir(cwd);
    for role in ["AUTHOR", "COMMITTER"].iter().filter(|_| date.is_some()) {
        cmd.env(format!("GIT_{role}_DATE"), date.unwrap_or_default());
    }
    s.run_with(&mut cmd)
}

/// `git lead <args>` as `who` at `when` (see [`at`]) in the sandbox; the new HEAD, short.
fn lead_at(s: &Sandbox, who: &str, when: i64, args: &[&str]) -> String {
    let mut all = vec!["lead"];
    all.extend_from_slice(args);
    git_at(s, &s.dir, who, Some(&at(when)), &all).ok();
    s.head()[..7].to_string()
}

/// Whether `bytes` looks like a cache file this version wrote: its magic, then more.
fn cache_like(bytes: &[u8]) -> bool {
    bytes.len() > MAGIC.len() + 8 && bytes.starts_with(MAGIC)
}

/// `body` with its checksum appended: a store of parsed proposals the reader accepts as whole, when
/// [`checksum`] is still the one `src/git/cache.rs` uses.
fn seal(mut body: Vec<u8>) -> Vec<u8> {
    let sum = checksum(&body);
    body.extend_from_slice(&sum.to_le_bytes());
    body
}

/// A copy of the cache's checksum (`src/git/cache.rs`), to build files that pass it but are
/// of another version, or lie. The damage test checks first that it still matches what the
/// binary writes, and fails when it does not.
fn checksum(bytes: &[u8]) -> u64 {
    const K: u64 = 0x0000_0100_0000_01b3;
    let mut lanes = [0u64; 4];
    let mut blocks = bytes.chunks_exact(32);
    for block in &mut blocks {
        for (lane, w) in lanes.iter_mut().zip(block.chunks_exact(8)) {
            let mut word = [0u8; 8];
            word.copy_from_slice(w);
            *lane = (*lane ^ u64::from_le_bytes(word))
                .wrapping_mul(K)
                .rotate_left(29);
        }
    }
    let mut h = bytes.len() as u64;
    for lane in lanes {
        h = (h ^ lane).wrapping_mul(K).rotate_left(29);
    }
    for b in blocks.remainder() {
        h = (h ^ u64::from(*b)).wrapping_mul(K).rotate_left(29);
    }
    h.wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// `bytes`, a cache file, with every checksum made right again after a change to its
/// header or a part: a file that is whole but of another version, or lies. It follows the
/// layout of `src/git/cache.rs`: the header (magic, format number, version, folder, count,
/// tip id, then the length and checksum of each of its eight parts, then its own checksum),
/// then the parts.
fn reseal_cache(mut bytes: Vec<u8>) -> Vec<u8> {
    const PARTS: usize = 8;
    let u32_at = |b: &[u8], at: usize| u32::from_le_bytes(b[at..at + 4].try_into().unwrap());
    let mut at = MAGIC.len() + 4;
    at += 4 + u32_at(&bytes, at) as usize;
    if bytes[at] == 1 {
        at += 4 + u32_at(&bytes, at + 1) as usize;
    }
    let table = at + 1 + 4 + 20;
    let end = table + 16 * PARTS;
    let mut part = end + 8;
    for k in 0..PARTS {
        let len = u64::from_le_bytes(bytes[table + 16 * k..][..8].try_into().unwrap()) as usize;
        let sum = checksum(&bytes[part..part + len]);
        bytes[table + 16 * k + 8..][..8].copy_from_slice(&sum.to_le_bytes());
        part += len;
    }
    let sum = checksum(&bytes[..end]);
    bytes[end..end + 8].copy_from_slice(&sum.to_le_bytes());
    bytes
}

/// Where part `k` (in the order of the file) of a cache file lies, as [`reseal_cache`]
/// reads the layout.
fn cache_part(bytes: &[u8], k: usize) -> std::ops::Range<usize> {
    const PARTS: usize = 8;
    let u32_at = |b: &[u8], at: usize| u32::from_le_bytes(b[at..at + 4].try_into().unwrap());
    let mut at = MAGIC.len() + 4;
    at += 4 + u32_at(bytes, at) as usize;
    if bytes[at] == 1 {
        at += 4 + u32_at(bytes, at + 1) as usize;
    }
    let table = at + 1 + 4 + 20;
    let len = |k: usize| u64::from_le_bytes(bytes[table + 16 * k..][..8].try_into().unwrap());
    let start = table + 16 * PARTS + 8 + (0..k).map(|j| len(j) as usize).sum::<usize>();
    start..start + len(k) as usize
}

/// Reads the cache file; panics if there is none.
#[track_caller]
fn read_cache(s: &Sandbox) -> Vec<u8> {
    std::fs::read(cache_file(s)).unwrap_or_else(|e| panic!("no cache file after a run: {e}"))
}

/// The 20 bytes of a hex commit id, as the cache stores it.
fn raw_id(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Temporary files a cache write leaves in `.git/lead/` (there must be none).
fn leftovers(s: &Sandbox) -> Vec<String> {
    std::fs::read_dir(s.dir.join(".git/lead"))
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(".cache.tmp"))
                .collect()
        })
        .unwrap_or_default()
}

/// Proposal 1 in socialize with a sign-off by Bo and an open concern by Cy, proposal 2 just
/// proposed, and a plain commit on top; no cache yet (building it ran `git lead`).
fn settled_repo() -> Sandbox {
    let s = Sandbox::repo();
    s.ready_for_signoffs();
    s.lead_as(BO, &["signoff", "1", "-m", "Paging settles it"])
        .ok();
    s.lead_as(
        CY,
        &["concern", "1", "cost", "The farm needs two more machines"],
    )
    .ok();
    s.lead(&[
        "propose",
        "Slow builds",
        "--problem",
        "Builds take an hour",
        "--affected",
        "Everyone",
    ])
    .ok();
    s.write("src/a.txt", "a\n");
    s.git(&["add", "src/a.txt"]).ok();
    s.git(&["commit", "-qm", "Add a"]).ok();
    std::fs::remove_dir_all(s.dir.join(".git/lead")).unwrap();
    s
}

/// Every read command on the repository of [`settled_repo`].
const READS: &[&[&str]] = &[
    &["list"],
    &["list", "--json"],
    &["show", "1"],
    &["show", "1", "--json"],
    &["show", "2", "--json"],
    &["log", "1"],
    &["log", "1", "--json"],
    &["signoffs", "1"],
    &["signoffs", "1", "--json"],
    &["check"],
    &["check", "--format", "json"],
    &["diff", "1", "--since-signoff", "bo@example.com"],
    &["diff", "1", "--feedback", "F1", "--json"],
    &["review", "--base", "HEAD~2", "--format", "json"],
];

/// Runs [`READS`] off, then with the cache (in `mode`), in `cwd`; panics on a difference.
/// Returns the outputs.
#[track_caller]
fn reads_agree(s: &Sandbox, cwd: &Path, mode: Mode, what: &str) -> Vec<Run> {
    agree(s, cwd, mode, READS, what)
}

/// A few read commands, one of each walk: for the many intermediate states of a test.
const FEW: &[&[&str]] = &[
    &["list", "--json"],
    &["log", "1"],
    &["signoffs", "1", "--json"],
    &["check", "--format", "json"],
];

/// Runs `commands` off, then with the cache (in `mode`), in `cwd`; panics on a difference.
/// Returns the outputs.
#[track_caller]
fn agree(s: &Sandbox, cwd: &Path, mode: Mode, commands: &[&[&str]], what: &str) -> Vec<Run> {
    commands
        .iter()
        .map(|args| {
            let want = lead_mode(s, cwd, Mode::Off, args);
            let got = lead_mode(s, cwd, mode, args);
            same(&format!("{what}: git lead {}", shell(args)), &want, &got);
            got
        })
        .collect()
}

/// The outputs of [`READS`] in `cwd`.
fn reads(s: &Sandbox, cwd: &Path, mode: Mode) -> Vec<Run> {
    READS
        .iter()
        .map(|args| lead_mode(s, cwd, mode, args))
        .collect()
}

/// Runs [`READS`] in `mode` and compares them with `want`; returns the outputs.
#[track_caller]
fn reads_match(s: &Sandbox, cwd: &Path, mode: Mode, want: &[Run], what: &str) -> Vec<Run> {
    READS
        .iter()
        .zip(want)
        .map(|(args, want)| {
            let got = lead_mode(s, cwd, mode, args);
            same(&format!("{what}: git lead {}", shell(args)), want, &got);
            got
        })
        .collect()
}

/// `review --base` and `check --base` take the range from the cache when the base is in
/// HEAD's history, and from libgit2 otherwise: the same bytes either way. The shapes: a
/// base a few commits back with an old branch merged in between (its commits are in the
/// cache but not the base's ancestors), the cache's tip behind HEAD, a base on a branch
/// that went its own way, HEAD itself, a base ahead of HEAD, and a commit the range's
/// events name that the files do not.
#[test]
fn a_range_from_the_cache_is_the_range_libgit2_walks() {
    let s = settled_repo();
    let base = s.head();
    // An old branch, from the first commit, with a sign-off of proposal 2 in it.
    let first = s.git(&["rev-list", "--max-parents=0", "HEAD"]).ok();
    s.git(&["checkout", "-qb", "old", first.trim()]).ok();
    s.write("old.txt", "old\n");
    s.git(&["add", "old.txt"]).ok();
    s.git(&["commit", "-qm", "Old work"]).ok();
    s.git(&["checkout", "-q", "main"]).ok();
    s.trailer_commit_as(BO, "Sign off", "Lead-Signoff: 2").ok();
    // The cache at this point, with HEAD two commits on.
    let _ = s.lead(&["check", "--format", "json"]);
    s.git(&["merge", "-q", "--no-ff", "-m", "Merge old", "old"])
        .ok();
    s.trailer_commit_as(CY, "Sign off", "Lead-Signoff: 1").ok();
    // A branch that went its own way from the base.
    s.git(&["branch", "aside", &base]).ok();
    s.git(&["checkout", "-q", "aside"]).ok();
    s.write("aside.txt", "aside\n");
    s.git(&["add", "aside.txt"]).ok();
    s.git(&["commit", "-qm", "Aside"]).ok();
    let aside = s.head();
    s.git(&["checkout", "-q", "main"]).ok();
    let bases = [
        base.as_str(),
        "HEAD~1",
        "HEAD~2",
        "HEAD",
        aside.as_str(),
        "old",
    ];
    for b in bases {
        let commands: [&[&str]; 3] = [
            &["review", "--base", b, "--format", "json"],
            &["review", "--base", b],
            &["check", "--base", b, "--format", "json"],
        ];
        agree(&s, &s.dir, Mode::Warm, &commands, &format!("base {b}"));
    }
    // And from a base ahead of HEAD.
    s.git(&["checkout", "-q", "HEAD~2"]).ok();
    let ahead: [&[&str]; 2] = [
        &["review", "--base", "main", "--format", "json"],
        &["check", "--base", "main", "--format", "json"],
    ];
    agree(&s, &s.dir, Mode::Warm, &ahead, "base ahead of HEAD");
    // Commits on top of the cache's tip alone (no merge of older work): the range is
    // found from the commits read and the cache's header, or, for an older base, one sweep.
    std::fs::remove_dir_all(s.dir.join(".git/lead")).unwrap();
    let _ = s.lead(&["check", "--format", "json"]);
    let older = s.head();
    s.trailer_commit_as(BO, "Sign off again", "Lead-Signoff: 2")
        .ok();
    s.write("new.txt", "new\n");
    s.git(&["add", "new.txt"]).ok();
    s.git(&["commit", "-qm", "New work"]).ok();
    for b in [
        older.as_str(),
        "HEAD~1",
        "HEAD~4",
        base.as_str(),
        aside.as_str(),
    ] {
        let commands: [&[&str]; 2] = [
            &["review", "--base", b, "--format", "json"],
            &["check", "--base", b, "--format", "json"],
        ];
        agree(
            &s,
            &s.dir,
            Mode::Warm,
            &commands,
            &format!("on top, base {b}"),
        );
    }
    s.git(&["reset", "-q", "--hard", &older]).ok();
    // The review from the cache saw the whole range: two sign-offs, the old work and the
    // merge that brought it in; and both proposals, by their events alone.
    s.git(&["checkout", "-q", "main"]).ok();
    let review = crate::harness::json(
        &s.lead(&["review", "--base", &base, "--format", "json"])
            .ok(),
    );
    assert_eq!(review["commits"], 4, "{review}");
    let ids: Vec<&serde_json::Value> = review["proposals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["id"])
        .collect();
    assert_eq!(ids, [1, 2], "{review}");
}

// ---------------------------------------------------------------------------------------
// 1. Random histories
// ---------------------------------------------------------------------------------------

/// Steps per history, and every how many steps the checkpoint runs every read command (and
/// each cold as well).
const STEPS: usize = 16;
const FULL_EVERY: usize = 8;
/// How many of the commands of a full checkpoint also run cold, each with the cache file
/// deleted just before.
const COLD: usize = 8;

/// A random history being built in a sandbox, with the recipe that rebuilds it.
struct World {
    s: Sandbox,
    rng: Rng,
    seed: u64,
    step: usize,
    clock: i64,
    serial: usize,
    recipe: Vec<String>,
}

/// A proposal file of the working tree: its id, step and author.
struct Found {
    id: u32,
    step: String,
    author: String,
}

impl World {
    fn new(seed: u64) -> World {
        World {
            s: Sandbox::repo(),
            rng: Rng::new(seed),
            seed,
            step: 0,
            clock: EPOCH,
            serial: 0,
            recipe: vec![
                "# git init -q -b main, user Ada Lovelace <ada@example.com>, TZ=UTC".into(),
                "# checkpoints run read commands between steps, which update the cache".into(),
            ],
        }
    }

    fn n(&mut self) -> usize {
        self.serial += 1;
        self.serial
    }

    /// The date of the next commit: usually later than all before, sometimes the same
    /// second, sometimes in the past (walks order ties and such clocks by time, then id).
    fn date(&mut self) -> String {
        let roll = self.rng.below(100);
        let t = if roll < 15 {
            self.clock - 1 - self.rng.below(200_000) as i64
        } else if roll < 25 {
            self.clock
        } else {
            self.clock += 1 + self.rng.below(5_000) as i64;
            self.clock
        };
        let zone = *self.rng.pick(&["+0000", "+0000", "-0700", "+0530"]);
        format!("@{t} {zone}")
    }

    /// `git <args>` as `who`, at the next date; recorded in the recipe.
    fn git(&mut self, who: &str, args: &[&str]) -> Run {
        let date = self.date();
        self.recipe.push(format!(
            "GIT_AUTHOR_DATE='{date}' GIT_COMMITTER_DATE='{date}' [as {who}] git {}",
            shell(args)
        ));
        let run = git_at(&self.s, &self.s.dir, who, Some(&date), args);
        if run.code != 0 {
            self.recipe.push(format!("  # status {}", run.code));
        }
        run
    }

    /// `git lead <args>` as `who`.
    fn lead(&mut self, who: &str, args: &[&str]) -> Run {
        let mut all = vec!["lead"];
        all.extend_from_slice(args);
        self.git(who, &all)
    }

    fn write(&mut self, rel: &str, text: &str) {
        self.recipe
            .push(format!("printf %s {} > {rel}", shell(&[text])));
        self.s.write(rel, text);
    }

    /// A plumbing query, not recorded.
    fn query(&self, args: &[&str]) -> Option<String> {
        let run = self.s.git(args);
        (run.code == 0).then(|| run.stdout.trim().to_string())
    }

    /// The proposal folder in force (`.lead.toml` may move it).
    fn folder(&self) -> &'static str {
        match std::fs::read_to_string(self.s.dir.join(".lead.toml")) {
            Ok(t) if t.contains("folder = \"rfcs\"") => "rfcs",
            _ => "proposals",
        }
    }

    fn proposals(&self) -> Vec<Found> {
        let folder = self.folder();
        let Ok(dir) = std::fs::read_dir(self.s.dir.join(folder)) else {
            return Vec::new();
        };
        let mut names: Vec<String> = dir
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".toml"))
            .collect();
        names.sort();
        names
            .into_iter()
            .filter_map(|name| {
                let id = name.split(['-', '.']).next()?.parse().ok()?;
                let text = std::fs::read_to_string(self.s.dir.join(folder).join(&name)).ok()?;
                let field = |key: &str| {
                    text.lines()
                        .find_map(|l| l.strip_prefix(key))
                        .and_then(|v| v.split('"').nth(1))
                        .map(str::to_string)
                };
                Some(Found {
                    id,
                    step: field("step = ")?,
                    author: field("author = ").unwrap_or_else(|| ADA.to_string()),
                })
            })
            .collect()
    }

    fn branches(&self) -> Vec<String> {
        self.query(&["branch", "--format=%(refname:short)"])
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.starts_with('('))
            .map(str::to_string)
            .collect()
    }

    fn current_branch(&self) -> Option<String> {
        self.query(&["symbolic-ref", "-q", "--short", "HEAD"])
    }

    fn person(&mut self) -> &'static str {
        [ADA, ADA, BO, CY][self.rng.below(4)]
    }

    /// Leaves the working tree clean: commits or drops what is left over.
    fn tidy(&mut self) {
        let dirty = self
            .query(&["status", "--porcelain", "--untracked-files=no"])
            .is_some_and(|s| !s.is_empty());
        if dirty {
            if self.rng.chance(50) {
                let n = self.n();
                let who = self.person();
                self.git(who, &["commit", "-qam", &format!("Leftovers {n}")]);
            } else {
                self.git(ADA, &["reset", "-q", "--hard"]);
            }
        }
    }

    /// An ordinary commit that adds a file under `src/`.
    fn plain_commit(&mut self) {
        let n = self.n();
        let who = self.person();
        let file = format!("src/f{n}.txt");
        self.write(&file, &format!("change {n}\n"));
        self.git(who, &["add", &file]);
        let message = match self.rng.below(6) {
            0 => format!("Cut the lead-time of job {n}"),
            _ => format!("Change {n}"),
        };
        self.git(who, &["commit", "-q", "-m", &message]);
    }

    /// A commit whose message looks like the ledger but is not quite: a trailer stranded
    /// in the body, a misspelt key, a lowercase key.
    fn odd_commit(&mut self) {
        let n = self.n();
        let id = self.some_id();
        let who = self.person();
        let message = match self.rng.below(3) {
            0 => format!("Squashed review {n}\n\n* sign off\n\nLead-Signoff: {id}\n\n* tidy up\n"),
            1 => format!("Odd {n}\n\nLead-Signof: {id}\n"),
            _ => format!("Lowercase {n}\n\nlead-proposal: {id}\nlead-concern: noise\n"),
        };
        self.git(who, &["commit", "-q", "--allow-empty", "-m", &message]);
    }

    fn some_id(&mut self) -> u32 {
        let ids: Vec<u32> = self.proposals().iter().map(|p| p.id).collect();
        match ids.is_empty() {
            true => 1,
            false => *self.rng.pick(&ids),
        }
    }

    fn propose(&mut self) {
        let n = self.n();
        let who = *self.rng.pick(&[ADA, ADA, BO]);
        self.lead(
            who,
            &[
                "propose",
                &format!("Problem {n} costs us time"),
                "--problem",
                &format!("Thing {n} breaks"),
                "--affected",
                "Every team",
            ],
        );
    }

    /// Takes proposal `which` (else a random one) one step further, as far as its gate lets
    /// it.
    fn progress(&mut self, which: Option<u32>) {
        let props = self.proposals();
        let p = match which {
            Some(id) => props.iter().find(|p| p.id == id),
            None if props.is_empty() => None,
            None => Some(&props[self.rng.below(props.len())]),
        };
        let Some(p) = p else {
            return self.propose();
        };
        let (id, step) = (p.id.to_string(), p.step.clone());
        let who: &str = if p.author.contains("bo@example.com") {
            BO
        } else {
            ADA
        };
        let id = id.as_str();
        let n = self.n();
        if which.is_none() && self.rng.chance(4) && step != "done" && step != "withdrawn" {
            self.lead(
                who,
                &[
                    "advance",
                    id,
                    "--to",
                    "withdrawn",
                    "--reason",
                    "Not worth it",
                ],
            );
            return self.tidy();
        }
        let script: Vec<Vec<String>> = match step.as_str() {
            "problem" => vec![vec!["idea", id, "Quarantine flaky tests automatically"]],
            "idea" => vec![vec!["idea", id, "Retry failed jobs once"]],
            "alternatives" => vec![vec!["objection", id, "Quarantine can hide failures"]],
            "critique" => vec![
                vec!["critique", id, "I1", "--root-cause", "Removes the noise"],
                vec!["critique", id, "2", "--band-aid", "Hides the noise"],
                vec!["choose", id, "i1", "--why", "It fixes the cause"],
            ],
            "stakeholders" => vec![
                vec![
                    "stakeholder",
                    id,
                    BO,
                    "--role",
                    "release manager",
                    "--perspective",
                    "Wants green builds",
                    "--required",
                ],
                vec!["stakeholder", id, CY, "--perspective", "Owns the test farm"],
            ],
            "strategy" => vec![
                vec![
                    "stakeholder",
                    id,
                    BO,
                    "--pain",
                    "Reruns at midnight",
                    "--pitch",
                    "Fewer pages",
                ],
                vec![
                    "stakeholder",
                    id,
                    CY,
                    "--pain",
                    "Idle machines",
                    "--pitch",
                    "Fewer reruns",
                ],
            ],
            _ => Vec::new(),
        }
        .into_iter()
        .map(|v| v.into_iter().map(str::to_string).collect())
        .collect();
        for args in &script {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            self.lead(who, &args);
        }
        match step.as_str() {
            "socialize" => {
                let file = self.s.read(&self.file_of(p.id));
                if !file.contains("[socialize.F") {
                    self.lead(
                        who,
                        &["feedback", id, "--from", DANA, &format!("Page owner {n}")],
                    );
                    self.git(who, &["commit", "-qam", &format!("Record feedback {n}")]);
                } else if file.contains("status = \"open\"") {
                    self.lead(
                        who,
                        &["respond", id, "F1", "--incorporated", "The owner is paged"],
                    );
                    self.git(who, &["commit", "-qam", &format!("Answer feedback {n}")]);
                } else {
                    // Enters implement only if the sign-off policy holds.
                    self.lead(who, &["advance", id]);
                }
            }
            "implement" => {
                if self.rng.chance(50) {
                    self.lead(who, &["advance", id, "--to", "done"]);
                } else {
                    let file = format!("src/impl{n}.txt");
                    self.write(&file, "done\n");
                    self.git(who, &["add", &file]);
                    let trailer = format!("Lead-Implements: {id}");
                    self.git(
                        who,
                        &["commit", "-q", "-m", "Implement it", "--trailer", &trailer],
                    );
                }
            }
            "done" | "withdrawn" | "superseded" => {}
            _ => {
                self.lead(who, &["advance", id]);
            }
        }
        self.tidy();
    }

    fn file_of(&self, id: u32) -> String {
        let folder = self.folder();
        let prefix = format!("{id:04}");
        let mut names: Vec<String> = std::fs::read_dir(self.s.dir.join(folder))
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(&prefix))
            .collect();
        names.sort();
        format!("{folder}/{}", names[0])
    }

    /// A sign-off, withdrawal, concern or resolution, by the tool (which may refuse) or by
    /// plain git (which never does).
    fn ledger_event(&mut self) {
        let props = self.proposals();
        let late: Vec<u32> = props
            .iter()
            .filter(|p| ["socialize", "implement", "done"].contains(&p.step.as_str()))
            .map(|p| p.id)
            .collect();
        let id = match (late.is_empty(), props.is_empty()) {
            (false, _) if self.rng.chance(85) => *self.rng.pick(&late),
            (_, false) => props[self.rng.below(props.len())].id,
            (_, true) => return self.propose(),
        };
        let id = id.to_string();
        let id = id.as_str();
        let n = self.n();
        let who = *self.rng.pick(&[BO, BO, CY, CY, MALLORY, ADA, BO_OLD]);
        let concern = *self.rng.pick(&["cost", "risk"]);
        match self.rng.below(7) {
            0 | 1 => {
                self.lead(who, &["signoff", id, "-m", &format!("Fine by me {n}")]);
            }
            2 => {
                self.lead(who, &["signoff", id, "--withdraw", "-m", "Wait"]);
            }
            3 => {
                let trailer = format!("Lead-Signoff: {id}");
                let message = format!("Sign off {n}\n\nWith plain git.");
                self.git(who, &trailer_commit(&message, &trailer));
            }
            4 => {
                self.lead(who, &["concern", id, concern, &format!("Worry {n}")]);
            }
            5 => {
                let who = *self.rng.pick(&[BO, CY, ADA]);
                self.lead(who, &["resolve", id, concern, "-m", &format!("Fixed {n}")]);
            }
            _ => {
                let message = format!("Withdraw {n}");
                let trailer = format!("Lead-Signoff-Withdrawn: {id}");
                self.git(who, &trailer_commit(&message, &trailer));
            }
        }
        self.tidy();
    }

    fn new_branch(&mut self) {
        let n = self.n();
        self.git(ADA, &["checkout", "-q", "-b", &format!("b{n}")]);
    }

    /// The branches other than the one checked out.
    fn other_branches(&self) -> Vec<String> {
        let current = self.current_branch();
        self.branches()
            .into_iter()
            .filter(|b| Some(b) != current.as_ref())
            .collect()
    }

    /// Checks out another branch, or detaches HEAD at a recent commit.
    fn switch(&mut self) {
        let others = self.other_branches();
        if others.is_empty() || self.rng.chance(30) {
            let back = format!("HEAD~{}", self.rng.below(3));
            self.git(ADA, &["checkout", "-q", "--detach", &back]);
        } else {
            let b = self.rng.pick(&others).clone();
            self.git(ADA, &["checkout", "-q", &b]);
        }
    }

    fn merge(&mut self) {
        let others = self.other_branches();
        if others.is_empty() {
            return self.new_branch();
        }
        let b = self.rng.pick(&others).clone();
        self.merge_in(&b);
    }

    /// A merge commit bringing in `branch` (given up when it conflicts).
    fn merge_in(&mut self, branch: &str) {
        let who = self.person();
        let message = format!("Merge {branch}");
        if self
            .git(who, &["merge", "-q", "--no-ff", "-m", &message, branch])
            .code
            != 0
        {
            self.git(who, &["merge", "--abort"]);
        }
    }

    /// A branch with a commit or two, a commit or none on this side, and a merge commit,
    /// with the read commands run on each side first: the cache then holds one side when
    /// the merge brings in the other, whose commits may be older and must be ordered
    /// before cached ones.
    fn fork(&mut self) {
        let back = match self.current_branch() {
            Some(b) => b,
            None => self.query(&["rev-parse", "HEAD"]).unwrap_or_default(),
        };
        let n = self.n();
        let side = format!("f{n}");
        self.git(ADA, &["checkout", "-q", "-b", &side]);
        for _ in 0..1 + self.rng.below(2) {
            match self.rng.chance(30) {
                true => self.plain_commit(),
                false => self.ledger_event(),
            }
        }
        self.checkpoint(false);
        self.git(ADA, &["checkout", "-q", &back]);
        match self.rng.below(4) {
            0 => self.plain_commit(),
            1 | 2 => self.ledger_event(),
            _ => {}
        }
        self.checkpoint(false);
        self.merge_in(&side);
    }

    /// Rebases the current branch onto another (a rewrite: the old commits drop out).
    fn rebase(&mut self) {
        let Some(current) = self.current_branch() else {
            return self.switch();
        };
        let others: Vec<String> = self
            .branches()
            .into_iter()
            .filter(|b| *b != current)
            .collect();
        if others.is_empty() {
            return self.new_branch();
        }
        let b = self.rng.pick(&others).clone();
        let who = self.person();
        if self.git(who, &["rebase", "-q", &b]).code != 0 {
            self.git(who, &["rebase", "--abort"]);
        }
    }

    /// `reset --hard HEAD~k`, then a different commit on top.
    fn reset(&mut self) {
        let back = format!("HEAD~{}", 1 + self.rng.below(3));
        self.git(ADA, &["reset", "-q", "--hard", &back]);
        if self.rng.chance(70) {
            self.plain_commit();
        }
    }

    /// Rewrites the tip: a new message, or the same (trailers and all) at a new date.
    fn amend(&mut self) {
        let who = self.person();
        if self.rng.chance(50) {
            let n = self.n();
            let message = format!("Amended {n}");
            self.git(
                who,
                &["commit", "-q", "--amend", "--allow-empty", "-m", &message],
            );
        } else {
            self.git(
                who,
                &["commit", "-q", "--amend", "--allow-empty", "--no-edit"],
            );
        }
    }

    /// Adds or removes a `.mailmap` (left untracked) that maps Bo's old address to his own.
    fn mailmap(&mut self) {
        let path = self.s.dir.join(".mailmap");
        if path.exists() {
            self.recipe.push("rm .mailmap".into());
            std::fs::remove_file(path).unwrap();
        } else {
            self.write(
                ".mailmap",
                "Bo Chen <bo@example.com> <bo@old.example.com>\n",
            );
        }
    }

    /// Moves the proposals between `proposals/` and `rfcs/` and says so in `.lead.toml`.
    fn move_folder(&mut self) {
        let (from, to) = match self.folder() {
            "rfcs" => ("rfcs", "proposals"),
            _ => ("proposals", "rfcs"),
        };
        if self.s.dir.join(from).exists() {
            self.git(ADA, &["mv", from, to]);
        }
        let config = match to {
            "rfcs" => "folder = \"rfcs\"\n",
            _ => "# the default folder\n",
        };
        self.write(".lead.toml", config);
        self.git(ADA, &["add", ".lead.toml"]);
        let n = self.n();
        self.git(ADA, &["commit", "-q", "-m", &format!("Move to {to} {n}")]);
        self.tidy();
    }

    /// A renumbering by the tool, which refuses an id that clashes with nothing unless
    /// `--to` says where (so a proposal merged in from another branch under a taken id is
    /// the one that moves): the ledger then follows `Lead-Renumbered`.
    fn renumber(&mut self) {
        let props = self.proposals();
        if props.is_empty() {
            return self.propose();
        }
        let id = props[self.rng.below(props.len())].id.to_string();
        let max = props.iter().map(|p| p.id).max().unwrap_or(0);
        let to = (max + 1 + self.rng.below(2) as u32).to_string();
        let who = self.person();
        match self.rng.chance(50) {
            true => self.lead(who, &["renumber", &id]),
            false => self.lead(who, &["renumber", &id, "--to", &to]),
        };
        self.tidy();
    }

    fn random_step(&mut self) {
        let roll = self.rng.below(100);
        self.recipe
            .push(format!("# step {} (roll {roll})", self.step));
        match roll {
            0..=11 => self.plain_commit(),
            12..=17 => self.propose(),
            18..=35 => self.progress(None),
            36..=51 => self.ledger_event(),
            96..=99 => self.renumber(),
            52..=55 => self.new_branch(),
            56..=61 => self.switch(),
            62..=67 => self.merge(),
            68..=73 => self.fork(),
            74..=77 => self.rebase(),
            78..=82 => self.reset(),
            83..=86 => self.amend(),
            87..=88 => self.mailmap(),
            89..=90 => self.move_folder(),
            91..=93 => self.repack(),
            _ => self.odd_commit(),
        }
    }

    /// Packs the objects as `git gc` would: the loose ones into a new pack, or all of them
    /// into one. A walk with nothing cached reads the packs' commits in one pass first, and
    /// the loose ones after.
    fn repack(&mut self) {
        let args: &[&str] = match self.rng.below(2) {
            0 => &["repack", "-q"],
            _ => &["repack", "-adq"],
        };
        self.git(ADA, args);
    }

    /// The read commands to compare now: every one when `full`, else a few.
    fn commands(&mut self, full: bool) -> Vec<Vec<String>> {
        let mut ids: Vec<u32> = self.proposals().iter().map(|p| p.id).collect();
        ids.dedup();
        // Proposal 1 has the most events: ask about it most.
        let pick_id = |rng: &mut Rng| match rng.below(100) {
            _ if ids.is_empty() => "99".to_string(),
            0..=7 => "99".to_string(),
            8..=59 if ids.contains(&1) => "1".to_string(),
            _ => rng.pick(&ids).to_string(),
        };
        let id = pick_id(&mut self.rng);
        let other = pick_id(&mut self.rng);
        // Commands with a base only in full checkpoints: finding one costs three runs of git.
        let on_main = full && self.current_branch().as_deref() == Some("main");
        let base = if !full {
            None
        } else if !on_main && self.branches().iter().any(|b| b == "main") {
            Some("main")
        } else if self
            .query(&["rev-parse", "-q", "--verify", "HEAD~2"])
            .is_some()
        {
            Some("HEAD~2")
        } else {
            None
        };
        let format = *self.rng.pick(&["human", "github", "markdown"]);
        // A messages-only walk, a walk with the folder's changes, and a timeline whose order
        // is the walk's.
        let mut always: Vec<Vec<&str>> = vec![
            vec!["list", "--json"],
            vec!["check", "--format", "json"],
            vec!["log", &id, "--json"],
        ];
        let mut rest: Vec<Vec<&str>> = vec![
            vec!["list"],
            vec!["show", &id],
            vec!["show", &id, "--json"],
            vec!["show", &other, "--json"],
            vec!["log", &id],
            vec!["log", &other],
            vec!["signoffs", &id],
            vec!["signoffs", &id, "--json"],
            vec!["check", "--format", format],
            vec!["check", &id, "--format", "json"],
            vec!["diff", &id],
            vec!["diff", &id, "--json"],
            vec!["diff", &id, "--since-signoff", "bo@example.com"],
            vec!["diff", &id, "--feedback", "F1"],
        ];
        if let Some(base) = base {
            rest.extend([
                vec!["review", "--base", base, "--format", "json"],
                vec!["review", "--base", base],
                vec!["check", "--base", base, "--format", "json"],
                vec!["signoffs", &id, "--base", base, "--json"],
                vec!["diff", &id, base, "HEAD"],
            ]);
        }
        if full {
            always.extend(rest);
        } else {
            self.rng.shuffle(&mut rest);
            let extra = self.rng.below(2);
            always.extend(rest.into_iter().take(extra));
        }
        let mut out: Vec<Vec<String>> = always
            .into_iter()
            .map(|c| c.into_iter().map(str::to_string).collect())
            .collect();
        // The cache is written by whichever walk learns something first: vary the order.
        self.rng.shuffle(&mut out);
        out
    }

    /// Runs the read commands off, warm (on the cache the earlier steps built) and, when
    /// `full`, cold too, and asserts all agree.
    fn checkpoint(&mut self, full: bool) {
        let commands = self.commands(full);
        let cache = cache_file(&self.s);
        let before = std::fs::read(&cache).ok();
        let mut off = Vec::new();
        for c in &commands {
            let args: Vec<&str> = c.iter().map(String::as_str).collect();
            off.push(lead_direct(&self.s, Mode::Off, &args));
        }
        let after = std::fs::read(&cache).ok();
        assert!(
            before == after,
            "seed {} step {}: a run with -c lead.cache=false changed the cache ({} bytes before, {} after)\n{}",
            self.seed,
            self.step,
            before.map_or(0, |b| b.len()),
            after.map_or(0, |b| b.len()),
            self.recipe.join("\n")
        );
        let mut modes = vec![Mode::Warm];
        if full {
            modes.push(Mode::Cold);
        }
        for mode in modes {
            let take = match mode {
                Mode::Cold => COLD,
                _ => commands.len(),
            };
            // Commands are in random order: cold runs take the first few.
            for (c, want) in commands.iter().zip(&off).take(take) {
                let args: Vec<&str> = c.iter().map(String::as_str).collect();
                let got = lead_direct(&self.s, mode, &args);
                if want.code != got.code || want.stdout != got.stdout || want.stderr != got.stderr {
                    let recipe = self.recipe.join("\n");
                    same(
                        &format!(
                            "seed {} step {} ({mode:?}): git lead {}\nrecipe:\n{recipe}\n",
                            self.seed,
                            self.step,
                            shell(&args)
                        ),
                        want,
                        &got,
                    );
                }
            }
            // There is a commit from the start, so the walks had something to keep.
            if mode == Mode::Warm {
                assert!(
                    cache.is_file() && cache_like(&std::fs::read(&cache).unwrap()),
                    "seed {} step {}: no whole cache file after runs with the cache",
                    self.seed,
                    self.step
                );
            }
        }
        assert_eq!(
            leftovers(&self.s),
            Vec::<String>::new(),
            "seed {} step {}: temporary files left behind",
            self.seed,
            self.step
        );
    }
}

/// Builds a random history for `seed` and compares every read command, off, warm and
/// cold, as it grows and is rewritten.
fn random_history(seed: u64) {
    let mut w = World::new(seed);
    w.plain_commit();
    // A fresh repository: the runs without the cache come first and must leave no cache
    // behind (the checkpoint compares the file before and after them).
    assert!(!w.s.dir.join(".git/lead").exists());
    w.checkpoint(false);
    assert!(cache_file(&w.s).is_file(), "seed {seed}: no cache");
    w.propose();
    // Proposal 1 to socialize, with answered feedback: ready for sign-offs.
    for _ in 0..8 {
        w.progress(Some(1));
    }
    w.checkpoint(false);
    for step in 1..=STEPS {
        w.step = step;
        w.random_step();
        w.checkpoint(step % FULL_EVERY == 0);
    }
}

#[test]
fn random_histories_agree_with_and_without_the_cache_a() {
    for seed in [1, 2] {
        random_history(seed);
    }
}

#[test]
fn random_histories_agree_with_and_without_the_cache_b() {
    for seed in [3, 4] {
        random_history(seed);
    }
}

#[test]
fn random_histories_agree_with_and_without_the_cache_c() {
    for seed in [5, 6] {
        random_history(seed);
    }
}

#[test]
fn random_histories_with_renumberings_agree_with_and_without_the_cache() {
    // Every fifth step a renumbering (the tool refuses half of those without --to that
    // clash with nothing), so the ledger follows several, over merges and rewrites.
    let seed = 7;
    let mut w = World::new(seed);
    w.plain_commit();
    w.checkpoint(false);
    w.propose();
    for step in 1..=STEPS {
        w.step = step;
        match step % 5 {
            0 => w.renumber(),
            _ => w.random_step(),
        }
        w.checkpoint(step % FULL_EVERY == 0);
    }
}

// ---------------------------------------------------------------------------------------
// 2. Damage
// ---------------------------------------------------------------------------------------

/// Restores a folder's permissions when dropped, even when the test fails.
struct Writable(PathBuf);

impl Drop for Writable {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&self.0, std::fs::Permissions::from_mode(0o755));
    }
}

#[test]
fn a_damaged_or_foreign_cache_is_ignored_and_replaced() {
    let s = settled_repo();
    // The outputs without the cache (which create none), and the cache that every cold
    // sequence of READS leaves.
    let want = reads(&s, &s.dir, Mode::Off);
    assert!(!s.dir.join(".git/lead").exists(), "the cache was written");
    reads_match(&s, &s.dir, Mode::Warm, &want, "first runs");
    let good = read_cache(&s);
    assert!(cache_like(&good));
    // Cases below need right checksums: the copy here must match the binary's.
    assert_eq!(
        reseal_cache(good.clone()),
        good,
        "reseal_cache() in tests/it/cache.rs no longer matches src/git/cache.rs: update it"
    );
    reads_match(&s, &s.dir, Mode::Warm, &want, "warm runs");
    assert_eq!(
        read_cache(&s),
        good,
        "a run that learned nothing rewrote the cache"
    );

    // Another repository's whole, valid cache.
    let other = Sandbox::repo();
    other.tour_to_strategy();
    other.lead(&["list"]).ok();
    other.lead(&["show", "1"]).ok();
    let foreign = read_cache(&other);

    let mut rng = Rng::new(99);
    let garbage: Vec<u8> = (0..good.len()).map(|_| rng.next() as u8).collect();
    let mut flipped = good.clone();
    flipped[good.len() / 2] ^= 0x10;
    let mut format = good.clone();
    format[MAGIC.len()] = format[MAGIC.len()].wrapping_add(1);
    let mut format_sealed = good.clone();
    format_sealed[MAGIC.len()] = format_sealed[MAGIC.len()].wrapping_add(1);
    // The version string follows the format number and its length: `0.x.y` becomes `9.x.y`.
    let mut version_sealed = good.clone();
    version_sealed[MAGIC.len() + 8] = b'9';
    let mut tail_flipped = good.clone();
    let last = good.len() - 1;
    tail_flipped[last] ^= 0x10;
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("truncated to half", good[..good.len() / 2].to_vec()),
        ("truncated to nothing", Vec::new()),
        ("one byte flipped in the middle", flipped),
        ("the last byte cut off", good[..good.len() - 1].to_vec()),
        ("the last byte flipped", tail_flipped),
        ("random garbage", garbage.clone()),
        ("the magic, then garbage", [MAGIC, &garbage[..]].concat()),
        ("another format number", format),
        ("another repository's cache", foreign),
        (
            "another format number, checksums right",
            reseal_cache(format_sealed),
        ),
        (
            "another version, checksums right",
            reseal_cache(version_sealed),
        ),
    ];
    for (what, bytes) in cases {
        std::fs::write(cache_file(&s), &bytes).unwrap();
        // A run without the cache does not replace it.
        for args in [&["list", "--json"][..], &["check", "--format", "json"]] {
            lead_mode(&s, &s.dir, Mode::Off, args);
        }
        assert_eq!(
            read_cache(&s),
            bytes,
            "{what}: a run without the cache wrote it"
        );
        reads_match(&s, &s.dir, Mode::Warm, &want, what);
        let now = read_cache(&s);
        assert!(
            !now.is_empty() && now != bytes,
            "{what}: the cache was not replaced"
        );
        assert_eq!(now, good, "{what}: the cache was not rebuilt whole");
        for (args, want) in READS.iter().zip(&want).step_by(5) {
            let got = lead_mode(&s, &s.dir, Mode::Warm, args);
            same(
                &format!("{what}, then again: git lead {}", shell(args)),
                want,
                &got,
            );
        }
        assert_eq!(leftovers(&s), Vec::<String>::new(), "{what}");
    }

    // A cache whose checksum is right but which lies: runs with the cache believe it (so
    // they do read it), runs without it do not.
    let needle = b"Paging settles it";
    let at = good
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap_or_else(|| panic!("the sign-off's comment is not in the cache"));
    let mut lie = good.clone();
    lie[at..at + needle.len()].copy_from_slice(b"Paging SETTLES it");
    std::fs::write(cache_file(&s), reseal_cache(lie)).unwrap();
    let warm = lead_mode(&s, &s.dir, Mode::Warm, &["signoffs", "1", "--json"]).ok();
    assert!(
        warm.contains("Paging SETTLES it"),
        "the cache was not read:\n{warm}"
    );
    let off = lead_mode(&s, &s.dir, Mode::Off, &["signoffs", "1", "--json"]).ok();
    assert!(
        off.contains("Paging settles it") && !off.contains("SETTLES"),
        "-c lead.cache=false read the cache:\n{off}"
    );

    // A folder where the file should be: nothing is written, nothing is left behind.
    std::fs::remove_file(cache_file(&s)).unwrap();
    std::fs::create_dir_all(cache_file(&s).join("inside")).unwrap();
    reads_match(&s, &s.dir, Mode::Warm, &want, "the cache is a folder");
    assert!(cache_file(&s).is_dir());
    assert_eq!(leftovers(&s), Vec::<String>::new(), "the cache is a folder");
    std::fs::remove_dir_all(cache_file(&s)).unwrap();

    // `.git/lead` read-only, with garbage in the cache, then with no cache.
    use std::os::unix::fs::PermissionsExt;
    let lead_dir = s.dir.join(".git/lead");
    let mode = |m: u32| std::fs::set_permissions(&lead_dir, std::fs::Permissions::from_mode(m));
    std::fs::write(cache_file(&s), &garbage).unwrap();
    let restore = Writable(lead_dir.clone());
    mode(0o555).unwrap();
    let probe = lead_dir.join("probe");
    if std::fs::write(&probe, "x").is_ok() {
        // Root writes anyway: the case would test nothing.
        std::fs::remove_file(&probe).unwrap();
        eprintln!("cache: skipped the read-only case (this user writes to read-only folders)");
    } else {
        reads_match(&s, &s.dir, Mode::Warm, &want, "read-only, garbage");
        assert_eq!(read_cache(&s), garbage);
        mode(0o755).unwrap();
        std::fs::remove_file(cache_file(&s)).unwrap();
        mode(0o555).unwrap();
        reads_match(&s, &s.dir, Mode::Warm, &want, "read-only, no cache");
        assert!(!cache_file(&s).exists());
        assert_eq!(leftovers(&s), Vec::<String>::new(), "read-only");
    }
    drop(restore);
    // Writable again: the next runs write a whole cache.
    reads_match(&s, &s.dir, Mode::Warm, &want, "writable again");
    assert_eq!(read_cache(&s), good);
}

/// The store of parsed proposals meets damage as the history cache does: ignored, outputs
/// unchanged, replaced by a whole file. A store that lies with a right checksum is believed
/// with the cache and not without it, which shows that warm runs read it.
#[test]
fn a_damaged_or_lying_store_of_parsed_proposals() {
    let s = settled_repo();
    let want = reads(&s, &s.dir, Mode::Off);
    assert!(
        !store_file(&s).exists(),
        "a run without the cache wrote the store"
    );
    reads_match(&s, &s.dir, Mode::Warm, &want, "first runs");
    let good = std::fs::read(store_file(&s)).unwrap();
    let body = &good[..good.len() - 8];
    assert_eq!(
        seal(body.to_vec()),
        good,
        "the store's checksum is not the cache's"
    );
    // Magic, format, version, count, then entries (id, length, bytes).
    let magic = b"git-lead proposals\n";
    assert!(good.starts_with(magic));
    let u32_at = |at: usize| u32::from_le_bytes(good[at..at + 4].try_into().unwrap()) as usize;
    let version_at = magic.len() + 4;
    let first = version_at + 4 + u32_at(version_at) + 4;
    let (entry, entry_len) = (first + 24, u32_at(first + 20));
    let mut garbled = body.to_vec();
    garbled[entry..entry + entry_len].fill(0xff);
    let mut version = body.to_vec();
    version[version_at + 4] = b'9';
    let mut flipped = good.clone();
    flipped[good.len() / 2] ^= 0x10;
    let mut rng = Rng::new(7);
    let garbage: Vec<u8> = (0..good.len()).map(|_| rng.next() as u8).collect();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("truncated to half", good[..good.len() / 2].to_vec()),
        ("truncated to nothing", Vec::new()),
        ("one byte flipped", flipped),
        ("the checksum cut off", body.to_vec()),
        ("random garbage", garbage),
        ("another version, checksum right", seal(version)),
        (
            "an entry that does not decode, checksum right",
            seal(garbled),
        ),
    ];
    for (what, bytes) in cases {
        std::fs::write(store_file(&s), &bytes).unwrap();
        lead_mode(&s, &s.dir, Mode::Off, &["list"]);
        assert_eq!(
            std::fs::read(store_file(&s)).unwrap(),
            bytes,
            "{what}: written when off"
        );
        reads_match(&s, &s.dir, Mode::Warm, &want, what);
        // A whole store with one bad entry parses that one again, and is not rewritten for
        // so little; the others are replaced by a whole store.
        let now = std::fs::read(store_file(&s)).unwrap();
        let whole = now.starts_with(magic) && seal(now[..now.len() - 8].to_vec()) == now;
        let kept = what.starts_with("an entry");
        assert!(
            whole && (now != bytes || kept),
            "{what}: the store was not replaced by a whole one"
        );
        assert_eq!(leftovers(&s), Vec::<String>::new(), "{what}");
    }

    // A folder where the file should be: outputs unchanged, nothing written, nothing left.
    std::fs::remove_file(store_file(&s)).unwrap();
    std::fs::create_dir_all(store_file(&s).join("inside")).unwrap();
    reads_match(&s, &s.dir, Mode::Warm, &want, "the store is a folder");
    assert!(store_file(&s).join("inside").is_dir());
    assert_eq!(leftovers(&s), Vec::<String>::new(), "the store is a folder");
    std::fs::remove_dir_all(store_file(&s)).unwrap();

    // The title of proposal 1, changed in the store with the checksum made right.
    let title = b"Flaky CI costs us an hour a day";
    let mut lie = good[..good.len() - 8].to_vec();
    let mut told = 0;
    while let Some(at) = lie.windows(title.len()).position(|w| w == title) {
        lie[at..at + title.len()].copy_from_slice(b"FLAKY CI costs us an hour a day");
        told += 1;
    }
    assert!(told > 0, "the title is not in the store");
    std::fs::write(store_file(&s), seal(lie)).unwrap();
    let warm = lead_mode(&s, &s.dir, Mode::Warm, &["list"]).ok();
    assert!(warm.contains("FLAKY CI"), "the store was not read:\n{warm}");
    let off = lead_mode(&s, &s.dir, Mode::Off, &["list"]).ok();
    assert!(
        off.contains("Flaky CI") && !off.contains("FLAKY"),
        "-c lead.cache=false read the store:\n{off}"
    );
}

// ---------------------------------------------------------------------------------------
// 3. Races
// ---------------------------------------------------------------------------------------

#[test]
fn processes_racing_to_write_the_cache_all_agree() {
    let s = settled_repo();
    let commands: [&[&str]; 4] = [
        &["check", "--format", "json"],
        &["list", "--json"],
        &["signoffs", "1", "--json"],
        &["log", "1"],
    ];
    for round in 0..4 {
        match round {
            0 => {}
            1 => {
                s.lead_as(CY, &["resolve", "1", "cost", "-m", "Machines bought"])
                    .ok();
            }
            2 => {
                s.write("src/b.txt", "b\n");
                s.git(&["add", "src/b.txt"]).ok();
                s.git(&["commit", "-qm", "Add b"]).ok();
                s.lead_as(BO, &["signoff", "1", "--withdraw"]).ok();
            }
            _ => {
                // A rewrite: the cached tip is no longer reachable.
                s.git(&["reset", "-q", "--hard", "HEAD~1"]).ok();
                s.lead_as(CY, &["signoff", "1", "-m", "Now"]).ok();
            }
        }
        assert!(
            round == 0 || cache_file(&s).is_file(),
            "round {round}: no cache"
        );
        let want: Vec<Run> = commands
            .iter()
            .map(|c| lead_mode(&s, &s.dir, Mode::Off, c))
            .collect();
        if round == 0 {
            assert!(!cache_file(&s).exists());
        }
        let children: Vec<_> = (0..8)
            .map(|i| {
                let mut args = vec!["lead"];
                args.extend_from_slice(commands[i % commands.len()]);
                let mut cmd: Command = s.cmd("git", &args);
                cmd.stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for (i, child) in children.into_iter().enumerate() {
            let out = child.wait_with_output().unwrap();
            let got = Run {
                code: out.status.code().unwrap_or(-1),
                stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            };
            let c = commands[i % commands.len()];
            same(
                &format!("round {round}, process {i}: git lead {}", shell(c)),
                &want[i % commands.len()],
                &got,
            );
        }
        assert_eq!(leftovers(&s), Vec::<String>::new(), "round {round}");
        assert!(
            cache_like(&read_cache(&s)),
            "round {round}: the cache is not whole"
        );
        for (c, want) in commands.iter().zip(&want) {
            let got = lead_mode(&s, &s.dir, Mode::Warm, c);
            same(
                &format!("round {round}, after: git lead {}", shell(c)),
                want,
                &got,
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// 4. Rewrites
// ---------------------------------------------------------------------------------------

/// Asserts that no output names `commit` (in full or short) or contains `text`.
#[track_caller]
fn nowhere(runs: &[Run], commands: &[&[&str]], commit: &str, text: &str, what: &str) {
    for (run, args) in runs.iter().zip(commands) {
        for out in [&run.stdout, &run.stderr] {
            assert!(
                !out.contains(&commit[..7]) && !out.contains(text),
                "{what}: git lead {} still shows the dropped commit {commit} or '{text}':\n{out}",
                shell(args)
            );
        }
    }
}

#[test]
fn rewritten_history_drops_what_is_no_longer_reachable() {
    let s = settled_repo();
    agree(&s, &s.dir, Mode::Warm, FEW, "before");
    // A line that will be dropped: Bo withdraws, then an ordinary commit.
    s.lead_as(BO, &["signoff", "1", "--withdraw", "-m", "Dropped line"])
        .ok();
    let dropped = s.head();
    s.write("src/dropped.txt", "x\n");
    s.git(&["add", "src/dropped.txt"]).ok();
    s.git(&["commit", "-qm", "Only on the dropped line"]).ok();
    let dropped_tip = s.head();
    let runs = agree(&s, &s.dir, Mode::Warm, FEW, "with the line");
    assert!(
        runs.iter().any(|r| r.stdout.contains(&dropped[..7])),
        "the withdrawal does not show"
    );
    assert!(
        contains(&read_cache(&s), &raw_id(&dropped_tip)),
        "the line is not cached"
    );

    // Back to before it, without new commits: the cache holds more than HEAD reaches.
    s.git(&["reset", "-q", "--hard", "HEAD~2"]).ok();
    let runs = reads_agree(&s, &s.dir, Mode::Warm, "reset, nothing new");
    nowhere(&runs, READS, &dropped, "Dropped line", "reset, nothing new");

    // New commits on top: the cached tip is unreachable.
    s.trailer_commit_as(CY, "After the rewrite", "Lead-Signoff: 1")
        .ok();
    s.write("src/new.txt", "y\n");
    s.git(&["add", "src/new.txt"]).ok();
    s.git(&["commit", "-qm", "New line"]).ok();
    let runs = reads_agree(&s, &s.dir, Mode::Warm, "reset, new commits");
    nowhere(&runs, READS, &dropped, "Dropped line", "reset, new commits");
    nowhere(
        &runs,
        READS,
        &dropped_tip,
        "Only on the dropped line",
        "reset, new commits",
    );
    let cache = read_cache(&s);
    assert!(
        !contains(&cache, &raw_id(&dropped)) && !contains(&cache, b"Dropped line"),
        "the rewritten cache still holds the dropped line"
    );
    agree(&s, &s.dir, Mode::Cold, FEW, "reset, cold");

    // Amend the tip sign-off's commit: the same trailers in a new commit.
    s.git(&["reset", "-q", "--hard", "HEAD~1"]).ok();
    let signed = s.head();
    let mut cmd = s.cmd(
        "git",
        &[
            "commit",
            "-q",
            "--amend",
            "--allow-empty",
            "-m",
            "Amended\n\nLead-Signoff: 1",
        ],
    );
    cmd.env("GIT_COMMITTER_DATE", "@1764579600 +0000");
    s.run_with(&mut cmd).ok();
    let runs = reads_agree(&s, &s.dir, Mode::Warm, "amended");
    nowhere(&runs, READS, &signed, "After the rewrite", "amended");
    assert!(
        runs.iter().any(|r| r.stdout.contains(&s.head()[..7])),
        "the amended sign-off does not show"
    );
    assert!(!contains(&read_cache(&s), &raw_id(&signed)));
}

// ---------------------------------------------------------------------------------------
// 5. Worktrees and shallow clones
// ---------------------------------------------------------------------------------------

#[test]
fn worktrees_share_one_cache() {
    let s = settled_repo();
    agree(&s, &s.dir, Mode::Warm, FEW, "main worktree");
    let wt = s.root().join("wt");
    s.git(&["worktree", "add", "-q", "-b", "side", wt.to_str().unwrap()])
        .ok();
    let before = read_cache(&s);
    // Commits in the second worktree.
    git_at(
        &s,
        &wt,
        CY,
        None,
        &["lead", "resolve", "1", "cost", "-m", "Bought"],
    )
    .ok();
    std::fs::write(wt.join("src/side.txt"), "side\n").unwrap();
    git_at(&s, &wt, ADA, None, &["add", "src/side.txt"]).ok();
    git_at(&s, &wt, ADA, None, &["commit", "-qm", "On the side"]).ok();
    git_at(&s, &wt, BO, None, &["lead", "signoff", "1", "--withdraw"]).ok();

    reads_agree(&s, &wt, Mode::Warm, "second worktree");
    let private = s.dir.join(".git/worktrees/wt");
    assert!(private.is_dir(), "git keeps the worktree's files elsewhere");
    assert!(
        !private.join("lead").exists(),
        "the second worktree has a cache of its own"
    );
    assert!(wt.join(".git").is_file());
    let shared = read_cache(&s);
    assert!(
        cache_like(&shared) && shared != before,
        "runs in the second worktree did not update the shared cache"
    );
    agree(&s, &wt, Mode::Cold, FEW, "second worktree, cold");
    assert!(!private.join("lead").exists());

    // Back in the first worktree, on the older branch, then with the side branch merged.
    agree(&s, &s.dir, Mode::Warm, FEW, "main worktree again");
    s.git(&["merge", "-q", "--no-ff", "--no-edit", "side"]).ok();
    reads_agree(&s, &s.dir, Mode::Warm, "main worktree, merged");
    agree(&s, &wt, Mode::Warm, FEW, "second worktree, after the merge");
}

#[test]
fn a_bad_cache_setting_is_a_located_error_that_writes_nothing() {
    let s = Sandbox::repo();
    s.lead(&["propose", "Flaky CI"]).ok();
    std::fs::remove_dir_all(s.dir.join(".git/lead")).ok();
    let err = s.git(&["-c", "lead.cache=maybe", "lead", "list"]).fails(1);
    assert!(
        err.contains("lead.cache") && err.contains("'maybe' is not a boolean"),
        "{err}"
    );
    // In `.lead.toml` it is not a repository setting: the error says where it belongs.
    s.write(".lead.toml", "cache = false\n");
    let err = s.lead(&["list"]).fails(1);
    assert!(
        err.contains(".lead.toml:1") && err.contains("git config lead.cache false"),
        "{err}"
    );
    assert!(!cache_file(&s).exists(), "a failed run wrote a cache");
    // As git configuration, it is read.
    std::fs::remove_file(s.dir.join(".lead.toml")).unwrap();
    s.git(&["config", "lead.cache", "false"]).ok();
    s.lead(&["list"]).ok();
    assert!(
        !cache_file(&s).exists(),
        "lead.cache=false in .git/config wrote a cache"
    );
}

#[test]
fn a_shallow_clone_neither_reads_nor_writes_a_cache() {
    let s = settled_repo();
    let clone = s.shallow_clone(2);
    let want: Vec<Run> = READS
        .iter()
        .map(|args| lead_mode(&s, &clone, Mode::Off, args))
        .collect();
    for (args, want) in READS.iter().zip(&want) {
        let got = lead_mode(&s, &clone, Mode::Warm, args);
        same(&format!("shallow: git lead {}", shell(args)), want, &got);
    }
    assert!(
        !clone.join(".git/lead").exists(),
        "a shallow clone wrote a cache"
    );
    // The full repository's cache names the same commits, and more: a shallow clone that
    // read it would see history it does not have.
    reads_agree(&s, &s.dir, Mode::Warm, "the full repository");
    let full = read_cache(&s);
    std::fs::create_dir_all(clone.join(".git/lead")).unwrap();
    std::fs::write(clone.join(".git/lead/cache"), &full).unwrap();
    for (args, want) in READS.iter().zip(&want) {
        let got = lead_mode(&s, &clone, Mode::Warm, args);
        same(
            &format!("shallow, with the full cache: git lead {}", shell(args)),
            want,
            &got,
        );
    }
    assert_eq!(std::fs::read(clone.join(".git/lead/cache")).unwrap(), full);
}

/// The commit time `seconds` after the harness's clock.
fn at(seconds: i64) -> String {
    format!("@{} +0000", 1_764_576_000 + seconds)
}

/// Packing the objects changes no answer. A walk with nothing cached reads the commits of
/// the pack files in one pass (`src/git/packs.rs`) and the loose ones one by one: every
/// read command gives, off and cold, what it gave while every object was loose; then with
/// loose commits on top of the pack, and with those in a second pack.
#[test]
fn packed_commits_read_as_loose_ones() {
    let s = settled_repo();
    // A side branch with clocks before and after main's, merged: the walk orders
    // concurrent commits by time, so a time read wrong shows.
    s.git(&["checkout", "-q", "-b", "side"]).ok();
    let bo = |when: i64, args: &[&str]| lead_at(&s, BO, when, args);
    bo(
        -50_000,
        &["signoff", "1", "--withdraw", "-m", "From the past"],
    );
    bo(600, &["signoff", "1", "-m", "Back again"]);
    s.git(&["checkout", "-q", "main"]).ok();
    bo(100, &["signoff", "1", "-m", "On main"]);
    let merge = ["merge", "-q", "--no-ff", "--no-edit", "side"];
    git_at(&s, &s.dir, ADA, Some(&at(700)), &merge).ok();
    let packs = || {
        std::fs::read_dir(s.dir.join(".git/objects/pack"))
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .filter(|e| e.path().extension().is_some_and(|x| x == "pack"))
                    .count()
            })
            .unwrap_or(0)
    };
    assert_eq!(packs(), 0, "the history is packed already");
    let loose = reads(&s, &s.dir, Mode::Off);
    s.git(&["repack", "-adq"]).ok();
    assert_eq!(packs(), 1);
    reads_match(&s, &s.dir, Mode::Off, &loose, "all in one pack");
    reads_match(&s, &s.dir, Mode::Cold, &loose, "all in one pack, cold");

    s.lead_as(CY, &["resolve", "1", "cost", "-m", "Budget approved"])
        .ok();
    s.trailer_commit_as(BO, "Still agree", "Lead-Signoff: 1")
        .ok();
    let loose = reads(&s, &s.dir, Mode::Off);
    reads_match(
        &s,
        &s.dir,
        Mode::Cold,
        &loose,
        "loose on top of the pack, cold",
    );
    s.git(&["repack", "-q"]).ok();
    assert_eq!(packs(), 2);
    reads_match(&s, &s.dir, Mode::Off, &loose, "in two packs");
    reads_match(&s, &s.dir, Mode::Cold, &loose, "in two packs, cold");
}

#[test]
fn a_cache_of_one_side_of_a_merge_keeps_the_walk_order() {
    // Bo withdraws on a branch; main, cached without that branch, has his later sign-off;
    // the merge brings the older withdrawal in, which a fresh walk puts first.
    let s = settled_repo();
    s.git(&["checkout", "-q", "-b", "side"]).ok();
    let bo = |when: i64, args: &[&str]| lead_at(&s, BO, when, args);
    let withdrawn = bo(100, &["signoff", "1", "--withdraw", "-m", "On the side"]);
    agree(&s, &s.dir, Mode::Warm, FEW, "on the side");
    s.git(&["checkout", "-q", "main"]).ok();
    let signed = bo(200, &["signoff", "1", "-m", "On main"]);
    agree(&s, &s.dir, Mode::Warm, FEW, "on main");
    let merge = ["merge", "-q", "--no-ff", "--no-edit", "side"];
    git_at(&s, &s.dir, ADA, Some(&at(300)), &merge).ok();
    let runs = reads_agree(&s, &s.dir, Mode::Warm, "merged");
    let log = &runs[READS.iter().position(|r| *r == ["log", "1"]).unwrap()].stdout;
    let (side, main) = (log.find(&withdrawn), log.find(&signed));
    assert!(side.is_some() && side < main, "{log}");

    // The same with the clocks the other way round, and a clock in the past.
    s.git(&["checkout", "-q", "-b", "other"]).ok();
    bo(-50_000, &["signoff", "1", "-m", "From the past"]);
    agree(&s, &s.dir, Mode::Warm, FEW, "past, on the branch");
    s.git(&["checkout", "-q", "main"]).ok();
    bo(400, &["signoff", "1", "--withdraw", "-m", "Later on main"]);
    agree(&s, &s.dir, Mode::Warm, FEW, "on main again");
    let merge = ["merge", "-q", "--no-ff", "--no-edit", "other"];
    git_at(&s, &s.dir, CY, Some(&at(500)), &merge).ok();
    reads_agree(&s, &s.dir, Mode::Warm, "merged again");
    agree(&s, &s.dir, Mode::Cold, FEW, "merged again, cold");
}

#[test]
fn a_cache_of_another_proposal_folder_is_not_used_for_this_one() {
    // The cache learns which commits changed `proposals/`; then the proposals move to
    // `rfcs/`, and later back.
    let s = settled_repo();
    reads_agree(&s, &s.dir, Mode::Warm, "in proposals/");
    s.git(&["mv", "proposals", "rfcs"]).ok();
    s.write(".lead.toml", "folder = \"rfcs\"\n");
    s.git(&["add", ".lead.toml"]).ok();
    s.git(&["commit", "-qm", "Move the proposals to rfcs/"])
        .ok();
    reads_agree(&s, &s.dir, Mode::Warm, "in rfcs/");
    s.lead_as(CY, &["resolve", "1", "cost", "-m", "Bought"])
        .ok();
    agree(&s, &s.dir, Mode::Warm, FEW, "in rfcs/, a commit later");
    s.git(&["mv", "rfcs", "proposals"]).ok();
    s.git(&["rm", "-q", ".lead.toml"]).ok();
    s.git(&["commit", "-qm", "Move them back"]).ok();
    reads_agree(&s, &s.dir, Mode::Warm, "back in proposals/");
    agree(&s, &s.dir, Mode::Cold, FEW, "back in proposals/, cold");
}

#[test]
fn a_mailmap_applies_to_cached_commits_too() {
    // Bo signs off from an old address, which only a `.mailmap` ties to the stakeholder.
    let s = settled_repo();
    s.git(&["commit", "--allow-empty", "-qm", "Unrelated"]).ok();
    s.trailer_commit_as(BO_OLD, "From my old address", "Lead-Signoff: 1")
        .ok();
    let mut outputs = Vec::new();
    for (what, mailmap) in [
        ("no .mailmap", None),
        (
            ".mailmap",
            Some("Bo Chen <bo@example.com> <bo@old.example.com>\n"),
        ),
        (
            "a .mailmap that renames him",
            Some("Robert Chen <bo@example.com> <bo@old.example.com>\n"),
        ),
        ("no .mailmap again", None),
    ] {
        match mailmap {
            Some(text) => s.write(".mailmap", text),
            None => {
                let _ = std::fs::remove_file(s.dir.join(".mailmap"));
            }
        }
        // First on the cache built under the previous `.mailmap`, then on one built under
        // this one.
        let runs = agree(&s, &s.dir, Mode::Warm, FEW, what);
        agree(&s, &s.dir, Mode::Cold, FEW, what);
        assert!(cache_file(&s).is_file(), "{what}: no cache");
        outputs.push(runs[2].stdout.clone());
    }
    assert_ne!(outputs[0], outputs[1], "the .mailmap changes nothing");
    assert_eq!(outputs[0], outputs[3]);
}

/// Rewrites the findings file so that every "the file says step" reads "the file SAYS
/// step", under a checksum made right again: a file that lies, to show which findings a
/// check keeps and which it finds again.
#[track_caller]
fn lie_in_findings(s: &Sandbox) {
    let bytes = std::fs::read(findings_file(s)).expect("no findings file after a check");
    let mut body = bytes[..bytes.len() - 8].to_vec();
    let (said, lie) = (b"the file says step", b"the file SAYS step");
    while let Some(at) = body.windows(said.len()).position(|w| w == said) {
        body[at..at + said.len()].copy_from_slice(lie);
    }
    let lies = body.windows(lie.len()).filter(|w| w == lie).count();
    assert_eq!(lies, 2, "the findings file does not hold both findings");
    std::fs::write(findings_file(s), seal(body)).unwrap();
}

/// `check` starts from the findings the last one kept: after new commits, a proposal they
/// did not touch keeps its findings and a touched one is checked again; a change to any
/// setting findings depend on (the configuration, the allowed-signers file, `.mailmap`)
/// checks everything again. Shown with a findings file that lies about both proposals.
#[test]
fn a_check_finds_again_only_what_new_commits_or_settings_changed() {
    let s = settled_repo();
    // Both files say a step that no transition recorded: a finding each.
    for (id, from, to) in [(1, "socialize", "critique"), (2, "problem", "idea")] {
        let file = s.proposal_file(id);
        let text = s.read(&file);
        s.write(
            &file,
            &text.replace(&format!("step = \"{from}\""), &format!("step = \"{to}\"")),
        );
    }
    s.git(&["commit", "-qam", "Edit the steps by hand"]).ok();
    let off = |s: &Sandbox| lead_mode(s, &s.dir, Mode::Off, &["check"]);
    let warm = |s: &Sandbox| lead_mode(s, &s.dir, Mode::Warm, &["check"]);
    let first = warm(&s);
    same("the first check", &off(&s), &first);
    assert!(
        first.stdout.contains("the file says step \"idea\""),
        "{}",
        first.stdout
    );
    assert!(first.stdout.contains("the file says step \"critique\""));

    // A sign-off on proposal 1: proposal 2 keeps the lie, proposal 1 is checked again.
    lie_in_findings(&s);
    s.trailer_commit_as(BO, "Still agree", "Lead-Signoff: 1")
        .ok();
    let kept = warm(&s);
    assert!(
        kept.stdout.contains("the file SAYS step \"idea\""),
        "{}",
        kept.stdout
    );
    assert!(
        kept.stdout.contains("the file says step \"critique\""),
        "{}",
        kept.stdout
    );
    let truth = off(&s);
    assert_eq!(kept.stdout.replace("SAYS", "says"), truth.stdout);
    assert_eq!((kept.code, &kept.stderr), (truth.code, &truth.stderr));

    // Proposal 2's file edited and put back: the same blob, but two more changes in its
    // history. Proposal 2 is checked again, proposal 1 keeps the lie.
    lie_in_findings(&s);
    let file = s.proposal_file(2);
    let text = s.read(&file);
    s.write(&file, &format!("{text}\n"));
    s.git(&["commit", "-qam", "Add a blank line"]).ok();
    s.write(&file, &text);
    s.git(&["commit", "-qam", "Take it out again"]).ok();
    let kept = warm(&s);
    assert!(
        kept.stdout.contains("the file SAYS step \"critique\""),
        "{}",
        kept.stdout
    );
    assert!(
        kept.stdout.contains("the file says step \"idea\""),
        "{}",
        kept.stdout
    );
    assert_eq!(kept.stdout.replace("SAYS", "says"), off(&s).stdout);

    // The same commit checked again answers from the file alone.
    lie_in_findings(&s);
    let again = warm(&s);
    assert_eq!(again.stdout.matches("SAYS").count(), 2, "{}", again.stdout);

    // Proposal 2's file edited for good: checked again once, then kept with its new blob,
    // so that a later commit that touches nothing leaves its findings alone.
    let file = s.proposal_file(2);
    let text = s.read(&file);
    s.write(&file, &format!("{text}\n"));
    s.git(&["commit", "-qam", "Add a blank line for good"]).ok();
    let edited = warm(&s);
    assert!(
        edited.stdout.contains("the file says step \"idea\""),
        "{}",
        edited.stdout
    );
    assert_eq!(edited.stdout.replace("SAYS", "says"), off(&s).stdout);
    lie_in_findings(&s);
    s.git(&["commit", "-q", "--allow-empty", "-m", "Touches nothing"])
        .ok();
    let kept = warm(&s);
    assert_eq!(kept.stdout.matches("SAYS").count(), 2, "{}", kept.stdout);

    // Each setting, changed, makes the lie go.
    let signers = s.dir.join("signers");
    std::fs::write(&signers, "bo@example.com ssh-ed25519 AAAA\n").unwrap();
    for what in [
        "a lead.* setting",
        "another allowed-signers file",
        "an edit to the allowed-signers file",
        "a .mailmap",
    ] {
        let before = warm(&s);
        assert!(
            before.stdout.contains("SAYS"),
            "{what}: the lie is gone before the change"
        );
        match what {
            "a lead.* setting" => {
                s.git(&["config", "lead.signoff.quorum", "1"]).ok();
            }
            "another allowed-signers file" => {
                s.git(&["config", "lead.signoff.allowed-signers", "signers"])
                    .ok();
            }
            "an edit to the allowed-signers file" => {
                std::fs::write(&signers, "cy@example.com ssh-ed25519 AAAA\n").unwrap();
            }
            _ => s.write(
                ".mailmap",
                "Bo Chen <bo@example.com> <bo@old.example.com>\n",
            ),
        }
        same(what, &off(&s), &warm(&s));
        lie_in_findings(&s);
    }
    // A rewritten history: the commit checked is no longer an ancestor of HEAD.
    s.git(&["commit", "--amend", "--allow-empty", "-qm", "Reworded"])
        .ok();
    same("a rewritten history", &off(&s), &warm(&s));
}

/// A proposal file the store knows by its status is not read again; edited in place, with
/// its size and modification time as they were, it is. Every read command agrees with a
/// run without the cache, before and after the edit.
#[test]
fn a_file_edited_in_place_with_its_old_times_is_read_again() {
    let s = settled_repo();
    let rel = s.proposal_file(2);
    // A file changed within two seconds of a run is not kept: let them settle.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    lead_mode(&s, &s.dir, Mode::Warm, &["list"]).ok();
    let store = std::fs::read(store_file(&s)).unwrap();
    let path = s.dir.join(&rel);
    assert!(
        contains(&store, path.to_str().unwrap().as_bytes()),
        "the store does not know {rel}"
    );
    let want = reads(&s, &s.dir, Mode::Off);
    reads_match(&s, &s.dir, Mode::Warm, &want, "kept by status");
    // The same length, another title, the old modification time back.
    let before = std::fs::metadata(&path).unwrap();
    let text = s.read(&rel);
    let edited = text.replacen("Slow builds", "Slow BUILDS", 1);
    assert!(edited != text && edited.len() == text.len());
    s.write(&rel, &edited);
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(before.modified().unwrap())
        .unwrap();
    let after = std::fs::metadata(&path).unwrap();
    assert_eq!(
        (after.len(), after.modified().unwrap()),
        (before.len(), before.modified().unwrap())
    );
    let want = reads(&s, &s.dir, Mode::Off);
    let got = reads_match(&s, &s.dir, Mode::Warm, &want, "edited in place");
    assert!(
        got[0].stdout.contains("Slow BUILDS"),
        "list shows the old title:\n{}",
        got[0].stdout
    );
}

/// A part found damaged while a walk is under way, after the header was read: the walk
/// starts again without the cache instead of reading ids the damaged part gave. Here the
/// cache comes from `list` (no folder changes), so `show` must look up the folder in the
/// root tree of every cached commit, which the graph part gives.
#[test]
fn a_part_damaged_under_a_walk_that_needs_it_is_not_used() {
    let s = settled_repo();
    let want = reads(&s, &s.dir, Mode::Off);
    lead_mode(&s, &s.dir, Mode::Warm, &["list"]).ok();
    let good = read_cache(&s);
    // The graph part, fourth in the file: a byte flipped, its checksum left as it was.
    let graph = cache_part(&good, 3);
    assert!(!graph.is_empty(), "no graph part");
    let mut bad = good.clone();
    bad[graph.start + graph.len() / 2] ^= 0x40;
    for (args, want) in READS.iter().zip(&want) {
        std::fs::write(cache_file(&s), &bad).unwrap();
        let got = lead_mode(&s, &s.dir, Mode::Warm, args);
        same(
            &format!("graph damaged: git lead {}", shell(args)),
            want,
            &got,
        );
    }
}

/// On a terminal, a walk that takes longer than `GIT_PROGRESS_DELAY` seconds (here none)
/// tells how many commits it has read, on stderr, and erases the line when it is over, an
/// error too; the packs' commits are counted as the cores read them. Nothing with
/// `--quiet`, when stderr is not a terminal, or within the default second. The terminal is util-linux's `script`;
/// without it the test says so and checks only the cases without a terminal.
#[test]
fn a_long_walk_tells_its_progress_on_a_terminal_only() {
    let s = settled_repo();
    s.git(&["repack", "-adq"]).ok();
    let line = "reading the history: ";
    let cold = || {
        let _ = std::fs::remove_dir_all(s.dir.join(".git/lead"));
    };
    // Not a terminal: nothing, however short the delay.
    cold();
    let mut piped = s.cmd("git", &["lead", "list"]);
    piped.env("GIT_PROGRESS_DELAY", "0");
    let run = s.run_with(&mut piped);
    assert!(run.code == 0 && !run.stderr.contains(line), "{run:?}");
    let has_script = Command::new("script")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|st| st.success());
    if !has_script {
        eprintln!("no `script` here: the terminal cases are not checked");
        return;
    }
    // On a terminal (stdout thrown away, stderr on the terminal script made).
    let terminal_run = |delay: Option<&str>, args: &str| {
        cold();
        let shell = format!("git lead {args} list >/dev/null");
        let mut cmd = s.cmd("script", &["-q", "-e", "-c", &shell, "/dev/null"]);
        if let Some(d) = delay {
            cmd.env("GIT_PROGRESS_DELAY", d);
        }
        s.run_with(&mut cmd)
    };
    let on_terminal = |delay: Option<&str>, args: &str| {
        let run = terminal_run(delay, args);
        assert_eq!(run.code, 0, "{run:?}");
        run.stdout
    };
    let shown = on_terminal(Some("0"), "");
    let at = shown
        .find(line)
        .unwrap_or_else(|| panic!("no progress: {shown:?}"));
    let count: String = shown[at + line.len()..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    assert!(count.parse::<u32>().is_ok_and(|n| n > 0), "{shown:?}");
    assert!(
        shown[at..].contains("\r\x1b[K"),
        "the line stays: {shown:?}"
    );
    let quiet = on_terminal(Some("0"), "--quiet");
    assert!(!quiet.contains(line), "{quiet:?}");
    let quick = on_terminal(None, "");
    assert!(!quick.contains(line), "{quick:?}");

    // A commit whose parent is missing, on top of the packed ones: the walk fails after
    // the line showed, and the error starts a line of its own.
    let head = s.git(&["rev-parse", "HEAD"]).ok();
    let tree = s.git(&["rev-parse", "HEAD^{tree}"]).ok();
    let broken = format!(
        "tree {}\nparent {}\nparent {}\nauthor A <a@example.com> 1 +0000\n\
         committer A <a@example.com> 1 +0000\n\nA parent that is not there\n",
        tree.trim(),
        head.trim(),
        "12".repeat(20)
    );
    let hash = [
        "hash-object",
        "-t",
        "commit",
        "-w",
        "--literally",
        "--stdin",
    ];
    let id = s.git_stdin(&hash, &broken).ok();
    s.git(&["update-ref", "HEAD", id.trim()]).ok();
    let failed = terminal_run(Some("0"), "");
    assert_ne!(failed.code, 0, "{failed:?}");
    let error = failed.stdout.find("error:").expect("an error");
    assert!(failed.stdout[..error].contains(line), "{failed:?}");
    assert!(
        failed.stdout[..error].ends_with("\r\u{1b}[K"),
        "the error follows the line: {failed:?}"
    );
}

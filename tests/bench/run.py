#!/usr/bin/env python3
"""Times git lead's read commands against the git pipeline that reads the same trailers.

    run.py [--commits N] [--proposals P] [--events E] [--runs R] [--bin PATH]
    run.py --repo PATH [--runs R] [--bin PATH] [--only NAME,...]

Builds (once, under target/bench/) a repository with tests/bench/generate.py, or takes an
existing one with --repo (a clone of a real history with a proposal or more at its tip,
at least four commits deep; its .git/lead/ is deleted and rebuilt as the runs need), then for
each command prints the median wall time of R runs, cold and warm, its ratio to
`git log --format='%H %(trailers:key=Lead-Proposal,key=Lead-Step,key=Lead-Signoff)' HEAD`
on the same history, and the peak resident memory of all its runs. Run from the top of
the repository after `cargo build --release`.

The git pipeline runs just before each run of a command, and each ratio is to the median
of the pipeline runs beside it: a machine whose speed drifts over the minutes of the
benchmark (shared hosts do, by a third) moves both sides alike. The pipeline's row gives
the median of all its runs.

cold: no cache (.git/lead/, the history cache and the parsed proposals, is deleted
before each run).
warm: .git/lead/ as `git lead list` then `git lead check` left it three commits earlier
(HEAD~3), restored before each run, so every run reads the three new commits and merges
them in, and reads again the proposal files they changed.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
PIPELINE = ["git", "log", "--format=%H %(trailers:key=Lead-Proposal,key=Lead-Step,key=Lead-Signoff)", "HEAD"]
# For reference: git tracing the proposal folder's history, which show, log, signoffs and
# check also do (cold) to tell which commits changed a proposal.
FOLDER = ["git", "log", "--format=%H", "HEAD", "--", "proposals"]


def run_once(cmd, cwd, env):
    """Seconds and peak RSS (MB) of one run."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def measure(cmd, cwd, env, runs, before=None, beside=None):
    """Median seconds and peak RSS (MB) of `runs` runs; `before` runs ahead of each one.
    With `beside` (a command), it runs just before each run too, and the median of its
    times comes third; each of its times is added to the list `beside_times` as well."""
    times, peak, others = [], 0, []
    for _ in range(runs):
        if beside:
            others.append(run_once(beside, cwd, env)[0])
        if before:
            before()
        took, rss = run_once(cmd, cwd, env)
        times.append(took)
        peak = max(peak, rss)
    beside_times.extend(others)
    return statistics.median(times), peak, (statistics.median(others) if others else None)


beside_times = []


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--commits", type=int, default=100_000)
    ap.add_argument("--proposals", type=int, default=1000)
    ap.add_argument("--events", type=int, default=20_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--bin", default=os.path.join(TOP, "target", "release", "git-lead"))
    ap.add_argument("--repo", help="an existing repository to time instead of a generated one")
    ap.add_argument("--only", help="the commands to time, by first word (list,show,...)")
    ap.add_argument("--markdown", action="store_true", help="print the table in Markdown")
    args = ap.parse_args()
    if not os.path.exists(args.bin):
        sys.exit(f"{args.bin} is missing: run 'cargo build --release' first")
    if args.repo:
        repo = os.path.abspath(args.repo)
        if not os.path.isdir(os.path.join(repo, ".git")):
            sys.exit(f"{repo} is not the top of a repository with a .git directory")
    else:
        repo = os.path.join(TOP, "target", "bench", f"repo-{args.commits}-{args.proposals}-{args.events}")
    if not os.path.isdir(os.path.join(repo, ".git")):
        shutil.rmtree(repo, ignore_errors=True)
        subprocess.run([sys.executable, os.path.join(HERE, "generate.py"), repo, "--commits", str(args.commits),
                        "--proposals", str(args.proposals), "--events", str(args.events)], check=True)
    env = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", NO_COLOR="1")
    cache_dir = os.path.join(repo, ".git", "lead")
    cache = os.path.join(cache_dir, "cache")
    saved = os.path.join(repo, ".git", "lead-bench-warm")

    def cold():
        shutil.rmtree(cache_dir, ignore_errors=True)

    def git(*argv):
        subprocess.run(["git", *argv], cwd=repo, env=env, check=True, capture_output=True)

    # The warm cache: what `list` then `check` leave at HEAD~3.
    branch = subprocess.run(["git", "symbolic-ref", "--short", "HEAD"], cwd=repo, env=env,
                            capture_output=True, text=True).stdout.strip() or "main"
    cold()
    git("checkout", "-q", "--detach", "HEAD~3")
    for command in ("list", "check"):
        subprocess.run([args.bin, command], cwd=repo, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    git("checkout", "-q", branch)
    if not os.path.exists(cache):
        sys.exit("no cache was written under .git/lead/")
    shutil.rmtree(saved, ignore_errors=True)
    shutil.copytree(cache_dir, saved)

    def warm():
        shutil.rmtree(cache_dir, ignore_errors=True)
        shutil.copytree(saved, cache_dir)

    sample = subprocess.run([args.bin, "list", "--json"], cwd=repo, env=env, capture_output=True, text=True)
    ids = [line.split(":")[1].strip().rstrip(",") for line in sample.stdout.splitlines() if line.strip().startswith('"id"')]
    pid = ids[len(ids) // 2] if ids else "1"
    commands = {
        "list": ["list"],
        f"show {pid}": ["show", pid],
        f"log {pid}": ["log", pid],
        f"signoffs {pid}": ["signoffs", pid],
        "check": ["check"],
        "review --base HEAD~3": ["review", "--base", "HEAD~3"],
        f"diff {pid} HEAD~3 HEAD": ["diff", pid, "HEAD~3", "HEAD"],
    }
    if args.only:
        wanted = args.only.split(",")
        commands = {name: argv for name, argv in commands.items() if argv[0] in wanted}
    _, git_peak, _ = measure(PIPELINE, repo, env, 1)
    folder_time, folder_peak, folder_git = measure(FOLDER, repo, env, args.runs, beside=PIPELINE)
    # name, cold s, its ratio, warm s and its ratio (None for git's own), peak MB
    rows = [("git log -- dir", folder_time, folder_time / folder_git, None, None, folder_peak)]
    for name, argv in commands.items():
        cmd = [args.bin] + argv
        cold_time, cold_peak, cold_git = measure(cmd, repo, env, args.runs, before=cold, beside=PIPELINE)
        warm_time, warm_peak, warm_git = measure(cmd, repo, env, args.runs, before=warm, beside=PIPELINE)
        rows.append((name, cold_time, cold_time / cold_git, warm_time, warm_time / warm_git,
                     max(cold_peak, warm_peak)))
    git_time = statistics.median(beside_times)
    rows.insert(0, ("git pipeline", git_time, 1.0, None, None, git_peak))
    commits = subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=repo, env=env,
                             capture_output=True, text=True).stdout.strip()
    events = subprocess.run(["git", "log", "--format=%(trailers:key=Lead-Proposal,valueonly)", "HEAD"],
                            cwd=repo, env=env, capture_output=True, text=True).stdout.split()
    print(f"history: {args.repo or 'generated'}, {commits} commits, {len(ids)} proposals, "
          f"{len(events)} lead events; "
          f"median of {args.runs} runs; the git pipeline took {min(beside_times):.3f}-"
          f"{max(beside_times):.3f} s")
    if args.markdown:
        print("| command | cold s | × git | warm s | × git | peak MB |")
        print("|---|---|---|---|---|---|")
        for name, cold_s, cold_x, warm_s, warm_x, peak in rows:
            warm_cells = f"{warm_s:.3f} | {warm_x:.3f}" if warm_s is not None else " | "
            print(f"| {name} | {cold_s:.3f} | {cold_x:.2f} | {warm_cells} | {peak:.0f} |")
    else:
        print(f"{'command':<16}{'cold s':>9}{'x git':>8}{'warm s':>9}{'x git':>8}{'peak MB':>9}")
        for name, cold_s, cold_x, warm_s, warm_x, peak in rows:
            warm_cells = f"{warm_s:>9.3f}{warm_x:>8.3f}" if warm_s is not None else " " * 17
            print(f"{name:<16}{cold_s:>9.3f}{cold_x:>8.2f}{warm_cells}{peak:>9.1f}")
    sizes = ", ".join(f"{name} {os.path.getsize(os.path.join(saved, name)) / 1e6:.1f} MB"
                      for name in sorted(os.listdir(saved)))
    print(f"files under .git/lead/: {sizes}")
    shutil.rmtree(saved)


if __name__ == "__main__":
    main()

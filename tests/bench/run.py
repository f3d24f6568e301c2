#!/usr/bin/env python3
"""Times git lead's read commands against the git pipeline that reads the same trailers.

    run.py [--commits N] [--proposals P] [--events E] [--runs R] [--bin PATH]

Builds (once, under target/bench/) a repository with tests/bench/generate.py, then for
each command prints the median wall time of R runs, its ratio to
`git log --format='%H %(trailers:key=Lead-Proposal,key=Lead-Step,key=Lead-Signoff)' HEAD`
on the same history, and the peak resident memory of the slowest run. Run from the top of
the repository after `cargo build --release`.
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


def measure(cmd, cwd, env, runs, before=None):
    """Median seconds and peak RSS (MB) of `runs` runs; `before` runs ahead of each one."""
    times, peak = [], 0
    for _ in range(runs):
        if before:
            before()
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        times.append(time.perf_counter() - start)
        peak = max(peak, usage.ru_maxrss / 1024)
    return statistics.median(times), peak


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--commits", type=int, default=100_000)
    ap.add_argument("--proposals", type=int, default=1000)
    ap.add_argument("--events", type=int, default=20_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--bin", default=os.path.join(TOP, "target", "release", "git-lead"))
    args = ap.parse_args()
    if not os.path.exists(args.bin):
        sys.exit(f"{args.bin} is missing: run 'cargo build --release' first")
    repo = os.path.join(TOP, "target", "bench", f"repo-{args.commits}-{args.proposals}-{args.events}")
    if not os.path.isdir(os.path.join(repo, ".git")):
        shutil.rmtree(repo, ignore_errors=True)
        subprocess.run([sys.executable, os.path.join(HERE, "generate.py"), repo, "--commits", str(args.commits),
                        "--proposals", str(args.proposals), "--events", str(args.events)], check=True)
    env = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", NO_COLOR="1")
    cache = os.path.join(repo, ".git", "lead")

    def cold():
        shutil.rmtree(cache, ignore_errors=True)

    sample = subprocess.run([args.bin, "list", "--json"], cwd=repo, env=env, capture_output=True, text=True)
    ids = [line.split(":")[1].strip().rstrip(",") for line in sample.stdout.splitlines() if line.strip().startswith('"id"')]
    pid = ids[len(ids) // 2] if ids else "1"
    commands = {
        "list": ["list"],
        f"show {pid}": ["show", pid],
        f"log {pid}": ["log", pid],
        f"signoffs {pid}": ["signoffs", pid],
        "check": ["check"],
    }
    git_time, git_peak = measure(PIPELINE, repo, env, args.runs)
    print(f"history: {args.commits} commits, {len(ids)} proposals, {args.events} lead events; "
          f"median of {args.runs} runs")
    print(f"{'command':<16}{'cold s':>9}{'x git':>8}{'warm s':>9}{'x git':>8}{'peak MB':>9}")
    print(f"{'git pipeline':<16}{git_time:>9.3f}{1:>8.2f}{'':>9}{'':>8}{git_peak:>9.1f}")
    for name, argv in commands.items():
        cmd = [args.bin] + argv
        cold_time, cold_peak = measure(cmd, repo, env, args.runs, before=cold)
        warm = ""
        subprocess.run(cmd, cwd=repo, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if os.path.exists(cache) and os.listdir(cache):
            warm_time, warm_peak = measure(cmd, repo, env, args.runs)
            warm = f"{warm_time:>9.3f}{warm_time / git_time:>8.3f}"
            cold_peak = max(cold_peak, warm_peak)
        else:
            warm = f"{'-':>9}{'-':>8}"
        print(f"{name:<16}{cold_time:>9.3f}{cold_time / git_time:>8.2f}{warm}{cold_peak:>9.1f}")


if __name__ == "__main__":
    main()

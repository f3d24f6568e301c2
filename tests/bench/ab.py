#!/usr/bin/env python3
"""Times builds of git lead, and the git pipeline, interleaved: cold runs in random order.

    ab.py REPO ROUNDS NAME=BINARY... [--args "check"]

Each round deletes REPO's .git/lead/ before every run and runs every build once (and the
git pipeline once), in a random order, so that a host whose speed drifts over the minutes
moves them all alike. Prints, for each, the median wall time and CPU time (user and
system) of its runs, the fastest run, the peak resident size, and the ratio of its median
wall time to the pipeline's. See docs/performance.md, "Measuring one change".
"""

import argparse
import os
import random
import shutil
import statistics
import subprocess
import time

PIPELINE = ["git", "log", "--format=%H %(trailers:key=Lead-Proposal,key=Lead-Step,key=Lead-Signoff)", "HEAD"]


def run_once(cmd, cwd):
    """Wall seconds, CPU seconds and peak RSS (MB) of one run."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("repo")
    ap.add_argument("rounds", type=int)
    ap.add_argument("builds", nargs="+", help="NAME=BINARY")
    ap.add_argument("--args", default="check", help="the command line to give each build")
    args = ap.parse_args()
    runs = {"git pipeline": PIPELINE}
    for build in args.builds:
        name, _, binary = build.partition("=")
        if not binary:
            ap.error(f"{build}: give NAME=BINARY")
        runs[name] = [os.path.abspath(binary)] + args.args.split()
    results = {name: [] for name in runs}
    lead = os.path.join(args.repo, ".git", "lead")
    for _ in range(args.rounds):
        order = list(runs)
        random.shuffle(order)
        for name in order:
            shutil.rmtree(lead, ignore_errors=True)
            results[name].append(run_once(runs[name], args.repo))
    git = statistics.median(r[0] for r in results["git pipeline"])
    print(f"{args.repo}: {args.rounds} rounds, cold (.git/lead/ deleted before each run)")
    print(f"{'':16} {'wall s':>7} {'cpu s':>7} {'fastest':>8} {'peak MB':>8} {'x git':>6}")
    for name, rs in results.items():
        wall = statistics.median(r[0] for r in rs)
        cpu = statistics.median(r[1] for r in rs)
        print(f"{name:16} {wall:7.3f} {cpu:7.3f} {min(r[0] for r in rs):8.3f} "
              f"{max(r[2] for r in rs):8.0f} {wall / git:6.2f}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Damages git lead's files under .git/lead/ while its read commands run, and compares every
result with a run that has the cache turned off.

    sabotage.py REPO [--rounds R] [--seed S] [--id N] [--bin PATH]

One thread deletes, truncates, flips bytes in and overwrites blocks of `.git/lead/cache`,
`.git/lead/proposals` and `.git/lead/findings` every 5 to 50 ms. Meanwhile `list`,
`list --json`, `show N`, `log N`, `signoffs N`, `check` and `check --format json` run R
times each one at a time, then R times three at once. Each result (status, stdout, stderr)
must equal that of `git -c lead.cache=false lead ...` run before the damage began (both
with `advice.leadCommitGraph=false`: the hint of a long cold walk is not an answer). Run from
the top of the repository after `cargo build --release`, on a history from
tests/bench/generate.py (for example target/bench/repo-10000-1000-10000); exits 1 when any
result differs.
"""

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("repo")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--id", default="1", help="the proposal show, log and signoffs ask about")
    ap.add_argument("--bin", default=os.path.join(TOP, "target", "release", "git-lead"))
    args = ap.parse_args()
    if not os.path.exists(args.bin):
        sys.exit(f"{args.bin} is missing: run 'cargo build --release' first")
    # `git lead` finds the binary on PATH.
    path_dir = tempfile.mkdtemp(prefix="git-lead-sabotage-")
    os.symlink(os.path.abspath(args.bin), os.path.join(path_dir, "git-lead"))
    env = dict(os.environ, PATH=path_dir + os.pathsep + os.environ["PATH"], NO_COLOR="1")
    commands = [["list"], ["list", "--json"], ["show", args.id], ["log", args.id],
                ["signoffs", args.id], ["check"], ["check", "--format", "json"]]

    def run(argv, off=False):
        # The commit-graph hint comes with cold walks only, and every cache-off walk is cold.
        git = ["git", "-c", "advice.leadCommitGraph=false"]
        git += (["-c", "lead.cache=false"] if off else []) + ["lead"] + argv
        p = subprocess.run(git, cwd=args.repo, env=env, capture_output=True)
        return (p.returncode, p.stdout, p.stderr)

    want = {tuple(c): run(c, off=True) for c in commands}
    stop = threading.Event()

    def sabotage():
        rng = random.Random(args.seed)
        lead = os.path.join(args.repo, ".git", "lead")
        while not stop.is_set():
            for name in ("cache", "proposals", "findings"):
                path = os.path.join(lead, name)
                try:
                    k = rng.randrange(5)
                    size = os.path.getsize(path)
                    if k == 0:
                        os.remove(path)
                    elif k == 1:
                        with open(path, "r+b") as f:
                            f.truncate(rng.randrange(size + 1))
                    elif k == 2:
                        with open(path, "r+b") as f:
                            for _ in range(3):
                                f.seek(rng.randrange(max(size, 1)))
                                f.write(bytes([rng.randrange(256)]))
                    elif k == 3:
                        with open(path, "r+b") as f:
                            f.seek(rng.randrange(max(size, 1)))
                            f.write(os.urandom(4096))
                    # k == 4: left alone.
                except OSError:
                    pass
            time.sleep(rng.uniform(0.005, 0.05))

    results = []
    lock = threading.Lock()

    def check_one(argv):
        got = run(argv)
        with lock:
            results.append(got == want[tuple(argv)])
            if got != want[tuple(argv)]:
                print(f"differs: git lead {' '.join(argv)}: status {got[0]}, "
                      f"without the cache {want[tuple(argv)][0]}\n{got[2].decode(errors='replace')[-300:]}")

    damage = threading.Thread(target=sabotage)
    damage.start()
    try:
        for _ in range(args.rounds):
            for argv in commands:
                check_one(argv)
        rng = random.Random(args.seed + 1)
        for _ in range(args.rounds):
            threads = [threading.Thread(target=check_one, args=(c,)) for c in rng.sample(commands, 3)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
    finally:
        stop.set()
        damage.join()
        shutil.rmtree(path_dir, ignore_errors=True)
    same = sum(results)
    print(f"{same}/{len(results)} results identical to the cache-off run")
    sys.exit(0 if same == len(results) else 1)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Builds a deterministic repository for benchmarking git lead, through git fast-import.

    generate.py <dir> --commits N --proposals P --events E [--seed S] [--onto]

The history is N commits on `main`; with --onto, N commits on top of the current branch of
the repository already in <dir> (a clone of a real history, say: the proposals are then
grafted onto it, dated after its tip). P proposals are created along it, and E lead events
in all (proposals, transitions, sign-offs, concerns and their resolutions, feedback
rounds) are spread through ordinary commits that touch source files. Every proposal's
content is complete for the steps it reaches, so `git lead check` has real work to do.
The same arguments always give the same commits (fixed seed, fixed clock).
"""

import argparse
import os
import random
import subprocess
import sys

STEPS = ["problem", "idea", "alternatives", "critique", "stakeholders", "strategy",
         "socialize", "implement"]
PEOPLE = [("Ada Lovelace", "ada@example.com"), ("Bo Chen", "bo@example.com"),
          ("Cy Dee", "cy@example.com"), ("Dana Wu", "dana@example.com"),
          ("Eve Ng", "eve@example.com"), ("Finn Ali", "finn@example.com")]
WORDS = ("build cache flaky test deploy review release docs api queue index shard "
         "retry alert owner budget latency backlog onboarding").split()


def sentence(rng, n=8):
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize()


def proposal_text(pid, title, author, step, feedback, rng_seed):
    rng = random.Random(rng_seed)
    a_name, a_email = author
    others = [p for p in PEOPLE if p[1] != a_email][:3]
    lines = [
        f"# Proposal {pid}, generated for benchmarks.",
        "schema = 1",
        f"id = {pid}",
        f'title = "{title}"',
        f'author = "{a_name} <{a_email}>"',
        'created = "2024-01-01"',
        f'step = "{step}"',
        "",
        "[problem]",
        f'statement = "{sentence(rng, 20)}"',
        f'affected = "{sentence(rng, 6)}"',
        "",
        "[idea]",
    ]
    for i in (1, 2):
        lines += ["", f"[idea.I{i}]", f'summary = "{sentence(rng)}"']
    lines += ["", "[alternatives]", f'objections = ["{sentence(rng)}"]', "",
              "[critique]", 'chosen = "I1"', f'why = "{sentence(rng)}"']
    for i, verdict in ((1, "root-cause"), (2, "band-aid")):
        lines += ["", f"[critique.I{i}]", f'verdict = "{verdict}"', f'reason = "{sentence(rng)}"']
    lines += ["", "[stakeholders]"]
    for n, (name, email) in enumerate(others):
        key = name.lower().replace(" ", "-")
        lines += ["", f"[stakeholders.{key}]", f'who = "{name} <{email}>"',
                  f'role = "{rng.choice(WORDS)} lead"', f'perspective = "{sentence(rng)}"',
                  f"required = {'true' if n == 0 else 'false'}"]
    lines += ["", "[strategy]"]
    for name, _ in others:
        key = name.lower().replace(" ", "-")
        lines += ["", f"[strategy.{key}]", f'pain = "{sentence(rng)}"', f'pitch = "{sentence(rng)}"']
    lines += ["", "[socialize]"]
    for f in range(1, feedback + 1):
        name, email = others[f % len(others)]
        lines += ["", f"[socialize.F{f}]", f'from = "{name} <{email}>"', 'date = "2024-02-01"',
                  f'text = "{sentence(rng)}"', 'status = "incorporated"',
                  f'answer = "{sentence(rng)}"']
    if feedback == 0:
        name, email = others[1]
        lines += ["", "[socialize.F1]", f'from = "{name} <{email}>"', 'date = "2024-02-01"',
                  f'text = "{sentence(rng)}"', 'status = "incorporated"',
                  f'answer = "{sentence(rng)}"']
    lines += ["", "[implement]", f'plan = "{sentence(rng)}"', ""]
    return "\n".join(lines), others


def plan(args):
    """Which commit carries which event: a list of (commit index, event) sorted by index."""
    rng = random.Random(args.seed)
    events = []
    budget = args.events - args.proposals
    per = max(budget // max(args.proposals, 1), 0)
    for pid in range(1, args.proposals + 1):
        start = rng.randrange(0, max(args.commits - per - 2, 1))
        target = rng.randrange(0, len(STEPS))
        chain = [("propose", pid)]
        chain += [("step", pid, STEPS[s]) for s in range(1, target + 1)]
        extra = max(per - (len(chain) - 1), 0)
        for k in range(extra):
            chain.insert(rng.randrange(1, len(chain) + 1),
                         rng.choice([("signoff", pid), ("feedback", pid), ("concern", pid)]))
        positions = sorted(rng.sample(range(start, args.commits), min(len(chain), args.commits - start)))
        for pos, ev in zip(positions, chain):
            events.append((pos, ev))
    events.sort(key=lambda e: e[0])
    # One lead event per commit: move an event that shares a commit to the next free one,
    # keeping the order of each proposal's chain.
    placed, used = [], set()
    last = {}
    for pos, ev in events:
        pos = max(pos, last.get(ev[1], -1) + 1)
        while pos in used:
            pos += 1
        if pos >= args.commits:
            continue
        used.add(pos)
        last[ev[1]] = pos
        placed.append((pos, ev))
    placed.sort(key=lambda e: e[0])
    return placed


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("--commits", type=int, default=10000)
    ap.add_argument("--proposals", type=int, default=100)
    ap.add_argument("--events", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--onto", action="store_true", help="add the commits on top of the repository in <dir>")
    args = ap.parse_args()
    branch, tip, clock = "main", None, 1_700_000_000
    if args.onto:
        def git(*argv):
            return subprocess.run(["git", *argv], cwd=args.dir, check=True, capture_output=True,
                                  text=True).stdout.strip()
        branch = git("symbolic-ref", "--short", "HEAD")
        tip = git("rev-parse", "HEAD")
        clock = max(clock, int(git("log", "-1", "--format=%ct", "HEAD")) + 60)
        if git("ls-tree", "--name-only", "HEAD", "proposals"):
            sys.exit(f"{args.dir} has proposals already: graft onto a history without them")
    elif os.path.exists(os.path.join(args.dir, ".git")):
        sys.exit(f"{args.dir} already holds a repository")
    else:
        os.makedirs(args.dir, exist_ok=True)
        subprocess.run(["git", "init", "-q", "-b", "main", args.dir], check=True)
    fi = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=args.dir, stdin=subprocess.PIPE)
    out = fi.stdin
    by_commit = {}
    for pos, ev in plan(args):
        by_commit.setdefault(pos, []).append(ev)
    state = {}  # pid -> dict(step, feedback, title, author, concerns)
    rng = random.Random(args.seed + 1)

    def data(text):
        raw = text.encode()
        out.write(f"data {len(raw)}\n".encode() + raw + b"\n")

    for i in range(args.commits):
        evs = by_commit.get(i, [])
        author = PEOPLE[i % len(PEOPLE)]
        files = {}
        trailers = []
        subject = f"Change {i}: {sentence(rng, 5).lower()}"
        for ev in evs[:1]:  # one lead event per commit keeps messages realistic
            kind, pid = ev[0], ev[1]
            path = f"proposals/{pid:04d}-proposal-{pid}.toml"
            if kind == "propose":
                state[pid] = {"step": "problem", "feedback": 0, "author": PEOPLE[pid % len(PEOPLE)],
                              "title": f"Proposal {pid}: {sentence(rng, 4).lower()}", "concerns": 0}
                author = state[pid]["author"]
                trailers = [("Lead-Proposal", pid), ("Lead-Step", "problem")]
                subject = f"lead({pid:04d}): propose"
            elif pid not in state:
                continue
            elif kind == "step":
                state[pid]["step"] = ev[2]
                author = state[pid]["author"]
                trailers = [("Lead-Proposal", pid), ("Lead-Step", ev[2])]
                subject = f"lead({pid:04d}): -> {ev[2]}"
            elif kind == "feedback":
                state[pid]["feedback"] += 1
                subject = f"Feedback round on proposal {pid}"
            elif kind == "signoff":
                _, others = proposal_text(pid, "", state[pid]["author"], "problem", 0, pid)
                author = rng.choice(others)
                trailers = [("Lead-Proposal", pid), ("Lead-Signoff", pid)]
                subject = f"lead({pid:04d}): sign off"
            elif kind == "concern":
                _, others = proposal_text(pid, "", state[pid]["author"], "problem", 0, pid)
                author = others[0]
                n = state[pid]["concerns"]
                key = "Lead-Concern" if n % 2 == 0 else "Lead-Concern-Resolved"
                trailers = [("Lead-Proposal", pid), (key, f"c{n // 2}")]
                state[pid]["concerns"] += 1
                subject = f"lead({pid:04d}): concern"
            if kind in ("propose", "step", "feedback"):
                s = state[pid]
                files[path] = proposal_text(pid, s["title"], s["author"], s["step"], s["feedback"], pid)[0]
        if not files and not trailers:
            files[f"src/module{i % 200}.txt"] = f"revision {i}\n{sentence(rng, 12)}\n"
        message = subject + "\n\n" + sentence(rng, 14) + ".\n"
        if trailers:
            message += "\n" + "".join(f"{k}: {v}\n" for k, v in trailers)
        name, email = author
        out.write(f"commit refs/heads/{branch}\nmark :{i + 1}\n".encode())
        out.write(f"author {name} <{email}> {clock + i * 60} +0000\n".encode())
        out.write(f"committer {name} <{email}> {clock + i * 60} +0000\n".encode())
        data(message)
        if i > 0:
            out.write(f"from :{i}\n".encode())
        elif tip:
            out.write(f"from {tip}\n".encode())
        for path, text in files.items():
            out.write(f"M 100644 inline {path}\n".encode())
            data(text)
        out.write(b"\n")
    out.close()
    if fi.wait() != 0:
        sys.exit("git fast-import failed")
    subprocess.run(["git", "checkout", "-q", "-f", branch], cwd=args.dir, check=True)
    onto = f" on top of {tip[:12]}" if tip else ""
    print(f"{args.dir}: {args.commits} commits{onto}, {len(state)} proposals")


if __name__ == "__main__":
    main()

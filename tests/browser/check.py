#!/usr/bin/env python3
"""Opens the pages `git lead board` wrote in headless Chromium and checks what a reader sees.

    python3 tests/browser/check.py SITE [--screenshots DIR]

SITE is a folder `git lead board` wrote (`.ci/run` builds one from docs/examples). At 360
and 1440 pixels wide, in the light and the dark colour scheme, it checks on the board that
there is a column per step and ending whose count matches the cards shown, that nothing
overflows the page sideways, that the colours follow the scheme, that the step filter
hides and counts cards, and that Tab reaches the skip link and then the site's links; on
the first proposal page with stakeholders, that the sign-off matrix shows a row per
stakeholder with a standing. With --screenshots, it saves a PNG of each page and view.

Chromium is driven over the DevTools protocol on a pipe (--remote-debugging-pipe): no
port, no network, only the Python standard library.
"""

import argparse
import base64
import fcntl
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile


class Browser:
    def __init__(self, binary):
        self.profile = tempfile.mkdtemp(prefix="lead-chromium-")
        # Chromium reads commands on fd 3 and writes answers on fd 4: the child's ends
        # are moved there after the fork, from numbers above any the pipes may take.
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()
        child_r = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
        child_w = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
        os.close(to_chrome_r)
        os.close(from_chrome_w)

        def ends():
            os.dup2(child_r, 3)
            os.dup2(child_w, 4)

        self.proc = subprocess.Popen(
            [
                binary,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--hide-scrollbars",
                "--remote-debugging-pipe",
                "--user-data-dir=" + self.profile,
                "about:blank",
            ],
            preexec_fn=ends,
            pass_fds=(3, 4, child_r, child_w),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(child_r)
        os.close(child_w)
        # The parent's write end of the answers pipe is closed, so a crash reads as EOF.
        self.buffer = b""
        self.next_id = 0
        self.events = []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call(
            "Target.attachToTarget", {"targetId": target, "flatten": True}
        )["sessionId"]
        self.page("Page.enable")
        self.page("Runtime.enable")

    def _read(self):
        while b"\0" not in self.buffer:
            chunk = os.read(self.from_chrome, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method, params=None, session=None):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.to_chrome, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def page(self, method, params=None):
        return self.call(method, params, self.session)

    def wait(self, event):
        while True:
            for i, e in enumerate(self.events):
                if e.get("method") == event:
                    del self.events[i]
                    return e
            self.events.append(self._read())

    def open(self, url):
        self.events.clear()
        self.page("Page.navigate", {"url": url})
        self.wait("Page.loadEventFired")

    def js(self, expression):
        result = self.page(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True}
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def key(self, key, code, keycode, shift=False):
        for kind in ("rawKeyDown", "keyUp"):
            self.page(
                "Input.dispatchKeyEvent",
                {
                    "type": kind,
                    "key": key,
                    "code": code,
                    "windowsVirtualKeyCode": keycode,
                    "modifiers": 8 if shift else 0,
                },
            )

    def view(self, width, scheme):
        self.page(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600},
        )
        self.page(
            "Emulation.setEmulatedMedia",
            {"features": [{"name": "prefers-color-scheme", "value": scheme}]},
        )

    def screenshot(self, path):
        data = self.page("Page.captureScreenshot", {"format": "png"})["data"]
        pathlib.Path(path).write_bytes(base64.b64decode(data))

    def close(self):
        try:
            self.call("Browser.close")
        except RuntimeError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


BACKGROUND = {"light": "rgb(255, 255, 255)", "dark": "rgb(13, 17, 23)"}
COLUMNS = 11

failures = []


def expect(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def overflow(b, where, width):
    """Nothing wider than the screen: the page's width, and the widest element's right edge."""
    wide = b.js(
        "[document.documentElement.scrollWidth, window.innerWidth,"
        "Array.from(document.querySelectorAll('body *')).filter(e => !e.closest('.board, .scroll'))"
        ".map(e => [Math.round(e.getBoundingClientRect().right), e.tagName + '.' + e.className])"
        ".sort((a, b) => b[0] - a[0])[0]]"
    )
    expect(
        wide[0] <= width and wide[1] == width,
        f"{where}: no sideways overflow (page {wide[0]} px, viewport {wide[1]} px, widest {wide[2]})",
    )


def scheme_followed(b, where, scheme):
    """The page takes the background of the colour scheme the browser asks for."""
    bg = b.js("getComputedStyle(document.body).backgroundColor")
    expect(bg == BACKGROUND[scheme], f"{where}: background {bg} for {scheme}")


def check_board(b, url, width, scheme):
    b.open(url)
    where = f"board at {width}px, {scheme}"
    columns = b.js(
        "Array.from(document.querySelectorAll('.column')).map(c => ({"
        "title: c.querySelector('h2').innerText,"
        "count: Number(c.querySelector('.count').innerText),"
        "cards: Array.from(c.querySelectorAll('.card')).filter(x => x.offsetParent !== null).length,"
        "visible: c.getBoundingClientRect().height > 0}))"
    )
    expect(len(columns) == COLUMNS, f"{where}: {len(columns)} columns (want {COLUMNS})")
    expect(all(c["visible"] for c in columns), f"{where}: every column is drawn")
    expect(
        all(c["count"] == c["cards"] for c in columns),
        f"{where}: each column's count is the cards it shows "
        + ", ".join(f"{c['title']!r}={c['cards']}" for c in columns if c["cards"]),
    )
    total = sum(c["cards"] for c in columns)
    expect(total > 0, f"{where}: {total} cards on the board")
    overflow(b, where, width)
    scheme_followed(b, where, scheme)
    # The step filter: choose the step of the first card.
    step = b.js("document.querySelector('.card').dataset.step")
    want = b.js(f"document.querySelectorAll('.card[data-step=\"{step}\"]').length")
    b.js(
        "(() => { const s = document.querySelector('select[data-filter=step]');"
        f"s.value = '{step}'; s.dispatchEvent(new Event('change')); }})()"
    )
    shown = b.js("document.querySelector('.shown').innerText")
    visible = b.js(
        "Array.from(document.querySelectorAll('.card')).filter(x => x.offsetParent !== null).length"
    )
    expect(
        visible == want and shown.startswith(f"Showing {want} of {total}"),
        f"{where}: filtering by {step} shows {visible} cards ({shown!r})",
    )
    b.js("document.querySelector('form.filters').reset()")
    b.js("new Promise(r => setTimeout(r, 10))")
    # Keyboard: Tab reaches the skip link, then the site's first link.
    b.js("document.activeElement.blur()")
    b.key("Tab", "Tab", 9)
    first = b.js("document.activeElement.innerText")
    b.key("Tab", "Tab", 9)
    second = b.js("document.activeElement.innerText")
    expect(
        first == "Skip to the content" and second == "Board",
        f"{where}: Tab goes to {first!r}, then {second!r}",
    )


def check_proposal(b, url, width, scheme):
    b.open(url)
    where = f"{url.rsplit('/', 1)[-1]} at {width}px, {scheme}"
    rows = b.js(
        "Array.from(document.querySelectorAll('table.matrix tbody tr')).map(r => r.innerText)"
    )
    expect(bool(rows), f"{where}: the sign-off matrix has {len(rows)} rows")
    standings = ("author", "not signed", "current", "stale", "withdrawn")
    expect(
        all(any(s in r for s in standings) for r in rows),
        f"{where}: every row shows a standing: {rows}",
    )
    overflow(b, where, width)
    scheme_followed(b, where, scheme)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("site", type=pathlib.Path)
    ap.add_argument("--screenshots", type=pathlib.Path)
    ap.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    args = ap.parse_args()
    site = args.site.resolve()
    index = site / "index.html"
    pages = sorted((site / "p").glob("*.html"))
    with_matrix = [p for p in pages if "class=\"matrix\"" in p.read_text()]
    if not index.exists() or not with_matrix:
        sys.exit(f"{site} has no board or no proposal with stakeholders")
    if args.screenshots:
        args.screenshots.mkdir(parents=True, exist_ok=True)
    b = Browser(args.chromium)
    try:
        for width in (360, 1440):
            for scheme in ("light", "dark"):
                b.view(width, scheme)
                check_board(b, index.as_uri(), width, scheme)
                if args.screenshots:
                    b.open(index.as_uri())
                    b.screenshot(args.screenshots / f"board-{width}-{scheme}.png")
                check_proposal(b, with_matrix[0].as_uri(), width, scheme)
                if args.screenshots:
                    b.screenshot(args.screenshots / f"proposal-{width}-{scheme}.png")
    finally:
        b.close()
    if failures:
        sys.exit(f"{len(failures)} browser check(s) failed")
    print("all browser checks passed")


if __name__ == "__main__":
    main()

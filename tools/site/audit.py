"""Lighthouse on a few pages of the built site: `make audit` (part of `make check`).

    python tools/site/audit.py _build/html intro chapters/06_three_equations ...

Serves the site on 127.0.0.1 with gzip, as a static host does, runs Lighthouse (from
tools/site/node_modules) in Debian's headless Chromium with no network, as a phone
(Lighthouse's default mobile emulation and throttling), and prints the four scores per
page. Reports go to <html>/../lighthouse/. Exit status 1 when a page misses a target:
performance >= 90, accessibility 100, best practices >= 95, SEO 100.

The performance score of one run varies by several points with what else the machine
is doing (on the 2-core machine, 86 to 91 for one page); as Lighthouse's documentation
advises, each page is run three times and each score is the median of the three.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent
LIGHTHOUSE = HERE / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROME_FLAGS = ("--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run "
                "--disable-background-networking --disable-component-update --disable-sync "
                "--disable-default-apps --disable-extensions")
RUNS = 3
TARGETS = {"performance": 90, "accessibility": 100, "best-practices": 95, "seo": 100}
COMPRESSIBLE = (".html", ".css", ".js", ".svg", ".json", ".txt", ".woff")


class Host(http.server.SimpleHTTPRequestHandler):
    """A static host: gzip for text, and 404.html for a missing page."""

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if not path.is_file():
            path, status = Path(self.directory) / "404.html", 404
        else:
            status = 200
        body = path.read_bytes()
        gzipped = path.suffix in COMPRESSIBLE and "gzip" in self.headers.get("Accept-Encoding", "")
        if gzipped:
            body = gzip.compress(body, compresslevel=6)
        self.send_response(status)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "public, max-age=600")
        if gzipped:
            self.send_header("Content-Encoding", "gzip")
        self.end_headers()
        self.wfile.write(body)


def main(html: Path, pages: list[str]) -> int:
    if not LIGHTHOUSE.exists():
        sys.exit(f"{LIGHTHOUSE} is missing: `make audit` installs it (npm ci in tools/site)")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Host, directory=str(html)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    reports = html.parent / "lighthouse"
    reports.mkdir(exist_ok=True)
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    failed = []
    print(f"{'page':32} {'perf':>5} {'a11y':>5} {'best':>5} {'seo':>5}")
    for page in pages:
        runs = []
        for run_number in range(RUNS):
            out = reports / f"{page.replace('/', '_')}-{run_number + 1}.json"
            run = subprocess.run(
                [str(LIGHTHOUSE), f"{base}/{page}.html", "--quiet", "--output=json",
                 f"--output-path={out}", "--only-categories=performance,accessibility,best-practices,seo",
                 f"--chrome-flags={CHROME_FLAGS}", "--max-wait-for-load=60000"],
                env=env, capture_output=True, text=True)
            if run.returncode != 0 or not out.is_file():
                print(f"{page}: lighthouse failed\n{run.stderr[-2000:]}")
                break
            runs.append(json.loads(out.read_text()))
        if len(runs) < RUNS:
            failed.append(page)
            continue
        every = [{k: round(100 * (r["categories"][k]["score"] or 0)) for k in TARGETS} for r in runs]
        scores = {k: statistics.median(s[k] for s in every) for k in TARGETS}
        # the run whose performance is the median one explains a miss
        result = sorted(zip(every, runs, strict=True), key=lambda sr: sr[0]["performance"])[RUNS // 2][1]
        print(f"{page:32} {scores['performance']:>5} {scores['accessibility']:>5} "
              f"{scores['best-practices']:>5} {scores['seo']:>5}   performance "
              f"{', '.join(str(s['performance']) for s in every)}")
        misses = [k for k, target in TARGETS.items() if scores[k] < target]
        for key in misses:
            audits = [a for a in result["categories"][key]["auditRefs"] if a["weight"] > 0]
            weak = [a["id"] for a in audits if (result["audits"][a["id"]]["score"] or 0) < 1]
            print(f"    {key} below {TARGETS[key]}: {', '.join(weak[:8])}")
        if misses:
            failed.append(page)
    server.shutdown()
    print(f"reports: {reports}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), sys.argv[2:] or ["intro"]))

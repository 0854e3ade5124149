"""Serve the built site on 127.0.0.1 as a static host would (standard library only).

Usage: python tools/serve.py [DIRECTORY] [--port 8000]
(DIRECTORY defaults to _build/html.) A missing page is answered with the site's own
404.html and status 404, as GitHub Pages and most static hosts do; Python's plain
http.server would show its bare error page instead.
"""

from __future__ import annotations

import argparse
import functools
import http.server
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class StaticHost(http.server.SimpleHTTPRequestHandler):
    """SimpleHTTPRequestHandler, with the site's 404.html for anything not found."""

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404, message)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def make_server(directory: Path, port: int) -> http.server.ThreadingHTTPServer:
    """The server, bound to 127.0.0.1 (port 0: any free port)."""
    handler = functools.partial(StaticHost, directory=str(directory))
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", default=str(ROOT / "_build" / "html"))
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    directory = Path(args.directory).resolve()
    if not (directory / "index.html").is_file():
        raise SystemExit(f"{directory} has no index.html: build the site first (make book)")
    with make_server(directory, args.port) as server:
        print(f"Serving {directory} at http://127.0.0.1:{server.server_port}/ (Ctrl-C stops)",
              flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()

"""`make serve` (tools/serve.py) serves the site as a static host would: pages as they
are, and for a missing page the site's own 404.html with status 404."""

import re
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from conftest import ROOT

SERVE = ROOT / "tools" / "serve.py"


@pytest.fixture
def server(tmp_path):
    """tools/serve.py on a free port of 127.0.0.1, serving a two-page site."""
    (tmp_path / "index.html").write_text("<p>the index</p>")
    (tmp_path / "404.html").write_text("<p>the site's own not-found page</p>")
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "a.html").write_text("<p>a chapter</p>")
    process = subprocess.Popen([sys.executable, str(SERVE), str(tmp_path), "--port", "0"],
                               stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        port = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert port, f"tools/serve.py did not print its address: {line!r}"
        yield f"http://127.0.0.1:{port.group(1)}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_pages_are_served_as_they_are(server):
    assert fetch(f"{server}/") == (200, "<p>the index</p>")
    assert fetch(f"{server}/chapters/a.html") == (200, "<p>a chapter</p>")


@pytest.mark.parametrize("path", ["/missing.html", "/chapters/missing.html", "/a/b/c/"])
def test_a_missing_page_is_the_sites_404_page_with_status_404(server, path):
    status, body = fetch(server + path)
    assert status == 404, f"{path}: status {status}; tools/serve.py must answer 404"
    assert body == "<p>the site's own not-found page</p>", (
        f"{path}: tools/serve.py must answer with the site's 404.html, not {body[:200]!r}")


def test_the_server_listens_on_loopback_only(tmp_path):
    sys.path.insert(0, str(SERVE.parent))
    try:
        import serve
    finally:
        sys.path.remove(str(SERVE.parent))
    with serve.make_server(tmp_path, 0) as httpd:
        host = httpd.server_address[0]
    assert host == "127.0.0.1", f"tools/serve.py must bind to 127.0.0.1 only, not {host}"

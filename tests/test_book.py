"""The site: it builds with zero warnings, executing every notebook, and needs no network."""

import re
import subprocess

from conftest import HTML, JB, toc_pages


def test_book_builds_without_warnings(build_log):
    warnings = [line for line in build_log.splitlines() if re.search(r"WARNING|ERROR", line)]
    assert warnings == [], (
        "The book build printed warnings; fix each one (the build runs with -n -W: a "
        "warning is an error; the whole log is in _build/build.log). A line from "
        "[IPKernelApp] means the venv's kernel configuration is missing: run make setup.\n"
        + "\n".join(warnings))


def test_every_toc_page_is_built(build_log):
    for page in toc_pages():
        assert (HTML / f"{page}.html").is_file(), (
            f"{page} is in _toc.yml but was not built: does {page}.md or {page}.ipynb exist?")


def test_math_is_served_from_the_site_itself(build_log):
    mathjax = HTML / "_static" / "mathjax"
    assert (mathjax / "tex-chtml.js").is_file(), (
        "MathJax is not in the site: _ext/offline_mathjax.py must copy it (is it in "
        "_config.yml's local_extensions?)")
    assert any((mathjax / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff")), (
        "MathJax's fonts are not in the site: see _ext/offline_mathjax.py")
    for page in toc_pages():
        html = (HTML / f"{page}.html").read_text()
        scripts = re.findall(r'<script[^>]+src="([^"]+)"', html)
        remote = [s for s in scripts if s.startswith(("http:", "https:", "//"))]
        assert remote == [], f"{page} loads scripts from the network: {remote}"
    chapter = (HTML / "chapters" / "01_derivatives.html").read_text()
    # the math is typeset when the site is built (_ext/math_at_build.py), or in the browser
    # by the site's own copy of MathJax
    assert "<mjx-container" in chapter or "_static/mathjax/tex-chtml.js" in chapter, (
        "chapter 1 neither holds typeset math nor loads the site's own MathJax: see "
        "_ext/math_at_build.py and _ext/offline_mathjax.py")
    fonts = re.findall(r'url\("?([^")]+\.woff2?)', chapter + "".join(
        css.read_text() for css in (HTML / "_static").glob("*.css")))
    missing = sorted({f for f in fonts if not f.startswith(("http:", "https:", "//"))
                      and not (HTML / "_static" / f).is_file()})
    remote = sorted({f for f in fonts if f.startswith(("http:", "https:", "//"))})
    assert remote == [] and missing == [], (
        f"math fonts must be served by the site: remote {remote}, missing {missing}")


def test_an_execution_error_fails_the_build(tmp_path):
    """A notebook whose cell raises must make the build fail, not render a traceback."""
    import nbformat

    (tmp_path / "_config.yml").write_text(
        "title: t\nexecute:\n  execute_notebooks: force\n  allow_errors: false\n"
    )
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: broken\n")
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Broken"),
        nbformat.v4.new_code_cell("assert 1 + 1 == 3, 'a wrong formula'"),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "broken.ipynb")
    done = subprocess.run(
        [JB, "build", str(tmp_path), "-W", "--keep-going"],
        capture_output=True, text=True,
    )
    assert done.returncode != 0, (
        "a notebook whose cell raises did not fail the build: _config.yml must keep "
        "execute: allow_errors: false")
    assert "Executing notebook failed" in done.stdout + done.stderr
    report = tmp_path / "_build" / "html" / "reports" / "broken.err.log"
    assert "a wrong formula" in report.read_text(), "the error report must show the exception"

"""The zero-warnings gate, exact in an incremental build.

Sphinx reads again only the pages that changed, so on its own an incremental build
would not repeat a warning that an earlier build gave on a page nobody has touched
since, and the gate would pass over a warning nobody fixed. Worse, a warning can
involve two pages: a label defined twice warns on the page read second, and reading
that page again alone does not repeat it (Sphinx has forgotten the first instance's
owner). Two rules keep every build's warnings equal to those of a build from scratch:

1. Every warning of a build is recorded, with the page it belongs to where it has one
   (``_build/.warnings.json``). A build that warned is followed by a build from scratch
   (``tools/build_book.py`` reads the record and passes ``--all``), which repeats every
   warning until it is fixed. So only a build after a clean one is incremental.
2. Cross-references are resolved again on every page at the end of each build, also
   on those not written again, so a label removed from one page warns on every page
   that still refers to it. (What every page depends on, the configuration, the table
   of contents, the bibliography, the extensions, the package, makes
   ``tools/build_book.py`` build from scratch.)

The record is written only when a build completes; a build that stopped half-way leaves
none, and the next build is from scratch. A page removed from the book leaves the site
(its HTML file is deleted).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging as sphinx_logging
from sphinx.util.logging import get_node_location

RECORD = ".warnings.json"


def record_path(app: Sphinx) -> Path:
    """``_build/.warnings.json`` (beside ``_build/.doctrees``)."""
    return Path(app.doctreedir).parent / RECORD


class Recorder(logging.Handler):
    """Collects each warning of this build under the page it belongs to."""

    def __init__(self, app: Sphinx):
        super().__init__(level=logging.WARNING)
        self.app = app
        # what Sphinx does not report (suppress_warnings), this does not record
        self.addFilter(sphinx_logging.WarningSuppressor(app))
        self.pages: dict[str, list[str]] = {}
        self.unattributed: list[str] = []

    def docname(self, location) -> str | None:
        env = getattr(self.app, "env", None)
        if env is None or location is None:
            return None
        if isinstance(location, nodes.Node):
            location = get_node_location(location)
        if isinstance(location, tuple):
            location = location[0]
        if not location:
            return None
        location = str(location)
        if location in env.all_docs or location in env.found_docs:
            return location
        path = location
        while True:  # "path:line", "path:docstring of x:line", ...
            doc = env.path2doc(path) if Path(path).is_absolute() else None
            if doc is not None:
                return doc
            if ":" not in path:
                return None
            path = path.rsplit(":", 1)[0]

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno < logging.WARNING:
            return
        message = record.getMessage()[:500]
        docname = self.docname(getattr(record, "location", None))
        found = self.unattributed if docname is None else self.pages.setdefault(docname, [])
        if message not in found:
            found.append(message)


def start(app: Sphinx) -> None:
    record_path(app).unlink(missing_ok=True)  # a build that stops half-way leaves none
    app.warnings_gate = None
    if app.builder.format != "html":
        return  # the print edition shares the environment: the next site build is fresh
    app.warnings_gate = Recorder(app)
    app.warnings_gate_written = set()
    logging.getLogger(sphinx_logging.NAMESPACE).addHandler(app.warnings_gate)


def remove_pages(app: Sphinx, env, added, changed, removed) -> list[str]:
    """A page removed from the book leaves the site."""
    if app.warnings_gate is not None:
        for docname in removed:
            Path(app.builder.get_outfilename(docname)).unlink(missing_ok=True)
    return []


def note_written(app: Sphinx, doctree, docname: str) -> None:
    if app.warnings_gate is not None:
        app.warnings_gate_written.add(docname)


def finish(app: Sphinx, exc: Exception | None) -> None:
    recorder = app.warnings_gate
    if recorder is None:
        return
    try:
        if exc is not None:
            return
        # rule 3: resolve the cross-references of the pages not written in this build
        for docname in sorted(app.env.found_docs - app.warnings_gate_written):
            app.env.get_and_resolve_doctree(docname, app.builder)
        pages = {doc: found for doc, found in recorder.pages.items() if doc in app.env.found_docs}
        count = sum(map(len, pages.values())) + len(recorder.unattributed)
        record_path(app).write_text(json.dumps(
            {"count": count, "pages": pages, "unattributed": recorder.unattributed}, indent=1))
    finally:
        logging.getLogger(sphinx_logging.NAMESPACE).removeHandler(recorder)


def setup(app: Sphinx) -> dict:
    app.connect("builder-inited", start)
    app.connect("env-get-outdated", remove_pages)
    app.connect("doctree-resolved", note_written)
    # after every other extension's finishing touches, whose warnings it records too
    app.connect("build-finished", finish, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

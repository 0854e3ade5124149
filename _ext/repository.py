"""Where the site lives: one setting for the repository address.

The address is ``repository: url`` (and ``branch``) in ``_config.yml``; the environment
variables ``BOOK_REPOSITORY`` and ``BOOK_BRANCH``, where set, take its place (the
workflow sets them to the repository that builds the site, so a fork's site points at
the fork). It is behind the repository, issues and edit buttons, the launch buttons
(Binder, Colab) and each chapter's install line: the chapters are stored with the
address of ``_config.yml`` in their setup cell, and the built pages and the notebooks
offered for download carry the address in force instead.
"""

from __future__ import annotations

import os
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

# the address in _config.yml, as jupyter-book hands it to the theme
STORED = "book_repository_stored"


def effective(config) -> tuple[str, str]:
    options = config.html_theme_options
    url = os.environ.get("BOOK_REPOSITORY") or options.get("repository_url", "")
    branch = os.environ.get("BOOK_BRANCH") or options.get("repository_branch", "main")
    return url.rstrip("/"), branch


def apply(app: Sphinx, config) -> None:
    """The address in force, for the theme's buttons."""
    options = dict(config.html_theme_options)
    setattr(config, STORED, options.get("repository_url", "").rstrip("/"))
    url, branch = effective(config)
    options["repository_url"], options["repository_branch"] = url, branch
    config.html_theme_options = options


def rewrite(app: Sphinx, exc: Exception | None) -> None:
    """Each chapter's install line, in its page and in the notebook offered for
    download, names the repository in force."""
    if exc is not None or app.builder.format != "html":
        return
    stored, (url, _) = getattr(app.config, STORED), effective(app.config)
    if not stored or stored == url:
        return
    outdir = Path(app.outdir)
    for path in [*outdir.rglob("*.html"), *(outdir / "_sources").rglob("*.ipynb")]:
        text = path.read_text(encoding="utf-8")
        if stored in text:
            path.write_text(text.replace(stored, url), encoding="utf-8")


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", apply)
    app.connect("build-finished", rewrite)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

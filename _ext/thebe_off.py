"""Sphinx-thebe off: no thebe script, configuration or stylesheet on any page.

Jupyter Book always loads sphinx-thebe; its default configuration points every page at
an unrelated Binder repository, and the book has no live kernel.
"""

from __future__ import annotations

from sphinx.application import Sphinx


def drop_thebe(app: Sphinx, config) -> None:
    """Unhook sphinx-thebe: no thebe script, configuration or stylesheet on any page."""
    for listeners in app.events.listeners.values():
        listeners[:] = [
            listener for listener in listeners
            if not getattr(listener.handler, "__module__", "").startswith("sphinx_thebe")
        ]
    app.registry.css_files = [
        (name, attrs) for name, attrs in app.registry.css_files
        if not str(name).startswith("sphinx-thebe")
    ]
    app.registry.js_files = [
        (name, attrs) for name, attrs in app.registry.js_files
        if not str(name).startswith("sphinx-thebe")
    ]



def setup(app: Sphinx) -> dict:
    app.connect("config-inited", drop_thebe)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

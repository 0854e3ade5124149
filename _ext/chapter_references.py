"""A chapter's references, and the bibliography's author-year labels.

* ``{footbibliography}`` at the end of a chapter lists the works that chapter cites
  (the chapters cite with ``{cite}``, which the stock directive does not collect);
* the bibliography style ``authoryear``: list labels "Mohan, 2024", the same form the
  text cites them in.
"""

from __future__ import annotations

from sphinx.application import Sphinx


def chapter_references_directive():
    from sphinxcontrib.bibtex.directives import BibliographyDirective

    class ChapterReferences(BibliographyDirective):
        """``{footbibliography}`` that lists the works this page cites with ``{cite}``."""

        def run(self):
            self.options.setdefault("filter", "docname in docnames")
            return super().run()

    return ChapterReferences


def register_authoryear_style() -> None:
    from pybtex.plugin import register_plugin
    from pybtex.style.formatting.plain import Style as PlainStyle
    from pybtex.style.labels import BaseLabelStyle

    def surname(person) -> str:
        return " ".join(person.last_names).replace("{", "").replace("}", "")

    class AuthorYearLabels(BaseLabelStyle):
        """Labels as the text cites: "Mohan, 2024", "Parr and Howard, 2018",
        "Karpathy et al., 2016"; a letter tells apart two works of one label."""

        def format_labels(self, sorted_entries):
            labels = [self.label(entry) for entry in sorted_entries]
            for label in labels:
                if labels.count(label) > 1:
                    break
            else:
                yield from labels
                return
            seen: dict[str, int] = {}
            for label in labels:
                if labels.count(label) > 1:
                    seen[label] = seen.get(label, 0) + 1
                    yield label + "abcdefghijklmnopqrstuvwxyz"[seen[label] - 1]
                else:
                    yield label

        @staticmethod
        def label(entry) -> str:
            people = entry.persons.get("author") or entry.persons.get("editor") or []
            names = [surname(p) for p in people]
            if len(names) > 1 and names[-1] == "others":  # "A and others": A et al.
                names = [names[0], "", ""]
            if not names:
                who = entry.fields.get("organization", entry.key)
            elif len(names) == 1:
                who = names[0]
            elif len(names) == 2:
                who = f"{names[0]} and {names[1]}"
            else:
                who = f"{names[0]} et al."
            return f"{who}, {entry.fields.get('year', 'n.d.')}"

    class AuthorYearStyle(PlainStyle):
        default_label_style = "book-authoryear"
        default_sorting_style = "author_year_title"

    register_plugin("pybtex.style.labels", "book-authoryear", AuthorYearLabels, force=True)
    register_plugin("pybtex.style.formatting", "authoryear", AuthorYearStyle, force=True)



def setup(app: Sphinx) -> dict:
    # after sphinxcontrib-bibtex has registered its own directive of that name
    app.connect("builder-inited", lambda app: app.add_directive(
        "footbibliography", chapter_references_directive(), override=True))
    register_authoryear_style()
    return {"parallel_read_safe": True, "parallel_write_safe": True}

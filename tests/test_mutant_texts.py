"""Every planted mutant still finds the text it replaces, once, in the module it names
(the fast tier's guard: a refactor that moves the code fails here in a second instead of
in the full tier's mutation run)."""

import pytest
from mutation import MUTANTS, PACKAGE


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.name)
def test_the_mutant_finds_its_text_once(mutant):
    path = PACKAGE / mutant.module
    assert path.is_file(), f"{mutant.name!r}: no module {mutant.module}"
    assert path.read_text().count(mutant.old) == 1, (
        f"{mutant.name!r}: {mutant.old!r} does not occur exactly once in {mutant.module}")
    assert mutant.new != mutant.old

"""Mutation tests, share 3 of 3 (tests/mutation.py: the mutants and the runner).

A check proves itself by failing: each mutant plants one wrong formula in a copy of the
package, and the check of the equation it names must fail.
"""

import pytest
from conftest import FULL
from mutation import CONTROLS, MUTANTS, check_control, check_mutant, share

pytestmark = FULL  # the full tier: make check


@pytest.mark.parametrize("chapter", share(CONTROLS, 2))
def test_named_checks_pass_on_the_real_package(chapter, tmp_path):
    check_control(chapter, tmp_path)


@pytest.mark.parametrize("mutant", share(MUTANTS, 2), ids=lambda m: m.name)
def test_mutant_is_caught(mutant, tmp_path):
    check_mutant(mutant, tmp_path)

"""Mutation tests, share 1 of 3 (tests/mutation.py: the mutants and the runner).

A check proves itself by failing: each mutant plants one wrong formula in a copy of the
package, and the check of the equation it names must fail.
"""

import pytest
from conftest import FULL
from mutation import CONTROLS, MUTANTS, check_control, check_mutant, share

pytestmark = FULL  # the full tier: make check


def test_there_are_enough_mutants():
    assert len(MUTANTS) >= 15
    assert len({m.name for m in MUTANTS}) == len(MUTANTS)
    assert sorted(m.name for k in range(3) for m in share(MUTANTS, k)) == sorted(
        m.name for m in MUTANTS)


@pytest.mark.parametrize("chapter", share(CONTROLS, 0))
def test_named_checks_pass_on_the_real_package(chapter, tmp_path):
    check_control(chapter, tmp_path)


@pytest.mark.parametrize("mutant", share(MUTANTS, 0), ids=lambda m: m.name)
def test_mutant_is_caught(mutant, tmp_path):
    check_mutant(mutant, tmp_path)

"""Shared test settings: hypothesis profiles, and floating-point errors that raise."""

import os

import numpy as np
import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, max_examples=60)
settings.register_profile("dev", deadline=None, max_examples=30)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(autouse=True)
def _numpy_errors_raise():
    """An overflow, division by zero or invalid operation inside a test is an error."""
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        yield

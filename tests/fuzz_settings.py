"""Hypothesis settings shared by the property and fuzz tests: a bounded profile for every run, a deeper one on demand.

    .venv/bin/python -m pytest -q tests/test_fuzz_openai.py                               # 60 examples per test
    WEBSHARD_FUZZ_EXAMPLES=5000 .venv/bin/python -m pytest -q tests/test_fuzz_openai.py   # 5000 per test

Test modules import `FUZZ` and decorate with it; loading a profile here would change Hypothesis for every module.
A failure prints how to reproduce it (print_blob: a @reproduce_failure line); locally, Hypothesis also replays it
first on the next run from .hypothesis/, a directory it keeps out of git with its own .gitignore.
"""
from __future__ import annotations

import os

from hypothesis import settings

CI_EXAMPLES = 60


def _examples() -> int:
    value = os.environ.get("WEBSHARD_FUZZ_EXAMPLES", "")
    if not value:
        return CI_EXAMPLES
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"WEBSHARD_FUZZ_EXAMPLES must be a positive integer, got {value!r}")
    return int(value)


# deadline=None: the first example of a test pays for imports and warm-up, which says nothing about the code.
settings.register_profile("webshard", max_examples=_examples(), deadline=None, print_blob=True)
FUZZ = settings.get_profile("webshard")

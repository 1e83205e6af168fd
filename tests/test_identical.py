"""The built site is byte-identical to the reviewed one (tests/expected/site.sha256).

A refactor must not change a byte of the output; an intended change rewrites the digest
(`make site-digest`) in the same commit, so the review sees which files changed.
"""
from __future__ import annotations

import difflib

from site_digest import EXPECTED, digest


def test_site_is_byte_identical_to_the_reviewed_build(site):
    expected = EXPECTED.read_text(encoding="utf-8")
    actual = digest(site)
    if actual != expected:
        changed = [line for line in difflib.unified_diff(expected.splitlines(), actual.splitlines(), lineterm="", n=0)
                   if line[:1] in "+-" and not line.startswith(("+++", "---"))]
        raise AssertionError(f"{len(changed)} digest lines differ (run `make site-digest` only if the change is "
                             "intended):\n" + "\n".join(changed[:40]))

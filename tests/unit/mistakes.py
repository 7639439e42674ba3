"""Helpers for the loader's tests: the rendered problems of a bad scenario text, and the check
that one edit of a good file gives exactly one expected problem."""

from __future__ import annotations

import pytest

from testbed.model import ScenarioError, parse


def errors(text: str) -> list[str]:
    """The problems of `text` as the user sees them (named bad.yaml)."""
    with pytest.raises(ScenarioError) as info:
        parse(text, "bad.yaml")
    return [p.render("bad.yaml") for p in info.value.problems]


def assert_one_mistake(text: str, old: str, new: str, expected: str) -> None:
    """Replacing `old` by `new` in a valid file gives exactly one problem containing
    `expected`."""
    assert old in text, old
    found = errors(text.replace(old, new, 1))
    assert len(found) == 1, found
    assert expected in found[0], found[0]

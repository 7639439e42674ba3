"""Unit tests share their process with the plugin's background threads (the node image build,
bring-ups started ahead): a fake put in a module for one test must not reach those threads."""

from __future__ import annotations

import threading

import pytest


@pytest.fixture
def patch_here(monkeypatch):
    """`patch_here(module, "name", fake)`: the fake answers calls from the test's own thread;
    every other thread of the process still gets the real one."""
    def patch(target, name: str, fake) -> None:
        real, mine = getattr(target, name), threading.get_ident()

        def either(*args, **kwargs):
            return (fake if threading.get_ident() == mine else real)(*args, **kwargs)
        monkeypatch.setattr(target, name, either)
    return patch

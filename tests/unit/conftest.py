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


@pytest.fixture
def refused(tmp_path):
    """`refused(scenario_file, old, new)`: the file with `old` replaced by `new` is refused;
    returns the error's text, which names the copy's path and a fix."""
    from testbed.model import ScenarioError, load

    def load_changed(source, old: str, new: str) -> str:
        text = source.read_text()
        assert old in text, f"{old!r} is not in {source}"
        bad = tmp_path / source.name
        bad.write_text(text.replace(old, new, 1))
        with pytest.raises(ScenarioError) as err:
            load(bad)
        said = str(err.value)
        assert f"{bad}:" in said and "Fix:" in said, said
        return said
    return load_changed


@pytest.fixture
def seed_plus(tmp_path):
    """`seed_plus(text)`: a copy of the seed scenario with `text` appended (a section of its
    own), in a folder of its own under the test's tmp_path; returns its path."""
    from pathlib import Path

    seed = Path(__file__).resolve().parents[2] / "testbed" / "scenarios" / "l3-over-vlan.yaml"

    def make(text: str) -> Path:
        folder = tmp_path / f"plus-{len(list(tmp_path.glob('plus-*')))}"
        folder.mkdir()
        copy = folder / seed.name
        copy.write_text(seed.read_text().rstrip("\n") + "\n" + text)
        return copy
    return make

"""Every path the README and docs/ name is in git: an ignore pattern (`build/`) once swallowed
the whole own-build test folder, which the README described and a clean clone did not have."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# paths the docs name in the user's own repository, not in this one
ELSEWHERE = {".github/workflows/testbed.yml": "docs/ci.md: where a user copies the workflow"}
FOLDERS = ("tests", "scenarios", "bench", "docs", "testbed", ".ci", ".github")
_TOP = "|".join(map(re.escape, FOLDERS))
NAMED = re.compile(rf"`((?:{_TOP})/[A-Za-z0-9_./-]*)`|\]\(((?:{_TOP})/[A-Za-z0-9_./-]+)\)")


def named_paths(text: str) -> set[str]:
    """Paths in backticks or link targets that start with one of the repository's folders."""
    found = {a or b for a, b in NAMED.findall(text)}
    return {p.rstrip("/.") for p in found if p.rstrip("/.")}


def tracked() -> set[str]:
    done = subprocess.run(["git", "-c", "safe.directory=*", "-C", str(ROOT), "ls-files", "-z"],
                          capture_output=True, timeout=60)
    if done.returncode != 0:
        pytest.skip("not a git checkout (an unpacked release): nothing to compare with")
    files = {f for f in done.stdout.decode().split("\0") if f}
    return files | {str(Path(*Path(f).parts[:i])) for f in files
                    for i in range(1, len(Path(f).parts))}


def test_named_paths_are_found_in_backticks_and_links():
    text = "see `tests/build/` and [the picture](docs/walk-report.png), not `runs/NAME/x`"
    assert named_paths(text) == {"tests/build", "docs/walk-report.png"}


def test_every_path_the_readme_and_docs_name_is_tracked_by_git():
    files = tracked()
    missing = {}
    for doc in (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))):
        for path in sorted(named_paths(doc.read_text())):
            real = Path(os.path.realpath(ROOT / path)).relative_to(ROOT.resolve()).as_posix()
            if path not in files and real not in files and path not in ELSEWHERE:
                missing.setdefault(path, doc.relative_to(ROOT).as_posix())
    assert not missing, "named but not in git (ignored? never added? renamed?): " + ", ".join(
        f"{p} (in {d})" for p, d in sorted(missing.items()))

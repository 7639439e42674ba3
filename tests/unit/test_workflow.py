"""The GitHub Actions workflow lints clean (actionlint, from the dev dependencies), and the
recipe users copy from docs/ci.md is a valid workflow too."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ACTIONLINT = shutil.which("actionlint") or str(Path(__import__("sys").executable).parent / "actionlint")


@pytest.fixture(scope="module")
def actionlint():
    if not Path(ACTIONLINT).exists():
        pytest.skip("actionlint is not installed (pip install -e '.[dev]')")
    return ACTIONLINT


def lint(actionlint: str, path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([actionlint, "-no-color", str(path)], capture_output=True, text=True,
                          timeout=60, cwd=ROOT)


def test_this_repository_workflow_lints_clean(actionlint):
    run = lint(actionlint, ROOT / ".github" / "workflows" / "ci.yml")
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_recipe_in_docs_ci_lints_clean(actionlint, tmp_path):
    text = (ROOT / "docs" / "ci.md").read_text()
    recipe = re.search(r"```yaml\n(.*?)```", text, re.S)
    assert recipe, "docs/ci.md has no ```yaml block"
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    path = tmp_path / ".github" / "workflows" / "testbed.yml"
    path.write_text(recipe.group(1))
    run = lint(actionlint, path)
    assert run.returncode == 0, run.stdout + run.stderr


def test_a_broken_workflow_is_caught(actionlint, tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  t:\n    runs-on: ubuntu-24.04\n    steps:\n"
                   "      - run: echo ${{ matrix.nothing }}\n")
    assert lint(actionlint, bad).returncode != 0

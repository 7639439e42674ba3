"""The testbeds one pytest process brings up: named per process, shared per scope, kept on failure.

Names are `pt<pid>-<scenario>-<n>`: unique per pytest process, so pytest-xdist workers and two
runs side by side never collide, and a testbed whose process is gone is known to be stale (a
killed run's): the next session removes it, unless it was kept on purpose (`--testbed-keep`).
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import EngineMissing
from ..model import Scenario, find, load, with_suite
from ..net import Testbed, teardown
from .ahead import Ahead

PREFIX = "pt"
KEPT = "kept"  # a file in the run folder of a testbed left up for inspection
_OWNER = re.compile(rf"^{PREFIX}(\d+)-")


def owner(name: str) -> int | None:
    """The pid of the pytest process that named this testbed (None: not a plugin testbed)."""
    found = _OWNER.match(name)
    return int(found.group(1)) if found else None


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Testbeds:
    """Brings testbeds up for tests and down after them (see the plugin's fixtures)."""

    def __init__(self, runs: Path, keep: bool = False, suite: str | None = None,
                 progress: Callable[[str], None] = print, runtime: str = "docker"):
        self.runs = runs
        self.runtime = runtime
        self.keep = keep
        self.suite = suite
        self.progress = progress
        self.ahead: Ahead | None = None
        self.failed: set[str] = set()  # names of testbeds a failed test used
        self.kept: list[str] = []
        self._shared: dict[tuple[str, Path], Testbed] = {}
        self._count = itertools.count(1)
        self._reason: str | None = None
        self._checked = False

    # --- what tests may do --------------------------------------------------------------------

    def skip_reason(self) -> str | None:
        """Why no testbed can come up here (no root, no Docker engine), or None."""
        if not self._checked:
            self._checked = True
            if os.geteuid() != 0:
                self._reason = "testbed: needs root (veths are wired from the host with netlink)"
            else:
                from ..runtime import runtimes
                try:
                    runtimes.listing().testbeds()  # the engine answers
                except EngineMissing as exc:
                    self._reason = f"testbed: {exc}"
        return self._reason

    def path(self, ref: str | Path) -> Path:
        return find(ref).resolve()

    def scenario(self, ref: str | Path) -> Scenario:
        sc = load(self.path(ref))
        return with_suite(sc, self.suite) if self.suite else sc

    def name_for(self, ref: str | Path) -> str:
        stem = re.sub(r"[^a-z0-9]+", "-", self.path(ref).stem.lower()).strip("-")[:12]
        return f"{PREFIX}{os.getpid()}-{stem or 'tb'}-{next(self._count)}"

    def bring_up(self, ref: str | Path) -> Testbed:
        """A testbed of this scenario, up: the one started ahead if there is one, else now."""
        path = self.path(ref)
        if self.ahead is not None:
            self.ahead.wait_ready()  # the node image the background build makes (built once)
        launch = self.ahead.take(path, self.suite) if self.ahead is not None else None
        if launch is not None:
            return Testbed.attach(launch.name, self.runs, self.progress)
        return Testbed(self.scenario(path), self.name_for(path), self.runs, self.progress,
                       self.runtime).up()

    def put_down(self, tb: Testbed) -> None:
        """Down, unless a failed test used it and --testbed-keep asks to leave it for a look."""
        if self.keep and tb.name in self.failed:
            (tb.dir / KEPT).write_text("left up after a failed test (--testbed-keep)\n")
            self.kept.append(tb.name)
            tb.close_db()
            return
        tb.down()

    @contextmanager
    def up(self, ref: str | Path) -> Iterator[Testbed]:
        """`with testbeds.up("dvr") as tb:` a testbed for a block (a fixture of any scope)."""
        tb = self.bring_up(ref)
        try:
            yield tb
        finally:
            self.put_down(tb)

    def shared(self, ref: str | Path, scope: str) -> Testbed:
        """The testbed of this scenario shared by everything under `scope` (a node id, or
        "session"); it goes down when that scope is released."""
        key = (scope, self.path(ref))
        if key not in self._shared:
            self._shared[key] = self.bring_up(ref)
        return self._shared[key]

    def release(self, scope: str | None = None) -> None:
        """Take down the shared testbeds of one scope (all of them when None)."""
        for key in [k for k in self._shared if scope is None or k[0] == scope]:
            self.put_down(self._shared.pop(key))

    def start_ahead(self, refs: list[Path], workers: int) -> None:
        """Bring these scenarios' testbeds up in the background, `workers` at a time, after
        building the node image(s) they need (while the tests that need none run). Called again,
        it adds to the same queue."""
        if self.ahead is None:
            from ..runtime import images

            suites = sorted({self.scenario(ref).settings.suite for ref in refs})

            def build() -> None:
                for suite in suites:
                    images.ensure(suite, progress=lambda _: None)
            self.ahead = Ahead(self.runs, workers, self.runtime)
            self.ahead.prepare(build)
        self.ahead.start([(self.name_for(ref), self.path(ref), self.suite) for ref in refs])

    def wait_ahead(self) -> None:
        """Until every testbed started ahead is up (tests that time things wait for quiet)."""
        if self.ahead is not None:
            self.ahead.wait_all()

    # --- session ------------------------------------------------------------------------------

    def remove_stale(self) -> list[str]:
        """Remove testbeds named by pytest processes that are gone (a killed run's), except the
        ones kept on purpose."""
        from ..runtime import runtimes

        removed = []
        for name in runtimes.listing().testbeds():
            pid = owner(name)
            if pid is None or pid == os.getpid() or alive(pid) or (self.runs / name / KEPT).exists():
                continue
            self.progress(f"removing testbed '{name}': the test run that made it (pid {pid}) is gone")
            teardown(name, self.runs / name, progress=lambda _: None)
            removed.append(name)
        return removed

    def finish(self) -> None:
        self.release()
        if self.ahead is not None:
            self.ahead.finish()

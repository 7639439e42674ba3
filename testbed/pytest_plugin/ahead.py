"""Testbeds brought up ahead (`--testbed-ahead=N`), N at a time, while earlier tests run.

A testbed takes 7-13 s to come up; one after the other, a suite with several scenarios spends
much of its time waiting. At collection the plugin starts `testbed up` for every shared testbed
the selected tests declare (`@pytest.mark.testbed(...)`), in child processes (the CLI: the same
path users take, and no fork from a threaded process), N at a time in the order the tests run;
a test's fixture waits for its own and attaches to it. Whatever a session started and did not
use is taken down at its end, and an interrupted session stops the bring-ups it started
(SIGTERM: the CLI cleans up). Under pytest-xdist a worker does the same for its share of the
tests when a conftest tells it (pytest_plugin.ahead_for).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from ..net import teardown


@dataclass
class Launch:
    name: str
    scenario: Path
    suite: str | None
    log: Path
    done: threading.Event = field(default_factory=threading.Event)
    proc: subprocess.Popen | None = None
    rc: int | None = None
    used: bool = False
    error: str | None = None  # the bring-up could not be started (the test's process does it)


class Ahead:
    def __init__(self, runs: Path, workers: int = 2, runtime: str = "docker"):
        self.runs = runs
        self.runtime = runtime
        self.launches: dict[str, Launch] = {}
        self.workers = workers
        self.stopping = False
        self._lock = threading.Lock()
        self._queue: list[Launch] = []
        self._active = 0  # threads bringing testbeds up now
        self.ready = threading.Event()  # the node image exists: bring-ups may start
        self.prepare_error: BaseException | None = None
        self.popen = subprocess.Popen  # how children are started (a test fakes it here)
        # the environment the children get, fixed now: given as a list, exec does not read the
        # process' `environ`, which a test in the main thread may be changing at that moment
        self.env = dict(os.environ)

    def prepare(self, build) -> None:
        """Build what every bring-up needs (the node image) in the background, while the unit
        tests run; bring-ups wait for it (see wait_ready)."""
        def run():
            try:
                build()
            except BaseException as exc:  # noqa: BLE001 - reported to whoever waits
                self.prepare_error = exc
            finally:
                self.ready.set()
        threading.Thread(target=run, daemon=True).start()

    def wait_ready(self, timeout: float = 900) -> None:
        if not self.ready.wait(timeout):
            raise TimeoutError(f"the node image was not built after {timeout:.0f} s")
        if self.prepare_error is not None:
            raise RuntimeError(f"building the node image failed: {self.prepare_error}")

    def start(self, wanted: list[tuple[str, Path, str | None]]) -> None:
        """Bring these up (name, scenario file, suite or None), `workers` at a time (with
        those started earlier: it may be called again as more tests are known)."""
        with self._lock:
            for name, scenario, suite in wanted:
                launch = Launch(name, scenario, suite, self.runs / f"{name}.bringup.log")
                self.launches[name] = launch
                self._queue.append(launch)
            spawn = max(0, min(self.workers - self._active, len(self._queue)))
            self._active += spawn
        for _ in range(spawn):
            threading.Thread(target=self._work, daemon=True).start()

    def _work(self) -> None:
        self.ready.wait()
        while True:
            with self._lock:
                if not self._queue or self.stopping or self.prepare_error is not None:
                    self._active -= 1
                    return
                launch = self._queue.pop(0)
            try:
                launch.log.parent.mkdir(parents=True, exist_ok=True)
                with open(launch.log, "w") as out:
                    launch.proc = self._spawn(launch, out)
                    launch.rc = launch.proc.wait()
            except OSError as exc:
                launch.error = f"{type(exc).__name__}: {exc}"
            finally:  # whoever waits for it is told, whatever happened
                launch.done.set()

    def _spawn(self, launch: Launch, out) -> subprocess.Popen:
        """`testbed up` in a child process; starting it is tried a second time if it fails. A
        run here saw Popen fail with EFAULT ('Bad address') from exec: the child was reading the
        process' environment while a unit test in the main thread changed it (monkeypatch.setenv
        reallocates it). The children now get their environment as an argument."""
        suite = ["--suite", launch.suite] if launch.suite else []
        argv = [sys.executable, "-m", "testbed", "--runs", str(self.runs), "up",
                str(launch.scenario), "--name", launch.name, *suite, "--runtime", self.runtime]

        def start() -> subprocess.Popen:
            return self.popen(argv, stdout=out, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, env=self.env)
        try:
            return start()
        except OSError as exc:
            out.write(f"starting `testbed up` failed ({exc}); trying once more\n")
            out.flush()
            return start()

    def take(self, scenario: Path, suite: str | None, timeout: float = 300) -> Launch | None:
        """An unused launch of this scenario once it has finished (None if none was started)."""
        launch = next((x for x in self.launches.values() if not x.used
                       and x.scenario == scenario and x.suite == suite), None)
        if launch is None:
            return None
        name = launch.name
        launch.used = True
        if not launch.done.wait(timeout):
            raise TimeoutError(f"testbed '{name}' was not up after {timeout:.0f} s; see "
                               f"{launch.log}")
        if launch.error is not None:  # never started: nothing of it exists; the caller brings
            return None               # the scenario up itself
        if launch.rc != 0:
            raise RuntimeError(f"`testbed up` of '{name}' exited {launch.rc}:\n"
                               + launch.log.read_text()[-3000:])
        return launch

    def wait_all(self, timeout: float = 600) -> None:
        """Until every bring-up started has finished (whatever its result)."""
        if not self.ready.wait(timeout) or self.prepare_error is not None:
            return
        for launch in list(self.launches.values()):
            if launch.proc is not None or launch in self._queue:
                launch.done.wait(timeout)

    def finish(self) -> None:
        """Stop bring-ups still running and take down what was started and never used."""
        with self._lock:
            self.stopping = True
            self._queue.clear()
        for launch in self.launches.values():
            if launch.proc is not None and launch.proc.poll() is None:
                launch.proc.terminate()  # the CLI unwinds and removes what it made
                try:
                    launch.proc.wait(120)
                except subprocess.TimeoutExpired:
                    launch.proc.kill()
            if not launch.used and launch.proc is not None:
                teardown(launch.name, self.runs / launch.name, progress=lambda _: None)

"""What the harness did to a testbed, one JSON object per line in runs/NAME/events.jsonl:
faults injected and restored, walks started and finished, the testbed up. `testbed events`
follows the file beside what it watches live (observe/events.py).

    journal.record(lab.dir, "fault.injected", "gw1", fault="kill gw1 ovs-vswitchd")

Writing never fails the action it records: a journal that cannot be written is skipped.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

FILE = "events.jsonl"


def record(folder: Path, kind: str, node: str | None = None, **detail) -> None:
    line = json.dumps({"t": round(time.time(), 3), "kind": kind, "node": node, **detail})
    try:
        with open(folder / FILE, "a", encoding="utf-8") as out:
            out.write(line + "\n")  # one write of a short line: appends do not interleave
    except OSError:
        pass


def follow(folder: Path, stop, interval: float = 0.2):
    """The lines recorded from now on, as they come, until `stop` (a threading.Event) is set."""
    path = folder / FILE
    offset = path.stat().st_size if path.exists() else 0
    while not stop.is_set():
        if path.exists() and path.stat().st_size > offset:
            with open(path, encoding="utf-8") as f:
                f.seek(offset)
                chunk = f.read()
            done = chunk.rfind("\n") + 1  # a line still being written waits for its end
            offset += len(chunk[:done].encode())
            for line in chunk[:done].splitlines():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError:
                    continue
        stop.wait(interval)

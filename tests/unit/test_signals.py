"""SIGTERM unwinds the CLI's own process, never a forked helper (pyroute2's namespace children)."""

from __future__ import annotations

import os
import signal
import time

from testbed import cli


def test_a_forked_child_does_not_run_the_parents_cleanup(tmp_path):
    marker = tmp_path / "unwound"
    ready_r, ready_w = os.pipe()
    previous = signal.signal(signal.SIGTERM, cli._terminate)
    cli._OWNER = os.getpid()
    try:
        pid = os.fork()
        if pid == 0:  # the child: the parent's stack is ours too, with its finally blocks
            try:
                os.write(ready_w, b"x")
                time.sleep(30)
            finally:
                marker.write_text("the child ran the parent's cleanup")
            os._exit(0)
        os.read(ready_r, 1)  # the child is inside its try block
        os.kill(pid, signal.SIGTERM)
        _, status = os.waitpid(pid, 0)
    finally:
        signal.signal(signal.SIGTERM, previous)
        os.close(ready_r)
        os.close(ready_w)
    assert os.waitstatus_to_exitcode(status) == 128 + signal.SIGTERM
    assert not marker.exists()
    # and in the owner it unwinds like Ctrl-C
    try:
        cli._terminate(signal.SIGTERM, None)
    except KeyboardInterrupt:
        pass
    else:
        raise AssertionError("SIGTERM in the owner must raise KeyboardInterrupt")

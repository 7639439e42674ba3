"""`testbed` command line: one module per verb (up, down, show, ls, walk, mode, flap, fault,
failover, cluster, fip, mtu, lb, graph, check, events, exec, logs, nbctl, sbctl, openstack,
nbdiff, dbsync, capture, image, completion)."""

from __future__ import annotations

import argparse
import os
import signal
import sys

from . import (
    capture,
    check,
    cluster,
    completion,
    dbsync,
    down,
    events,
    execute,
    failover,
    fault,
    fip,
    flap,
    graph,
    image,
    lb,
    logs,
    ls,
    mode,
    mtu,
    nbctl,
    nbdiff,
    openstack,
    ovnctl,
    sbctl,
    show,
    up,
    walk,
)

VERBS = {"up": up, "down": down, "show": show, "ls": ls, "walk": walk, "mode": mode,
         "flap": flap, "fault": fault, "failover": failover,
         "cluster": cluster, "fip": fip, "mtu": mtu, "lb": lb,
         "graph": graph, "check": check, "events": events,
         "exec": execute,
         "logs": logs, "nbctl": nbctl, "sbctl": sbctl, "openstack": openstack, "nbdiff": nbdiff,
         "dbsync": dbsync,
         "capture": capture, "image": image,
         "completion": completion}


_OWNER = os.getpid()


def _terminate(signum, frame):
    """SIGTERM and SIGHUP unwind like Ctrl-C, so every `with` and `finally` cleans up (captures, testbeds).

    Only in the process that installed it: a forked helper (pyroute2's namespace children) that
    gets the signal exits at once instead of running this process's cleanup a second time."""
    if os.getpid() != _OWNER:
        os._exit(128 + signum)
    raise KeyboardInterrupt(f"signal {signum}")


def _interrupt_once(signum, frame):
    """Ctrl-C unwinds once: a second SIGINT arriving while the first is handled (in the
    `except` that would ignore it) ended the process with a traceback instead of 130."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="testbed", description="Bring OVN testbeds up on real daemons, walk packets "
        "through them, inject faults, and take them down. `testbed VERB --help` for each.")
    parser.add_argument("--runs", default="runs", help="folder for run outputs (default: runs/)")
    sub = parser.add_subparsers(dest="verb", required=True)
    for name, module in VERBS.items():
        module.add_parser(sub.add_parser(
            name, help=module.__doc__.splitlines()[0], description=module.__doc__,
            formatter_class=argparse.RawDescriptionHelpFormatter))  # --help shows examples
    sub.choices["completion"].set_defaults(root_parser=parser)  # it describes every verb
    return parser


PASSTHROUGH = ("nbctl", "sbctl", "openstack")  # verbs whose trailing words are another tool's arguments


def _tool_arguments_apart(argv: list[str]) -> list[str]:
    """nbctl/sbctl: the tool's arguments after a `--`, so argparse never reads them."""
    for i, word in enumerate(argv):
        if word in VERBS:
            if word in PASSTHROUGH:
                return [*argv[:i + 1], *ovnctl.own_options_first(argv[i + 1:])]
            return argv
    return argv


def main(argv: list[str] | None = None) -> int:
    own_process = argv is None  # the `testbed` command itself, not a call from Python
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(_tool_arguments_apart(argv))
    global _OWNER
    _OWNER = os.getpid()
    # SIGTERM (CI runners cancelling) and SIGHUP (a closed terminal) clean up like Ctrl-C
    previous = {sig: signal.signal(sig, _terminate) for sig in (signal.SIGTERM, signal.SIGHUP)}
    if own_process:  # one Ctrl-C: `timeout -s INT` signals the command and its group, twice
        signal.signal(signal.SIGINT, _interrupt_once)
    try:
        return VERBS[args.verb].run(args) or 0
    except KeyboardInterrupt:
        if own_process:  # the cleanup ran; a second Ctrl-C while the interpreter exits would
            # only print a traceback from some finaliser (a process group signalled twice too)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the CLI reports, the library raises
        print(f"testbed {args.verb}: {exc}", file=sys.stderr)
        return 1
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

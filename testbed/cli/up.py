"""Bring a scenario up on real daemons and print what it looks like."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from ..errors import TestbedError
from ..model import SUITES, load, with_neutron, with_ovn, with_suite
from ..model.loader import ScenarioError, recheck
from ..model.neutron import check_source
from ..runtime.runtimes import DEFAULT, available


def add_parser(p) -> None:
    p.add_argument("scenario", nargs="?", default="l3-over-vlan",
                   help="a scenario file, or a bundled scenario's name (default: l3-over-vlan)")
    p.add_argument("--name", help="testbed name (default: the scenario's name)")
    p.add_argument("--ovn", metavar="PATH", help="OVS and OVN from here instead of the packages: "
                   "an OVN source tree (built, cached by commit and changes) or an install tree "
                   "(make install DESTDIR=PATH); sets settings.ovn")
    p.add_argument("--suite", choices=SUITES, help="Debian suite of the node image "
                   "(default: the scenario's settings.suite)")
    p.add_argument("--neutron", nargs="?", const=True, default=False, metavar="TREE",
                   help="with a Neutron (ML2/OVN) driving the testbed's OVN, as settings.neutron:"
                   " true; `testbed openstack` talks to it. --neutron=TREE: a Neutron checkout's "
                   "code instead of Debian's (settings.neutron: {source: TREE})")
    p.add_argument("--check", action="store_true", help="run the scenario's checks once it is "
                   "up (testbed check); exit 1 if one fails (the testbed stays up)")
    p.add_argument("--junit", help="with --check: write JUnit XML here")
    p.add_argument("--runtime", choices=sorted(available()), default=DEFAULT,
                   help="docker: a container per node (default); netns: every node a set of "
                   "namespaces in one holder container (the bring-up floor; no stop/pause faults)")


def run(args) -> int:
    from ..net import Testbed
    from ..report import picture, summary

    scenario = load(args.scenario)  # a bad file stops here, before anything starts
    if args.suite:  # what the file asks may not work on another suite: checked again
        scenario = recheck(with_suite(scenario, args.suite), args.scenario)
    if args.ovn:
        scenario = with_ovn(scenario, args.ovn)
    if args.neutron:
        tree = None if args.neutron is True else args.neutron
        scenario = recheck(with_neutron(scenario, tree), args.scenario)
        if tree and (problems := check_source(scenario)):
            raise ScenarioError(args.scenario, problems)
    out = Output()
    tb = Testbed(scenario, args.name, Path(args.runs), out, runtime=args.runtime).up()
    try:
        snap = tb.snapshot()
        (tb.dir / "summary.json").write_text(json.dumps(snap, indent=1))
        (tb.dir / "topology.svg").write_text(picture.topology_svg(snap))
        summary.render(snap)
        out(f"\npicture: {tb.dir}/topology.svg   run outputs: {tb.dir}/")
        out(f"remove it with: testbed down {tb.name}")
        sys.stdout.flush()
    except BaseException as exc:  # stdout closed (| head), a closed terminal, Ctrl-C
        if isinstance(exc, OSError):
            _silence_stdout()
        out.broken = True
        out(f"testbed up did not finish: removing '{tb.name}'")
        tb.down()
        raise
    if args.check:
        from .check import run_on

        out("")
        return run_on(tb.lab, junit=args.junit)
    return 0


class StdoutClosed(TestbedError, BrokenPipeError):
    """The reader of stdout went away (`| head`): up ends, as a SIGPIPE would end it, and
    removes what it made."""


class Output:
    """Progress lines to stdout. When stdout is gone (a reader that stopped) the bring-up ends
    with StdoutClosed, and from then on lines go to stderr, so that the cleanup which follows
    runs to its end and says what it did."""

    def __init__(self):
        self.broken = False

    def __call__(self, line: str) -> None:
        if not self.broken:
            try:
                print(line, flush=True)
                return
            except OSError as exc:  # BrokenPipeError among them
                self.broken = True
                _silence_stdout()
                raise StdoutClosed(f"stdout was closed ({exc.strerror}): the bring-up stopped "
                                   "and removed what it had made") from exc
        try:
            print(line, file=sys.stderr, flush=True)
        except OSError:
            pass


def _silence_stdout() -> None:
    """Point stdout at /dev/null: what is still buffered for a closed pipe is dropped instead
    of failing again at exit."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError):
        pass

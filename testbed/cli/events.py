"""A live stream of what happens in a testbed: faults, walks, BFD, gateway moves, links, nodes.

    testbed events --name l3                  # a line per event, until Ctrl-C
    testbed events --json --for 60            # one JSON object per line, for 60 s
    testbed events --only bfd. --only gateway.

Events: fault.injected/restored, walk.started/finished (from any process), gateway.moved,
chassis.registered/gone (Southbound), bfd.up/down (each chassis' BFD sessions), link.up/down,
node.running/paused/exited, mac.moved (the ToR), testbed.gone (the stream ends).
"""

from __future__ import annotations

import json
import sys

from ..observe.events import EventStream
from . import pick

MAX_SECONDS = 86400


def add_parser(p) -> None:
    pick.add_name(p)
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument("--for", dest="seconds", type=float, default=3600,
                   help=f"stop after this many seconds (default 3600, at most {MAX_SECONDS})")
    p.add_argument("--only", action="append", default=[], metavar="PREFIX",
                   help="only events whose kind starts so (bfd., gateway.moved); repeatable")


def run(args) -> int:
    if not 0 < args.seconds <= MAX_SECONDS:
        raise ValueError(f"--for {args.seconds:g}: give 0 < seconds <= {MAX_SECONDS}")
    tb = pick.attach(args, progress=lambda _: None)
    seen = 0
    with EventStream(tb.lab) as stream:
        ready = {"kind": "stream.started", "testbed": tb.name, "sources": stream.sources,
                 "not_started": stream.problems}
        print(json.dumps(ready) if args.json else
              f"following {tb.name}: {', '.join(stream.sources)}" +
              (f" (not started: {'; '.join(stream.problems)})" if stream.problems else ""),
              flush=True)
        try:
            for event in stream.events(args.seconds):
                if args.only and not event.kind.startswith(tuple(args.only)):
                    continue
                seen += 1
                print(json.dumps(event.to_json()) if args.json else event.line(), flush=True)
        except KeyboardInterrupt:  # Ctrl-C, SIGTERM: the stream ends cleanly
            pass
    print(f"{seen} event(s)", file=sys.stderr)
    return 0

"""The node image: build it, print its tag (a cache key: it changes with the image's inputs),
save it to a file and load it back (CI caches, machines without a registry).

    testbed image                       # build if missing, print the tag
    testbed image --tag                 # the tag only, nothing built (no Docker needed)
    testbed image --save ~/.cache/ovn-testbed/node.tar
    testbed image --load ~/.cache/ovn-testbed/node.tar
    testbed image --prune               # images of older inputs and older builds of a tree
"""

from __future__ import annotations

from pathlib import Path

from ..model import SUITES
from ..runtime import images


def add_parser(p) -> None:
    p.add_argument("--suite", choices=SUITES, default="trixie", help="Debian suite (trixie)")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--tag", action="store_true", help="print the tag; build nothing")
    what.add_argument("--save", metavar="FILE", help="build if missing, then write it to FILE")
    what.add_argument("--load", metavar="FILE", help="load an image written by --save")
    what.add_argument("--prune", action="store_true", help="remove images nothing needs: "
                      "other inputs than today's, builds older than their tree's newest")


def run(args) -> int:
    tag = images.node_image_tag(args.suite)
    if args.tag:
        print(tag)
        return 0
    if args.prune:
        from ..runtime.ovnbuild import prune

        print(f"{len(prune())} image(s) removed")
        return 0
    if args.load:
        loaded = images.load(Path(args.load))
        print(f"loaded {', '.join(loaded) or 'no tagged image'} from {args.load}")
        return 0 if tag in loaded else 1
    tag = images.ensure(args.suite)
    if args.save:
        size = images.save(tag, Path(args.save))
        print(f"saved {tag} to {args.save} ({size / 1e6:.0f} MB)")
        return 0
    print(tag)
    return 0

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

from .. import images
from ..model import SUITES


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
    from ..manager.docker import connect

    client = connect()
    if args.prune:
        from ..ovnbuild import prune

        print(f"{len(prune(client))} image(s) removed")
        return 0
    if args.load:
        with open(args.load, "rb") as tar:
            loaded = [t for image in client.images.load(tar) for t in image.tags]
        print(f"loaded {', '.join(loaded) or 'no tagged image'} from {args.load}")
        return 0 if tag in loaded else 1
    tag = images.ensure_node_image(client, args.suite)
    if args.save:
        Path(args.save).parent.mkdir(parents=True, exist_ok=True)
        with open(args.save, "wb") as out:
            for chunk in client.images.get(tag).save(named=True):
                out.write(chunk)
        print(f"saved {tag} to {args.save} ({Path(args.save).stat().st_size / 1e6:.0f} MB)")
        return 0
    print(tag)
    return 0

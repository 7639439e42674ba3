"""Where a node's OVS and OVN come from: the Debian suite's packages (the default), a local OVN
source tree built in a builder container, or a tree already installed with DESTDIR.

    settings:
      ovn: {source: ~/src/ovn}          # your tree (its OVS in ovs/, the git submodule)
    nodes:
      central: {role: central, ovn: debian}                   # this node keeps the packages
      gw1:     {role: gateway, ovn: {prefix: /tmp/ovn-24.09}}  # make install DESTDIR=/tmp/...

`testbed up --ovn PATH` sets settings.ovn from the command line (a source tree or a prefix).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from .problem import Problem
from .types import Strict

# the daemons an install tree must hold (under usr/bin or usr/sbin)
DAEMONS = ("ovn-controller", "ovn-northd")


class OvnBuild(Strict):
    """OVN (and the OVS it carries) from somewhere else than the suite's packages."""

    source: str | None = None
    """an OVN source tree with its OVS in `ovs/` (git submodule or unpacked): built in a
    builder container (both installed), cached by commit and uncommitted changes."""
    prefix: str | None = None
    """a tree made by `make install DESTDIR=<prefix>` (usr/bin/ovn-controller ...): copied
    over the packages of the node image."""
    jobs: Annotated[int, Field(ge=1, le=256)] | None = None
    """make -j for source builds (default: the machine's CPU count)."""

    @model_validator(mode="after")
    def _one(self) -> OvnBuild:
        if (self.source is None) == (self.prefix is None):
            raise ValueError("give exactly one of source (an OVN tree) or prefix (an install tree)")
        return self

    @property
    def path(self) -> Path:
        return Path(self.source or self.prefix or "")


OvnChoice = Literal["debian"] | OvnBuild
"""`debian` (the suite's packages) or a build."""


def resolve(build: OvnChoice | None, base: Path) -> OvnChoice | None:
    """The same choice with its path absolute (relative paths are relative to `base`, the
    scenario file's folder; `~` is the user's home)."""
    if not isinstance(build, OvnBuild):
        return build
    path = (base / Path(build.source or build.prefix or "").expanduser()).resolve()
    key = "source" if build.source else "prefix"
    return build.model_copy(update={key: str(path)})


def check(build: OvnChoice | None, field: str) -> list[Problem]:
    """The tree is where the file says, and of the kind it says (I/O: reads the tree)."""
    if not isinstance(build, OvnBuild):
        return []
    path = build.path
    if build.source:
        ac = path / "configure.ac"
        if not ac.is_file() or not re.search(r"AC_INIT\(\[?ovn", ac.read_text(errors="replace"),
                                             re.I):
            return [Problem(f"{field}.source", f"{path} is not an OVN source tree (no "
                            "configure.ac with AC_INIT(ovn...))",
                            "give the top folder of an OVN checkout (git clone of ovn-org/ovn)")]
        if not (path / "ovs" / "configure.ac").is_file():
            return [Problem(f"{field}.source", f"{path}/ovs holds no OVS source tree",
                            "run `git submodule update --init` in the OVN tree (or unpack "
                            "an OVS source tree into ovs/)")]
        return []
    found = [d for d in DAEMONS if any((path / "usr" / b / d).is_file() for b in ("bin", "sbin"))]
    if len(found) < len(DAEMONS):
        missing = ", ".join(d for d in DAEMONS if d not in found)
        return [Problem(f"{field}.prefix", f"{path} holds no usr/bin/{missing}",
                        "give the folder `make install DESTDIR=...` wrote to (it holds usr/)")]
    return []

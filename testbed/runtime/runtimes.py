"""The runtimes a testbed's nodes can run on, by name. A runtime registers itself
(`@register` on its class, in its own module of this package); every module here is imported
on first lookup, so adding one is adding a file. An unknown name fails by listing what exists.
"""

from __future__ import annotations

import importlib
import pkgutil

from ..errors import TestbedError
from .base import Runtime

RUNTIMES: dict[str, type[Runtime]] = {}
DEFAULT = "docker"


def register(cls: type[Runtime]) -> type[Runtime]:
    """Class decorator: make a runtime known by its `name`."""
    RUNTIMES[cls.name] = cls
    return cls


def available() -> dict[str, type[Runtime]]:
    """Every registered runtime (the package's modules imported once)."""
    package = importlib.import_module(__package__)
    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{__package__}.{info.name}")
    return RUNTIMES


def backend(name: str = DEFAULT) -> Runtime:
    """A runtime by name (docker: a container per node; netns: namespaces in one holder)."""
    runtimes = available()
    if name not in runtimes:
        raise TestbedError(f"no runtime '{name}': the runtimes are "
                           f"{', '.join(sorted(runtimes))}")
    return runtimes[name]()


def of(testbed: str) -> Runtime:
    """The runtime that holds a testbed, found by its name alone (after a crash too): the first
    that claims it, the default last (the others' holders may live in its engine)."""
    names = sorted(available(), key=lambda n: (n == DEFAULT, n))
    for name in names:
        runtime = backend(name)
        if name == DEFAULT or runtime.claims(testbed):
            return runtime
    return backend(DEFAULT)


def listing() -> Runtime:
    """The runtime whose engine lists every testbed (the default: other runtimes' holders are
    nodes of its engine too), for `ls`, completion and stale-run cleanup."""
    return backend(DEFAULT)

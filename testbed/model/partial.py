"""One pass reports every problem a scenario file has: when some values fail their field's
validation, they are cut out and the rest is still validated and cross-checked."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable

from pydantic import ValidationError

from .problem import Problem

LATER = "more checks (references, addresses) run once these are fixed"


def checks_without(data: dict, exc: ValidationError,
                   checked: Callable[[dict], list[Problem]]) -> tuple[list[Problem], str]:
    """The cross-check problems of what did validate: each value with a field error is cut out
    (the value itself, or the entry holding it when it cannot go alone), `checked` validates
    and cross-checks the rest, and the problems that follow from a cut are left out (a VM on a
    switch that was cut is not 'on an unknown switch'). Returns those problems and a note on
    what was cut (more may show once it is fixed)."""
    pruned, cuts, errors = copy.deepcopy(data), [], exc.errors()
    for _ in range(8):  # each round cuts at least one value; a cut never needs more than a few
        made = [c for c in (cut(pruned, err["loc"]) for err in errors) if c]
        if not made:
            return [], LATER
        cuts += made
        try:
            found = checked(pruned)
            break
        except ValidationError as again:
            errors = again.errors()
    else:
        return [], LATER
    paths = {".".join(map(str, c)) for c in cuts}
    paths = {c for c in paths if not any(c.startswith(o + ".") for o in paths)}  # outermost
    entries = {str(c[1]) for c in cuts if len(c) == 2}

    def follows_from_a_cut(p: Problem) -> bool:
        if any(p.field == c or p.field.startswith(c + ".") or c.startswith(p.field + ".")
               for c in paths):
            return True
        return any(re.search(rf"(?<![\w.-]){re.escape(n)}(?![\w-])", p.message)
                   for n in entries)
    kept = [p for p in found if not follows_from_a_cut(p)]
    return kept, f"left out of the cross checks: {', '.join(sorted(paths))}; {LATER}"


def cut(data: dict, loc: tuple) -> tuple | None:
    """Remove the value at `loc` (as deep as it exists; a missing key cuts its holder) from
    `data`; returns the path cut, or None when only a whole section could go."""
    node, path = data, []
    for key in loc:
        if isinstance(node, dict) and key in node or isinstance(node, list) and \
                isinstance(key, int) and 0 <= key < len(node):
            node = node[key]
            path.append(key)
        else:
            break
    if len(path) < 2:
        return None
    holder = data
    for key in path[:-1]:
        holder = holder[key]
    del holder[path[-1]]
    return tuple(path)

"""Project-wide analysis: the project's modules, their facts, and how errors flow between
them (SPEC section 3, "Across the project").

The package's modules import LibCST only where they analyse (``summary``); ``layout``,
``index`` and ``cache`` stay cheap, as the text check of a file that does not use BSG runs
through them.
"""

from __future__ import annotations

from typing import Dict, List, Union

#: Bumped whenever the shape or the meaning of module facts changes (part of the cache key).
SCHEMA = 3

#: Module facts are plain JSON values.
Json = Union[None, bool, int, str, List["Json"], Dict[str, "Json"]]


def shared(value: Json, seen: Dict[object, Json]) -> Json:
    """``value`` with equal strings and equal lists of plain values made one object each (a
    project's facts repeat the same error classes, code lists and empty lists many times).
    The facts are never changed after they are built, so sharing is safe."""
    if isinstance(value, str):
        return seen.setdefault(value, value)
    if isinstance(value, list):
        items = [shared(v, seen) for v in value]
        if all(not isinstance(v, (list, dict)) for v in items):
            # the types too: `[1]` and `[True]` are equal tuples
            key = ("list", tuple(items), tuple(map(type, items)))
            return seen.setdefault(key, items)
        return items
    if isinstance(value, dict):
        made = {str(seen.setdefault(k, k)): shared(v, seen) for k, v in value.items()}
        if all(v is None or isinstance(v, (bool, int, str)) for v in made.values()):
            # (an escape filter: `{"bsg_restapi.APIError": null}`)
            return seen.setdefault(("dict", tuple(sorted(made.items()))), made)
        return made
    return value

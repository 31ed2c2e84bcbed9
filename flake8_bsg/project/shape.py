"""The shape of a module's facts: plain JSON values, the schema number that versions them (part
of the cache key), and how equal parts are shared."""

from __future__ import annotations

from typing import Dict, List, Union

#: Bumped whenever the shape or the meaning of module facts changes (part of the cache key).
SCHEMA = 6

#: Module facts are plain JSON values.
Json = Union[None, bool, int, str, List["Json"], Dict[str, "Json"]]


def shared(value: Json, seen: Dict[object, Json]) -> Json:
    """``value`` with equal strings and equal lists of plain values made one object each (a
    project's facts repeat the same error classes, code lists and empty lists many times).
    The facts are never changed after they are built, so sharing is safe."""
    if isinstance(value, str):
        return seen.setdefault(value, value)
    if isinstance(value, list):
        return _shared_list(value, seen)
    if isinstance(value, dict):
        return _shared_dict(value, seen)
    return value


#: The types of plain values that are not strings.
_NUMBERS = frozenset({int, bool, float, type(None)})


# Plain items are shared here rather than by a call each: most of a project's facts are.
def _shared_list(value: List[Json], seen: Dict[object, Json]) -> Json:
    if _NUMBERS.issuperset(map(type, value)):
        # (most of the items a project's facts hold: the codes of escape filters, hundreds
        # in a list; the same list as below, found without a step per item)
        numbers = list(value)
        return seen.setdefault(("list", tuple(numbers), tuple(map(type, numbers))), numbers)
    items: List[Json] = []
    plain = True
    for item in value:
        if isinstance(item, str):
            item = seen.setdefault(item, item)
        elif isinstance(item, (list, dict)):
            item = shared(item, seen)
            plain = plain and not isinstance(item, (list, dict))
        items.append(item)
    if plain:
        # the types too: `[1]` and `[True]` are equal tuples
        key = ("list", tuple(items), tuple(map(type, items)))
        return seen.setdefault(key, items)
    return items


def _shared_dict(value: Dict[str, Json], seen: Dict[object, Json]) -> Json:
    made: Dict[str, Json] = {}
    plain = True
    for key, item in value.items():
        if isinstance(item, str):
            item = seen.setdefault(item, item)
        elif isinstance(item, (list, dict)):
            item = shared(item, seen)
            plain = False
        elif not (item is None or isinstance(item, (bool, int))):
            plain = False
        made[str(seen.setdefault(key, key))] = item
    if plain:
        # (an escape filter: `{"bsg_restapi.APIError": null}`)
        return seen.setdefault(("dict", tuple(sorted(made.items()))), made)
    return made

"""Project-wide analysis: the project's modules, their facts, and how errors flow between
them (SPEC section 3, "Across the project").

The package's modules import LibCST only where they analyse (``summary``); ``layout``,
``index`` and ``cache`` stay cheap, as the text check of a file that does not use BSG runs
through them.
"""

from __future__ import annotations

from typing import Dict, List, Union

#: Bumped whenever the shape or the meaning of module facts changes (part of the cache key).
SCHEMA = 1

#: Module facts are plain JSON values.
Json = Union[None, bool, int, str, List["Json"], Dict[str, "Json"]]

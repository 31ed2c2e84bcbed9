"""Project-wide analysis: the project's modules, their facts, and how errors flow between
them (SPEC section 3, "Across the project").

The package's modules import LibCST only where they analyse (``summary``). A file without BSG
text runs through ``paths`` and ``quick`` alone, and this package's import costs nothing more.
"""

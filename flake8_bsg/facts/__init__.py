"""Facts: what one walk over a module's LibCST tree finds (bindings, definitions, imports,
calls with their guards, handler clauses, sites where code expressions are compared).

A pure function of the module's text; :mod:`flake8_bsg.flow` decides from them.
"""

from flake8_bsg.facts.records import Facts, dispose
from flake8_bsg.facts.walk import collect

__all__ = ["Facts", "collect", "dispose"]

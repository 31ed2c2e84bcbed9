"""Statement scope: which top-level statements of a module can take part in the analysis.

A long module that calls a client in one function needs a LibCST tree of that function and
of what it refers to, not of the other thousands of lines. The ``ast`` tree flake8 hands
every plugin gives the top-level statements and their lines for free; from it and the text:

- a **unit** is a run of lines holding one top-level statement (or several sharing a line),
  with the comments and blank lines before it (which are parsed with it, but are not its
  text below);
- a unit is a **seed** when its text passes the file's cheap text check, names a catalogue
  class (``ErrorCode(89)`` from a copy of the catalogue is BSG301), or (in a project)
  imports a project module that takes part;
- a unit **carries** BSG when it is a seed, when it mentions (as a word anywhere in its text,
  strings and annotations included) a name that a carrying unit binds at module level, or
  when it takes part and defines a class (a method of a class can reach a subclass's
  override by virtual dispatch);
- a unit **takes part** when it carries, or binds a name that a unit taking part mentions
  (definitions, constants, imports, every rebinding of the name), or follows a module-level
  ``if``/``match`` that takes part, up to the first statement that is not an assignment or a
  no-op (a response check's fallback can be what follows it).

Everything a rule reports is in a unit that carries, and everything the analysis resolves
there is bound in units that take part; the other units cannot change a diagnostic and are
not parsed by LibCST. Lambdas at module level are numbered across the module, so when one
takes part, every unit holding one does. A star import, or a text ``ast`` cannot read,
means the whole module.

Stdlib only: nothing here imports LibCST.
"""

from __future__ import annotations

import ast
import re
import unicodedata
from typing import Callable, Dict, List, NamedTuple, Optional, Sequence, Set, Tuple

_WORD = re.compile(r"\w+")


class Unit(NamedTuple):
    """Lines ``first``..``last`` (1-based, inclusive) of the module: its top-level
    ``statements`` (from line ``start``, decorators included) and the comments and blank lines
    before them."""

    first: int
    last: int
    statements: Tuple[ast.stmt, ...]
    start: int


def units_of(tree: ast.Module, line_count: int) -> List[Unit]:
    """The module's units, in order, covering every line."""
    out: List[Unit] = []
    for statement in tree.body:
        start = statement.lineno
        for decorator in getattr(statement, "decorator_list", ()):
            start = min(start, decorator.lineno)
        end = max(statement.end_lineno or start, start)
        if out and start <= out[-1].last:  # statements sharing a line: one unit
            prev = out[-1]
            out[-1] = prev._replace(
                last=max(prev.last, end), statements=prev.statements + (statement,)
            )
            continue
        first = out[-1].last + 1 if out else 1
        out.append(Unit(first, end, (statement,), max(start, first)))
    if out and out[-1].last < line_count:
        out[-1] = out[-1]._replace(last=line_count)
    return out


class _Shape(NamedTuple):
    """What the module-level part of a unit binds and holds."""

    binds: Set[str]
    defines_class: bool
    module_lambda: bool
    star: bool
    dispatch: bool  # a module-level ``if`` or ``match``
    plain: bool  # only assignments and no-ops


def _shape(unit: Unit, text: str) -> _Shape:
    binds: Set[str] = set()
    defines_class = module_lambda = star = False
    stack: List[ast.AST] = list(unit.statements)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            binds.add(node.name)
            # decorators, defaults, annotations and bases run at module level; bodies do not
            stack.extend(node.decorator_list)
            if isinstance(node, ast.ClassDef):
                defines_class = True
                stack.extend(node.bases)
                stack.extend(node.keywords)
            else:
                stack.append(node.args)
                if node.returns is not None:
                    stack.append(node.returns)
            continue
        if isinstance(node, ast.Lambda):
            module_lambda = True
            stack.append(node.args)
            continue
        if isinstance(node, ast.Name):
            if not isinstance(node.ctx, ast.Load):
                binds.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name == "*":
                    star = True
                else:
                    binds.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, ast.ExceptHandler):
            if node.name:
                binds.add(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            binds.update(node.names)
        elif isinstance(node, ast.MatchAs) or isinstance(node, ast.MatchStar):
            if node.name:
                binds.add(node.name)
        elif isinstance(node, ast.MatchMapping):
            if node.rest:
                binds.add(node.rest)
        stack.extend(ast.iter_child_nodes(node))
    if "global" in text:
        # a function's ``global x`` makes its assignments to x module-level bindings
        for node in ast.walk(ast.Module(body=list(unit.statements), type_ignores=[])):
            if isinstance(node, ast.Global):
                binds.update(node.names)
    statements = unit.statements
    dispatch = any(isinstance(s, (ast.If, ast.Match)) for s in statements)
    plain = all(
        isinstance(s, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Pass))
        or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
        for s in statements
    )
    return _Shape(binds, defines_class, module_lambda, star, dispatch, plain)


#: Names of the catalogue's classes: any module's copy of them can hold BSG codes.
CATALOGUE_CLASSES = ("ErrorCode", "ErrorMessage")


def names_catalogue(text: str) -> bool:
    return any(name in text for name in CATALOGUE_CLASSES)


def _words(text: str) -> Set[str]:
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)  # Python reads identifiers so
    return set(_WORD.findall(text))


def taking_part(
    units: Sequence[Unit],
    texts: Sequence[str],
    is_seed: Callable[[str], bool],
) -> Optional[Set[int]]:
    """The indices of the units that take part, or ``None`` when the whole module must be
    analysed (a star import)."""
    shapes = [_shape(unit, text) for unit, text in zip(units, texts)]
    if any(shape.star for shape in shapes):
        return None
    binders: Dict[str, List[int]] = {}
    for index, shape in enumerate(shapes):
        for name in shape.binds:
            binders.setdefault(name, []).append(index)
    words: Dict[int, Set[str]] = {}

    def words_of(index: int) -> Set[str]:
        found = words.get(index)
        if found is None:
            found = words[index] = _words(texts[index])
        return found

    part: Set[int] = set()
    carrying: Set[int] = set()
    searched: Set[str] = set()
    to_carry = [i for i, text in enumerate(texts) if is_seed(text)]
    to_include: List[int] = []
    lambdas_in = False
    while to_carry or to_include:
        names: Set[str] = set()
        for index in to_carry:
            if index in carrying:
                continue
            carrying.add(index)
            to_include.append(index)
            names |= shapes[index].binds - searched
        to_carry = []
        if names:
            searched |= names
            for index in range(len(units)):
                if index not in carrying and not names.isdisjoint(words_of(index)):
                    to_carry.append(index)
        while to_include:
            index = to_include.pop()
            if index in part:
                continue
            part.add(index)
            shape = shapes[index]
            if shape.defines_class and index not in carrying:
                to_carry.append(index)
            for word in words_of(index):
                to_include += binders.get(word, ())
            if shape.dispatch:
                follower = index + 1
                while follower < len(units):
                    to_include.append(follower)
                    if not shapes[follower].plain:
                        break
                    follower += 1
            if shape.module_lambda and not lambdas_in:
                lambdas_in = True
                to_include += [i for i, s in enumerate(shapes) if s.module_lambda]
    return part


def scoped_units(
    tree: Optional[ast.AST],
    lines: Sequence[str],
    is_seed: Callable[[str], bool],
) -> Optional[Tuple[List[Unit], Set[int]]]:
    """The module's units and those taking part, or ``None`` for the whole module (no tree,
    or one that is not the text's)."""
    if not isinstance(tree, ast.Module) or not tree.body:
        return None
    last = tree.body[-1]
    if (last.end_lineno or last.lineno) > len(lines):
        return None
    units = units_of(tree, len(lines))
    # a unit's words are those of its statements: the comments before them say nothing
    texts = ["".join(lines[u.start - 1 : u.last]) for u in units]
    chosen = taking_part(units, texts, is_seed)
    return None if chosen is None else (units, chosen)

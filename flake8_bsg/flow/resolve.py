"""Static values of expressions: what a name or attribute stands for, without running code.

Resolution follows Python's scoping (a function sees its enclosing functions' bindings, not
its class's) and never guesses: anything it cannot pin down is ``None`` (unknown).
"""

from __future__ import annotations

import builtins
from typing import Callable, Dict, Iterator, List, Optional, Set, Tuple, Union, cast

import libcst as cst

from flake8_bsg import clients
from flake8_bsg.codes import FAMILIES, GROUPS, ErrorCode, ErrorMessage, codes_of_family
from flake8_bsg.facts.records import (
    AnnotatedValue,
    Binding,
    BindingKind,
    ClassInfo,
    Facts,
    FuncInfo,
    HandlerRec,
    ParamBinding,
    Scope,
    ScopeKind,
    WithRec,
    WithTarget,
)
from flake8_bsg.facts.walk import decorator_name, dotted_name
from flake8_bsg.flow.values import (
    Builtin,
    Client,
    CodeExpr,
    Const,
    ConstValue,
    Domain,
    ErrorObj,
    HttpModule,
    HttpSession,
    Instance,
    Json,
    JsonPart,
    LocalClass,
    LocalFunc,
    LocalInstance,
    Method,
    RaisesCtx,
    Response,
    ResponseOrigin,
    SelfRef,
    SuperOf,
    Sym,
    SymResult,
    Table,
    Value,
    integer_value,
    string_value,
)
from flake8_bsg.options import Config
from flake8_bsg.project.paths import OUTSIDE

_BUILTIN_NAMES = frozenset(dir(builtins))
_ASSERT_RAISES = ("assertRaises", "assertRaisesRegex")
#: The value of ``None`` (a reset or fallback that hides no value).
_NONE = Const(None)


class Resolver:
    """Resolves expressions of one file; memoised, cycle-safe."""

    def __init__(self, facts: Facts, config: Config, project: bool = False) -> None:
        self.facts = facts
        self.config = config
        #: Whether the file is analysed as part of a project: symbols of other modules then
        #: stand for project values the project index resolves (calls of them, instances of
        #: them, methods inherited from them), instead of being unknown.
        self.project = project
        self._names: Dict[Tuple[int, str, int], Value] = {}
        self._active: Set[Tuple[int, str, int]] = set()
        self._exprs: Dict[Tuple[int, int], Value] = {}
        self._parsed: Dict[int, Union[cst.BaseExpression, bool]] = {}
        self._match_of: Dict[int, cst.Match] = {}
        self._handler_errors: Dict[int, Tuple[Value, bool]] = {}
        #: Whether any BSG response (raw HTTP or a ``send`` result) was seen: response checks
        #: are looked for only then.
        self.saw_response = False
        for site in facts.matches:
            for case in site.node.cases:
                pattern = case.pattern
                if type(pattern) is cst.MatchAs:
                    self._match_of[id(pattern)] = site.node
        #: The error classes of the calls each handler guards (filled by the call analysis).
        self.guarded_by_handler: Dict[int, Set[str]] = {}
        #: In a project, for the linted file: the values other modules hold at module level that
        #: this file's analysis needs (an HTTP session), by dotted name.
        self.project_value: Optional[Callable[[str], Value]] = None

    # ---- names --------------------------------------------------------------------
    def lookup(self, name: str, scope: Scope, order: int) -> Value:
        key = (id(scope), name, order)
        if key in self._names:
            return self._names[key]
        if key in self._active:
            return None
        self._active.add(key)
        try:
            value = self._lookup(name, scope, order)
        finally:
            self._active.discard(key)
        self._names[key] = value
        return value

    def _lookup(self, name: str, scope: Scope, order: int) -> Value:
        use_scope = scope
        current: Optional[Scope] = scope
        if name in scope.globals:
            current = self.facts.module_scope
        while current is not None:
            if current.kind is ScopeKind.CLASS and current is not use_scope:
                current = current.parent
                continue
            bindings = current.bindings.get(name)
            if bindings:
                if current is use_scope:
                    before = [b for b in bindings if b.order < order]
                    if before:
                        preferred = self._bsg_import(before)
                        if preferred is not None:
                            return preferred
                        # the latest binding; a `= None` reset or fallback does not hide a value
                        for binding in reversed(before):
                            value = self.binding_value(binding)
                            if value != _NONE or binding is before[0]:
                                return value
                preferred = self._bsg_import(bindings)
                if preferred is not None:
                    return preferred
                return self.agree(
                    [self.binding_value(b) for b in bindings if b.kind is not BindingKind.DEL]
                )
            current = current.parent
        if name in ("True", "False", "None"):
            return Const({"True": True, "False": False, "None": None}[name])
        if name in _BUILTIN_NAMES:
            return Builtin(name)
        return None

    def _bsg_import(self, bindings: List[Binding]) -> Optional[Sym]:
        """A BSG import among several bindings of a name wins over the others: they are the
        fallbacks of an optional dependency (``except ImportError: APIError = Exception``)."""
        if len(bindings) < 2:
            return None
        for binding in bindings:
            value = binding.value
            if binding.kind is BindingKind.IMPORT and isinstance(value, str):
                if self._is_bsg_name(value):
                    return Sym(value)
        return None

    def _is_bsg_name(self, qualname: str) -> bool:
        if clients.canonical_api1(qualname) or clients.canonical_api2(qualname):
            return True
        config = self.config
        return (
            qualname in config.error_classes
            or qualname in config.wrapper_classes
            or qualname in config.wrapper_functions
            or qualname in config.factories
        )

    def _project_name(self, qualname: str) -> bool:
        """Whether a symbol may be a project's (not the standard library's, nor a package of
        section 2, nor a BSG name)."""
        return qualname.split(".", 1)[0] not in OUTSIDE and not self._is_bsg_name(qualname)

    @staticmethod
    def bindings_seen(name: str, scope: Scope) -> Optional[List[Binding]]:
        """The bindings of ``name`` in the scope a use in ``scope`` looks it up in (class
        scopes are skipped from inside their methods), or ``None`` when none binds it."""
        current: Optional[Scope] = scope
        while current is not None:
            if current.kind is ScopeKind.CLASS and current is not scope:
                current = current.parent
                continue
            bindings = current.bindings.get(name)
            if bindings:
                return bindings
            current = current.parent
        return None

    def def_targets(self, name: str, scope: Scope) -> List[FuncInfo]:
        """The functions a name may call when every binding of it is a ``def`` of this file."""
        bindings = self.bindings_seen(name, scope) or []
        defs = [b.value for b in bindings if isinstance(b.value, FuncInfo)]
        if all(b.kind is BindingKind.DEF for b in bindings) and len(defs) == len(bindings):
            return defs
        return []

    def alternatives(self, name: str, scope: Scope) -> List[Value]:
        """The values of every binding of a name that is bound only by ``def``, ``class`` and
        imports (an ``except ImportError:`` fallback): a call of it may call any of them."""
        bindings = self.bindings_seen(name, scope) or []
        kinds = (BindingKind.DEF, BindingKind.CLASS, BindingKind.IMPORT)
        if all(b.kind in kinds for b in bindings):
            return [self.binding_value(b) for b in bindings]
        return []

    def is_unbound(self, name: str, scope: Scope) -> bool:
        """Whether no scope the name is looked up in binds it (nor do the builtins)."""
        return self.bindings_seen(name, scope) is None and name not in _BUILTIN_NAMES

    @staticmethod
    def agree(values: List[Value]) -> Value:
        """The one value every binding agrees on (``None`` constants aside), else unknown."""
        distinct: List[Value] = []
        for value in values:
            if value == _NONE:
                continue
            if value not in distinct:
                distinct.append(value)
        return distinct[0] if len(distinct) == 1 else None

    def binding_value(self, binding: Binding) -> Value:
        kind, value, scope = binding.kind, binding.value, binding.scope
        if kind is BindingKind.IMPORT:
            assert isinstance(value, str)
            return self.imported(value)
        if kind is BindingKind.DEF:
            assert isinstance(value, FuncInfo)
            return LocalFunc(value)
        if kind is BindingKind.CLASS:
            assert isinstance(value, ClassInfo)
            return LocalClass(value)
        if kind is BindingKind.ASSIGN:
            # (`cast`, not an assertion: `isinstance` against LibCST's abstract base runs
            # Python code of the `abc` module, for every binding read)
            return self.resolve(cast(cst.BaseExpression, value), scope, binding.order)
        if kind is BindingKind.ANNASSIGN:
            assert isinstance(value, AnnotatedValue)
            expr = value.value
            resolved = self.resolve(expr, scope, binding.order) if expr is not None else None
            if resolved is None or resolved == _NONE:
                return self.instance_of_annotation(value.annotation, scope, binding.order)
            return resolved
        if kind is BindingKind.PARAM:
            assert isinstance(value, ParamBinding)
            return self.param_value(value.param, value.func)
        if kind is BindingKind.EXCEPT:
            assert isinstance(value, HandlerRec)
            return self.handler_error(value)
        if kind is BindingKind.WITH:
            assert isinstance(value, WithTarget)
            return self.with_target(value.rec, value.index)
        if kind is BindingKind.FOR:
            assert isinstance(value, cst.BaseExpression)
            return self.iteration(self.resolve(value, scope, binding.order))
        if kind is BindingKind.CAPTURE:
            assert isinstance(value, cst.MatchAs)
            match = self._match_of.get(id(value))
            if match is not None:
                return self.resolve(match.subject, scope, binding.order)
        return None

    @staticmethod
    def iteration(iterable: Value) -> Value:
        """The value of each item of an iterable value."""
        if isinstance(iterable, Json):
            if iterable.part is JsonPart.RESULT:
                return iterable
            if iterable.part is JsonPart.ERRORS:
                return Json(iterable.origin, JsonPart.ITEM)
        return None

    # ---- expressions --------------------------------------------------------------
    def resolve(self, node: Optional[cst.CSTNode], scope: Scope, order: int) -> Value:
        """The value of an expression; memoised, and unknown when it depends on itself."""
        if node is None:
            return None
        if type(node) is cst.Name:
            return self.lookup(node.value, scope, order)
        key = (id(node), order)
        memo = self._exprs
        if key in memo:
            return memo[key]
        memo[key] = None  # a value that depends on itself is unknown
        value = memo[key] = self._resolve(node, scope, order)
        return value

    def _resolve(self, node: cst.CSTNode, scope: Scope, order: int) -> Value:
        if type(node) is cst.Name:  # (not `isinstance`: see flow/coverage.py's node types)
            return self.lookup(node.value, scope, order)
        if isinstance(node, cst.Attribute):
            return self.attribute(self.resolve(node.value, scope, order), node.attr.value)
        if isinstance(node, cst.Call):
            return self.call_result(node, scope, order)
        if isinstance(node, cst.Integer):
            return Const(integer_value(node))
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
            text = string_value(node)
            return Const(text) if isinstance(text, str) else None
        if (
            isinstance(node, cst.UnaryOperation)
            and isinstance(node.operator, cst.Minus)
            and isinstance(node.expression, cst.Integer)
        ):
            return Const(-integer_value(node.expression))
        if isinstance(node, (cst.Tuple, cst.List, cst.Set)):
            items: List[ConstValue] = []
            for element in node.elements:
                if isinstance(element, cst.StarredElement):
                    inner = self.resolve(element.value, scope, order)
                    if isinstance(inner, Const) and isinstance(inner.value, tuple):
                        items.extend(inner.value)
                        continue
                    return None
                value = self.resolve(element.value, scope, order)
                if not isinstance(value, Const) or isinstance(value.value, tuple):
                    return None
                items.append(value.value)
            return Const(tuple(items))
        if isinstance(node, cst.Dict):
            return Table(node)
        if isinstance(node, cst.Await):
            return self.resolve(node.expression, scope, order)
        if isinstance(node, cst.IfExp):
            # `json.loads(e.body) if e.body else {}`: the branch that holds something BSG
            for branch in (node.body, node.orelse):
                value = self.resolve(branch, scope, order)
                if isinstance(value, (CodeExpr, Json, ErrorObj, Instance, Response)):
                    return value
            return None
        if isinstance(node, cst.BooleanOperation) and isinstance(node.operator, cst.Or):
            left = self.resolve(node.left, scope, order)  # `e.body or "{}"`
            return left if isinstance(left, (CodeExpr, Json, ErrorObj, Instance)) else None
        if isinstance(node, cst.Subscript):
            if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
                return None
            return self.item(
                self.resolve(node.value, scope, order), node.slice[0].slice.value, scope, order
            )
        if isinstance(node, cst.FormattedString):
            parts: List[str] = []
            for part in node.parts:
                if isinstance(part, cst.FormattedStringText):
                    parts.append(part.value)
                elif isinstance(part, cst.FormattedStringExpression):
                    inner = self.resolve(part.expression, scope, order)
                    parts.append(
                        inner.value
                        if isinstance(inner, Const) and isinstance(inner.value, str)
                        else "{?}"
                    )
            return Const("".join(parts))
        if isinstance(node, cst.BinaryOperation) and isinstance(
            node.operator, (cst.Add, cst.BitOr, cst.Subtract)
        ):
            left = self.resolve(node.left, scope, order)
            right = self.resolve(node.right, scope, order)
            if isinstance(left, Const) and isinstance(right, Const):
                ints = [v for v in (left.value, right.value) if type(v) is int]
                if len(ints) == 2 and not isinstance(node.operator, cst.BitOr):
                    # `LAST_SMS_CODE + 1`
                    if isinstance(node.operator, cst.Add):
                        return Const(ints[0] + ints[1])
                    return Const(ints[0] - ints[1])
                if isinstance(left.value, tuple) and isinstance(right.value, tuple):
                    return Const(left.value + right.value)
                if (
                    isinstance(left.value, str)
                    and isinstance(right.value, str)
                    and isinstance(node.operator, cst.Add)
                ):
                    return Const(left.value + right.value)
            return None
        return None

    def attribute(self, owner: Value, attr: str) -> Value:
        if owner is None:
            return None
        if isinstance(owner, Sym):
            return self.symbol_attribute(owner.qualname, attr)
        if isinstance(owner, (Instance, SymResult, SuperOf)):
            return Method(owner, attr)
        if isinstance(owner, SelfRef):
            return self.self_attribute(owner.cls, attr)
        if isinstance(owner, ErrorObj):
            if owner.kind.startswith(clients.API2_PACKAGE + "."):
                if attr == "status":
                    return CodeExpr(Domain.STATUS, owner.origin)
                if attr == "body":
                    return CodeExpr(Domain.BODY, owner.origin)
                return None
            if attr == "code":
                return CodeExpr(Domain.API1, owner.origin)
            return None
        if isinstance(owner, (Response, HttpSession, HttpModule, Json)):
            return Method(owner, attr)
        if (
            isinstance(owner, CodeExpr)
            and owner.domain.holds_messages
            and attr in clients.MESSAGE_NORMALISERS
        ):
            return Method(owner, attr)
        if isinstance(owner, RaisesCtx):
            return ErrorObj(owner.kind, owner.origin) if attr == owner.attr else None
        if isinstance(owner, LocalClass):
            return self.class_attribute(owner.info, attr)
        if isinstance(owner, LocalInstance):
            # `services.senders.senders()`: only the clients it holds (its own methods are not
            # followed from outside the class)
            held = self.self_attribute(owner.info, attr)
            if isinstance(held, (Instance, HttpSession)):
                return held
            # across the project its methods are project functions
            return Method(owner, attr) if self.project else None
        return None

    def imported(self, dotted: str) -> Value:
        """What an imported name is: a value another module of the project holds (a module-level
        HTTP session), or the symbol."""
        if self.project_value is not None and self._project_name(dotted):
            held = self.project_value(dotted)
            if held is not None:
                return held
        return Sym(dotted)

    def symbol_attribute(self, qualname: str, attr: str) -> Value:
        if self.project_value is not None and self._project_name(qualname):
            held = self.project_value(f"{qualname}.{attr}")
            if held is not None:
                return held
        last = qualname.rsplit(".", 1)[-1]
        if last == "ErrorCode" and attr in ErrorCode.__members__:
            return Const(int(ErrorCode[attr]))
        if last == "ErrorMessage" and attr in ErrorMessage.__members__:
            return Const(ErrorMessage[attr].value)
        if qualname in ("http.HTTPStatus",):
            import http

            member = http.HTTPStatus.__members__.get(attr)
            return Const(int(member)) if member is not None else None
        return Sym(qualname + "." + attr)

    def class_attribute(self, info: ClassInfo, attr: str) -> Value:
        bindings = info.inner.bindings.get(attr)
        if bindings:
            value = self.agree(
                [self.binding_value(b) for b in bindings if b.kind is not BindingKind.DEL]
            )
            return value
        return None

    def self_attribute(self, info: ClassInfo, attr: str) -> Value:
        seen: Set[int] = set()
        walked: List[ClassInfo] = []
        todo = [info]
        while todo:
            cls = todo.pop(0)
            if id(cls) in seen:
                continue
            seen.add(id(cls))
            walked.append(cls)
            method = cls.methods.get(attr)
            if method is not None:
                if any(
                    decorator_name(d) in ("property", "cached_property") for d in method.decorators
                ):
                    return self.function_result(method)
                return Method(SelfRef(cls), attr)
            if attr in cls.self_attrs:
                return self.agree([self.binding_value(b) for b in cls.self_attrs[attr]])
            if attr in cls.inner.bindings:
                return self.class_attribute(cls, attr)
            for base in self.class_bases(cls):
                if isinstance(base, LocalClass):
                    todo.append(base.info)
                else:
                    client = self.client_of_class(base)
                    if client is not None:
                        return Method(Instance(client), attr)
        if self.project and any(isinstance(b, Sym) for c in walked for b in self.class_bases(c)):
            # a method inherited from a class of another module: the project index knows it
            return Method(SelfRef(info), attr)
        return None

    def class_bases(self, info: ClassInfo) -> List[Value]:
        return [self.resolve(arg.value, info.outer, 0) for arg in info.node.bases]

    def _is_ancestor(self, candidate: ClassInfo, cls: ClassInfo) -> bool:
        """Whether ``candidate`` is ``cls`` or one of its bases of this file."""
        seen: Set[int] = set()
        todo = [cls]
        while todo:
            current = todo.pop()
            if current is candidate:
                return True
            if id(current) in seen:
                continue
            seen.add(id(current))
            todo += [b.info for b in self.class_bases(current) if isinstance(b, LocalClass)]
        return False

    def call_result(self, node: cst.Call, scope: Scope, order: int) -> Value:
        func = self.resolve(node.func, scope, order)
        if func is None:
            return None
        if isinstance(func, Method):
            return self.method_result(func, node, scope, order)
        client = self.client_of_class(func)
        if client is not None:
            return Instance(client)
        if isinstance(func, LocalClass):
            return LocalInstance(func.info)
        if isinstance(func, Builtin):
            if func.name == "getattr" and len(node.args) >= 2:
                name = self.resolve(node.args[1].value, scope, order)
                if isinstance(name, Const) and isinstance(name.value, str):
                    return self.attribute(
                        self.resolve(node.args[0].value, scope, order), name.value
                    )
            if func.name in ("tuple", "frozenset", "set", "list") and len(node.args) == 1:
                inner = self.resolve(node.args[0].value, scope, order)
                return (
                    inner if isinstance(inner, Const) and isinstance(inner.value, tuple) else None
                )
            if func.name == "super" and (not node.args or len(node.args) == 2):
                # `super()` or `super(Cls, self)` in a method of a client subclass `Cls`
                method = self.facts.func_of_scope.get(id(scope))
                named = self.resolve(node.args[0].value, scope, order) if node.args else None
                if (
                    isinstance(named, LocalClass)
                    and method is not None
                    and method.cls is not None
                    and not self._is_ancestor(named.info, method.cls)
                ):
                    return None  # not in the class's hierarchy: a TypeError at run time
                if method is not None and method.cls is not None:
                    for base in self.class_bases(method.cls):
                        base_client = self.client_of_class(base)
                        if base_client is not None:
                            return Instance(base_client)
                    if self.project and not node.args:
                        return SuperOf(method.cls)
            return None
        if isinstance(func, LocalFunc):
            return self.function_result(func.info)
        if isinstance(func, Sym):
            if func.qualname in clients.HTTP_SESSIONS:
                return HttpSession(self.keyword_str(node, "base_url", scope, order))
            if func.qualname in ("json.loads",) and node.args:
                inner = self.resolve(node.args[0].value, scope, order)
                if isinstance(inner, CodeExpr) and inner.domain is Domain.BODY:
                    return Json(inner.origin, JsonPart.BODY)
                return None
            module, _, verb = func.qualname.rpartition(".")
            if module in clients.HTTP_MODULES and verb in clients.HTTP_METHODS:
                return self.http_response(HttpSession(None), verb, node, scope, order)
            factory = self.config.factories.get(func.qualname)
            if factory is not None:
                made = self.client_of_name(factory)  # the options name only client classes
                return Instance(made) if made is not None else None
            if func.qualname.rsplit(".", 1)[-1] == "raises" and func.qualname.startswith("pytest"):
                return None
            if self.project and self._project_name(func.qualname):
                return SymResult(func.qualname)
        return None

    def keyword_str(self, node: cst.Call, keyword: str, scope: Scope, order: int) -> Optional[str]:
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value == keyword:
                value = self.resolve(arg.value, scope, order)
                return (
                    value.value
                    if isinstance(value, Const) and isinstance(value.value, str)
                    else None
                )
        return None

    def method_result(self, method: Method, node: cst.Call, scope: Scope, order: int) -> Value:
        owner = method.owner
        if isinstance(owner, CodeExpr):
            # `message.lower() == "tariff not found"`: messages compare case-insensitively
            return owner
        if isinstance(owner, HttpSession) and method.name in clients.HTTP_METHODS:
            return self.http_response(owner, method.name, node, scope, order)
        if isinstance(owner, Response) and method.name == "json":
            return Json(owner.origin, JsonPart.BODY)
        if isinstance(owner, Json) and method.name == "get" and node.args:
            return self.item(owner, node.args[0].value, scope, order)
        if (
            isinstance(owner, Instance)
            and owner.client.api1 is not None
            and owner.client.local is None
            and method.name == "send"
        ):
            spec = clients.API1_CLASSES[owner.client.api1].methods.get("send")
            if spec is not None and spec.families:
                codes = frozenset(int(c) for f in spec.families for c in codes_of_family(f))
                self.saw_response = True
                return Json(
                    ResponseOrigin(codes, None, f"{owner.client.api1}.send()", id(node)),
                    JsonPart.BODY,
                )
        return None

    def http_response(
        self, session: HttpSession, verb: str, node: cst.Call, scope: Scope, order: int
    ) -> Value:
        """The response of a request to a BSG host, or ``None``."""
        url_arg = None
        positional = [a for a in node.args if a.keyword is None and not a.star]
        index = 1 if verb == "request" else 0
        if len(positional) > index:
            url_arg = positional[index].value
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value == "url":
                url_arg = arg.value
        if url_arg is None:
            return None
        value = self.resolve(url_arg, scope, order)
        if not isinstance(value, Const) or not isinstance(value.value, str):
            # `SMS_URL + "reference/" + reference`: the host and path come first
            prefix = url_arg
            while isinstance(prefix, cst.BinaryOperation) and isinstance(prefix.operator, cst.Add):
                prefix = prefix.left
            value = self.resolve(prefix, scope, order) if prefix is not url_arg else None
            if not isinstance(value, Const) or not isinstance(value.value, str):
                return None
        url = value.value
        if "://" not in url and session.base:
            url = session.base.rstrip("/") + "/" + url.lstrip("/")
        origin = response_origin(url, id(node))
        if origin is None:
            return None
        self.saw_response = True
        return Response(origin)

    def item(self, owner: Value, key_node: cst.BaseExpression, scope: Scope, order: int) -> Value:
        """``owner[key]`` (or ``owner.get(key)``) for parsed BSG bodies."""
        if not isinstance(owner, Json):
            return None
        key = self.resolve(key_node, scope, order)
        key_value = key.value if isinstance(key, Const) else None
        origin = owner.origin
        api1 = isinstance(origin, ResponseOrigin) and origin.codes is not None
        if owner.part is JsonPart.ERRORS:
            return Json(origin, JsonPart.ITEM)
        if key_value == "error" and api1 and owner.part in (JsonPart.BODY, JsonPart.RESULT):
            return CodeExpr(Domain.RESPONSE_ERROR, origin)
        if key_value == "message" and not api1 and owner.part in (JsonPart.BODY, JsonPart.ITEM):
            return CodeExpr(Domain.MESSAGE, origin)
        if owner.part is JsonPart.BODY and key_value == "result" and api1:
            return Json(origin, JsonPart.RESULT)
        if owner.part is JsonPart.BODY and key_value == "errors" and not api1:
            return Json(origin, JsonPart.ERRORS)
        if owner.part is JsonPart.RESULT and key_value != "error":
            return Json(origin, JsonPart.RESULT)  # one recipient's entry
        return None

    def function_result(self, info: FuncInfo) -> Value:
        node = info.node
        if isinstance(node, cst.FunctionDef) and node.returns is not None:
            value = self.instance_of_annotation(node.returns.annotation, info.outer, 0)
            if value is not None:
                return value
        if info.is_lambda:
            return self.resolve(node.body, info.inner, 1 << 60)
        values = [self.resolve(expr, info.inner, order) for expr, order in info.returns]
        value = self.agree(values)
        if self.project and isinstance(value, (SymResult, LocalInstance)):
            return value
        return value if isinstance(value, Instance) else None

    # ---- clients ------------------------------------------------------------------
    def client_of_name(self, dotted: str) -> Optional[Client]:
        canonical2 = clients.canonical_api2(dotted)
        if canonical2 is not None:
            name = canonical2.rsplit(".", 1)[1]
            if name.endswith("Api"):
                return Client(api2=name)
            return None
        canonical = clients.canonical_api1(dotted)
        if canonical is not None:
            name = canonical.rsplit(".", 1)[1]
            cls = clients.API1_CLASSES.get(name)
            if cls is not None and (cls.client or cls.methods):
                return Client(api1=name)
            return None
        if dotted in self.config.wrapper_classes:
            return Client(wrapper=dotted)
        return None

    def client_of_class(self, value: Value) -> Optional[Client]:
        """The client a class value makes instances of, if it is a BSG client class."""
        if isinstance(value, Sym):
            return self.client_of_name(value.qualname)
        if isinstance(value, LocalClass):
            for base in self.class_bases(value.info):
                if isinstance(base, LocalClass) and base.info is value.info:
                    continue
                inner = (
                    self.client_of_class(base)
                    if not isinstance(base, LocalClass)
                    else self._local_client(base.info, {id(value.info)})
                )
                if inner is not None:
                    return Client(
                        api1=inner.api1, wrapper=inner.wrapper, local=value.info, api2=inner.api2
                    )
        return None

    def _local_client(self, info: ClassInfo, seen: Set[int]) -> Optional[Client]:
        if id(info) in seen:
            return None
        seen.add(id(info))
        for base in self.class_bases(info):
            if isinstance(base, LocalClass):
                found = self._local_client(base.info, seen)
            else:
                found = self.client_of_class(base)
            if found is not None:
                return Client(api1=found.api1, wrapper=found.wrapper, local=info, api2=found.api2)
        return None

    def instance_of_annotation(
        self, annotation: cst.BaseExpression, scope: Scope, order: int
    ) -> Value:
        """The value a parameter or function annotated with ``annotation`` holds."""
        for expr, expr_scope in self._annotation_parts(annotation, scope, order):
            value = self.resolve(expr, expr_scope, order)
            client = self.client_of_class(value)
            if client is not None:
                return Instance(client)
            kind = self.error_kind(value)
            if kind is not None:
                return ErrorObj(kind, None)
            if isinstance(value, Sym) and value.qualname in clients.HTTP_SESSIONS:
                return HttpSession(None)
            if isinstance(value, LocalClass):
                return LocalInstance(value.info)
            if self.project and isinstance(value, Sym) and self._project_name(value.qualname):
                return SymResult(value.qualname)
        return None

    def _annotation_parts(
        self, annotation: cst.BaseExpression, scope: Scope, order: int
    ) -> Iterator[Tuple[cst.BaseExpression, Scope]]:
        todo = [annotation]
        seen: Set[int] = set()
        while todo:
            expr = todo.pop(0)
            if isinstance(expr, cst.SimpleString):
                parsed = self._parsed.get(id(expr))
                if parsed is None:
                    try:
                        text = expr.evaluated_value
                        parsed = cst.parse_expression(text) if isinstance(text, str) else False
                    except Exception:
                        parsed = False
                    # kept alive with the string: memos are keyed by node identity
                    self._parsed[id(expr)] = parsed
                if isinstance(parsed, cst.BaseExpression):
                    todo.append(parsed)
                continue
            if isinstance(expr, cst.Subscript):
                base = dotted_name(expr.value) or ""
                if base.rsplit(".", 1)[-1] in ("Optional", "Union", "Annotated"):
                    for element in expr.slice:
                        if isinstance(element.slice, cst.Index):
                            todo.append(element.slice.value)
                        if base.endswith("Annotated"):
                            break
                continue
            if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.BitOr):
                todo += [expr.left, expr.right]
                continue
            alias = self._type_alias(expr, scope) if isinstance(expr, cst.Name) else None
            if alias is not None and len(seen) < 20 and id(alias) not in seen:
                # `ContactDep = Annotated[ContactApi, Depends(...)]`, then `api: ContactDep`
                seen.add(id(alias))
                todo.append(alias)
                continue
            yield expr, scope

    def _type_alias(self, name: cst.Name, scope: Scope) -> Optional[cst.BaseExpression]:
        """The annotation a name is the only binding of, when it is a compound annotation
        (``X = Annotated[...]``, ``X: TypeAlias = A | None``)."""
        current: Optional[Scope] = scope
        while current is not None:
            bindings = current.bindings.get(name.value)
            if bindings:
                if len(bindings) != 1:
                    return None
                value = bindings[0].value
                if isinstance(value, AnnotatedValue):
                    value = value.value
                if isinstance(value, (cst.Subscript, cst.BinaryOperation)):
                    return value
                return None
            current = current.parent
        return None

    def param_value(self, param: cst.Param, func: FuncInfo) -> Value:
        if param.annotation is not None:
            value = self.instance_of_annotation(param.annotation.annotation, func.outer, 0)
            if value is not None:
                return value
        if func.self_name == param.name.value and func.cls is not None:
            return SelfRef(func.cls)
        fixture = self.fixture_named(param.name.value, func) if self.takes_fixtures(func) else None
        if fixture is not None:
            return self.function_result_any(fixture)
        return None

    def takes_fixtures(self, func: FuncInfo) -> bool:
        """Tests and fixtures receive fixtures through their parameters."""
        return func.name.startswith("test") or self.is_fixture(func)

    def function_result_any(self, info: FuncInfo) -> Value:
        values = [self.resolve(expr, info.inner, order) for expr, order in info.returns]
        return self.agree(values)

    def fixture_named(self, name: str, user: FuncInfo) -> Optional[FuncInfo]:
        bindings = self.facts.module_scope.bindings.get(name, [])
        for binding in bindings:
            if (
                binding.kind is BindingKind.DEF
                and isinstance(binding.value, FuncInfo)
                and binding.value is not user
                and self.is_fixture(binding.value)
            ):
                return binding.value
        # fixtures defined as methods of a test class
        if user.cls is not None:
            method = user.cls.methods.get(name)
            if method is not None and method is not user and self.is_fixture(method):
                return method
        return None

    def is_fixture(self, info: FuncInfo) -> bool:
        for decorator in info.decorators:
            expr = decorator.decorator
            if isinstance(expr, cst.Call):
                expr = expr.func
            value = self.resolve(expr, info.outer, 0)
            if isinstance(value, Sym) and value.qualname in (
                "pytest.fixture",
                "pytest_asyncio.fixture",
            ):
                return True
        return False

    # ---- errors -------------------------------------------------------------------
    def error_kind(self, value: Value) -> Optional[str]:
        """The canonical BSG error class a class value is, or ``None``."""
        if isinstance(value, Sym):
            canonical = clients.canonical_api1(value.qualname)
            if canonical == clients.API1_ERROR:
                return canonical
            canonical = clients.canonical_api2(value.qualname)
            if canonical is not None and not canonical.endswith("Api"):
                return canonical
            if value.qualname in self.config.error_classes:
                return value.qualname
        return None

    def clause_classes(
        self, expr: Optional[cst.BaseExpression], scope: Scope, order: int
    ) -> Optional[List[Value]]:
        """The classes an except clause names (flattened), or ``None`` when unknown."""
        if expr is None:
            return [Builtin("BaseException")]
        out: List[Value] = []
        todo = [expr]
        unknown = False
        while todo:
            item = todo.pop(0)
            if type(item) is cst.Tuple or type(item) is cst.List:
                todo.extend(e.value for e in item.elements)
                continue
            if type(item) is cst.StarredElement:
                unknown = True
                continue
            value = self.resolve(item, scope, order)
            if isinstance(value, Const) and isinstance(value.value, tuple):
                unknown = True  # a tuple of non-constants is not a Const; keep it unknown
                continue
            if value is None and isinstance(item, cst.Name):
                # a name bound to a tuple of classes
                bindings = self._tuple_binding(item, scope, order)
                if bindings is not None:
                    todo.extend(bindings)
                    continue
            if value is None or isinstance(value, SymResult):
                unknown = True  # (what a project function returns is not known here)
                continue
            out.append(value)
        if unknown:
            out.append(None)
        return out

    def _tuple_binding(
        self, name: cst.Name, scope: Scope, order: int
    ) -> Optional[List[cst.BaseExpression]]:
        current: Optional[Scope] = scope
        while current is not None:
            bindings = current.bindings.get(name.value)
            if bindings:
                values = [b.value for b in bindings if b.kind is BindingKind.ASSIGN]
                if (
                    len(values) == 1
                    and len(bindings) == 1
                    and isinstance(values[0], (cst.Tuple, cst.List))
                ):
                    return [e.value for e in values[0].elements]
                return None
            current = current.parent
        return None

    def catches(self, classes: List[Value], kind: str, subclasses: bool = False) -> Optional[bool]:
        """Whether a clause naming ``classes`` catches ``kind``: True, False or None (unknown).

        ``subclasses``: naming an API 2.0 subclass counts (``pytest.raises(NotFoundException)``).
        """
        maybe = False
        for value in classes:
            if value is None:
                maybe = True
            elif isinstance(value, Builtin):
                if value.name in clients.BROAD_EXCEPTIONS:
                    return True
            else:
                named = self.error_kind(value)
                if named == kind:
                    return True
                if (
                    kind == clients.API2_ERROR
                    and named is not None
                    and named.startswith(clients.API2_PACKAGE + ".")
                ):
                    short = named.rsplit(".", 1)[1]
                    if short == clients.API2_BASE_ERROR or (
                        subclasses and short in clients.API2_SUBCLASSES
                    ):
                        return True
        return None if maybe else False

    def handler_error(self, handler: HandlerRec) -> Value:
        """The error an ``except`` clause binds: of the BSG class it names, or (a broad clause)
        of the first class of the calls it guards."""
        if type(handler.node) is cst.ExceptStarHandler:
            return None  # ``except* X as group`` binds an ExceptionGroup, not the error
        # what the clause names is read once; what a broad clause guards is known only after
        # the call analysis, and is asked each time
        named = self._handler_errors.get(id(handler))
        if named is None:
            named = self._handler_errors[id(handler)] = self._clause_error(handler)
        value, broad = named
        if broad:
            kinds = self.guarded_by_handler.get(id(handler))
            if kinds:
                return ErrorObj(sorted(kinds)[0], handler)
        return value

    def _clause_error(self, handler: HandlerRec) -> Tuple[Value, bool]:
        """The error of the BSG class an ``except`` clause names, and whether it is broad."""
        classes = self.clause_classes(handler.type, handler.scope, handler.order)
        if classes is None:
            return None, False
        for value in classes:
            kind = self.error_kind(value)
            if kind is not None:
                return ErrorObj(kind, handler), False
        broad = any(isinstance(v, Builtin) and v.name in clients.BROAD_EXCEPTIONS for v in classes)
        return None, broad

    def with_target(self, rec: WithRec, index: int) -> Value:
        item = rec.node.items[index].item
        if not isinstance(item, cst.Call):
            return None
        entered = self.resolve(item, rec.scope, rec.order)
        if isinstance(entered, (HttpSession, Response)):
            return entered
        func = self.resolve(item.func, rec.scope, rec.order)
        kind = self.raises_kind(item, rec.scope, rec.order)
        if kind is None:
            return None
        if isinstance(func, Sym) and func.qualname == "pytest.raises":
            return RaisesCtx(kind, "value", rec)
        if isinstance(item.func, cst.Attribute) and item.func.attr.value in _ASSERT_RAISES:
            return RaisesCtx(kind, "exception", rec)
        return None

    def raises_kind(self, call: cst.Call, scope: Scope, order: int) -> Optional[str]:
        """The BSG error class a ``pytest.raises``/``assertRaises`` call expects, if any."""
        if not call.args:
            return None
        classes = self.clause_classes(call.args[0].value, scope, order) or []
        for value in classes:
            kind = self.error_kind(value)
            if kind is not None:
                return kind
        return None

    def is_event_loop(self, expr: cst.BaseExpression, scope: Scope, order: int) -> bool:
        """Whether an expression is an asyncio event loop: ``asyncio.get_running_loop()``
        (or ``get_event_loop``, ``new_event_loop``), a name bound to one, or a parameter
        annotated ``asyncio.AbstractEventLoop``."""
        if isinstance(expr, cst.Call):
            made = self.resolve(expr.func, scope, order)
            return isinstance(made, Sym) and made.qualname in clients.EVENT_LOOPS
        if not isinstance(expr, cst.Name):
            return False
        current: Optional[Scope] = scope
        while current is not None:
            bindings = current.bindings.get(expr.value)
            if bindings:
                for binding in bindings:
                    value = binding.value
                    if binding.kind is BindingKind.ASSIGN and isinstance(value, cst.Call):
                        if self.is_event_loop(value, binding.scope, binding.order):
                            return True
                    if binding.kind is BindingKind.PARAM and isinstance(value, ParamBinding):
                        annotation = value.param.annotation
                        if annotation is not None:
                            kind = self.resolve(annotation.annotation, value.func.outer, 0)
                            if isinstance(kind, Sym) and kind.qualname in clients.LOOP_CLASSES:
                                return True
                return False
            current = current.parent
        return False

    def guard_kind(self, rec: WithRec) -> List[Tuple[str, cst.Call, List[Value]]]:
        """What each item of a ``with`` is: (``raises``|``suppress``, call node, classes)."""
        out: List[Tuple[str, cst.Call, List[Value]]] = []
        for item in rec.node.items:
            call = item.item
            if not isinstance(call, cst.Call):
                continue
            func = self.resolve(call.func, rec.scope, rec.order)
            name = None
            if isinstance(func, Sym):
                if func.qualname == "pytest.raises":
                    name = "raises"
                elif func.qualname == "contextlib.suppress":
                    name = "suppress"
            elif isinstance(call.func, cst.Attribute) and call.func.attr.value in _ASSERT_RAISES:
                name = "raises"
            if name is None:
                continue
            args = [a.value for a in call.args if a.keyword is None]
            if name == "raises":
                args = args[:1]
            classes: List[Value] = []
            for arg in args:
                classes += self.clause_classes(arg, rec.scope, rec.order) or [None]
            out.append((name, call, classes))
        return out


def response_origin(url: str, node_id: int) -> Optional[ResponseOrigin]:
    """What a request to ``url`` can return, when it goes to a BSG host."""
    rest = url.split("://", 1)[-1]
    host = rest.split("/", 1)[0].split(":", 1)[0].lower()
    if host == clients.API2_HOST:
        return ResponseOrigin(None, tuple(GROUPS), "one-api.bsg.world", node_id)
    if host != clients.API1_HOST:
        return None
    path = rest.split("/", 1)[1] if "/" in rest else ""
    segments = [p for p in path.split("/") if p]
    families: Tuple[str, ...] = tuple(f for f in FAMILIES if f != "common")
    if "rest" in segments:
        index = segments.index("rest")
        if index + 1 < len(segments) and segments[index + 1] in clients.REST_SEGMENTS:
            families = clients.REST_SEGMENTS[segments[index + 1]]
    codes = frozenset(int(c) for f in ("common",) + families for c in codes_of_family(f))
    return ResponseOrigin(codes, None, "api.bsg.world", node_id)

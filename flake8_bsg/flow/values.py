"""The abstract values the resolver gives expressions: what a name or attribute stands for.

Values are immutable and compared by value; anything the analysis cannot pin down is ``None``.
"""

from __future__ import annotations

import ast
import enum
from dataclasses import dataclass
from functools import lru_cache
from typing import FrozenSet, Optional, Tuple, TypeAlias, Union

import libcst as cst

from flake8_bsg.facts.records import ClassInfo, FuncInfo, HandlerRec, WithRec


def integer_value(node: cst.Integer) -> int:
    """The value of an integer literal (what LibCST's ``evaluated_value`` gives, without its
    ``literal_eval``: ``int`` reads every spelling of a Python integer with base 0)."""
    return _integer(node.value)


@lru_cache(maxsize=1024)
def _integer(text: str) -> int:
    return int(text, 0)


def string_value(node: Union[cst.SimpleString, cst.ConcatenatedString]) -> object:
    """A string literal's ``evaluated_value`` (``str`` or ``bytes``), or ``None`` when it has
    none; the same spelling is evaluated once."""
    if isinstance(node, cst.SimpleString):
        return _string(node.value)
    try:
        return node.evaluated_value
    except Exception:
        return None


@lru_cache(maxsize=1024)
def _string(text: str) -> object:
    try:
        value: object = ast.literal_eval(text)  # what ``SimpleString.evaluated_value`` does
    except Exception:
        return None
    return value


class Domain(enum.Enum):
    """What a code expression holds, and so which values it can be compared with."""

    API1 = "api1"  # APIError.code: documented codes and HTTP statuses 400-599
    STATUS = "status"  # ApiException.status: 0 and HTTP statuses 100-599
    RESPONSE_ERROR = "resp_error"  # a response's "error": documented codes only
    MESSAGE = "message"  # an API 2.0 message: documented messages and aliases
    BODY = "body"  # an API 2.0 error body (substring tests on it test the message)

    @property
    def holds_messages(self) -> bool:
        return self in (Domain.MESSAGE, Domain.BODY)


class JsonPart(enum.Enum):
    """Which part of a parsed BSG body a :class:`Json` value is."""

    BODY = "body"  # a response or error body
    RESULT = "result"  # per recipient results
    ERRORS = "errors"  # an API 2.0 error list
    ITEM = "item"  # one item of that list


@dataclass(frozen=True)
class Sym:
    """An imported module or symbol, by qualified name (``bsg_restapi.SMSAPI``)."""

    qualname: str


@dataclass(frozen=True)
class SymResult:
    """What calling a symbol of another module gives (an instance of a project class, or what a
    project factory returns); also a parameter annotated with it. Known only across the
    project: within the file it is opaque."""

    qualname: str


@dataclass(frozen=True)
class SuperOf:
    """``super()`` in a method of a class of this file that is not a client subclass."""

    cls: ClassInfo


@dataclass(frozen=True)
class Builtin:
    name: str


@dataclass(frozen=True)
class LocalFunc:
    info: FuncInfo


@dataclass(frozen=True)
class LocalClass:
    info: ClassInfo


@dataclass(frozen=True)
class LocalInstance:
    """An instance of a class of this file that is not a client (``Services(...)``): its
    attributes that hold clients are clients."""

    info: ClassInfo


@dataclass(frozen=True)
class Client:
    """A kind of BSG client: an API 1.0 class, a declared wrapper class, or a local subclass."""

    api1: Optional[str] = None  # API 1.0 class name (SMSAPI, ...)
    wrapper: Optional[str] = None  # dotted name of a declared wrapper class
    local: Optional[ClassInfo] = None  # a class of this file that subclasses one of the above
    api2: Optional[str] = None  # API 2.0 class name (CampaignSMSApi, ...)

    @property
    def display(self) -> str:
        if self.local is not None:
            return self.local.name
        if self.api1 is not None:
            return self.api1
        if self.api2 is not None:
            return self.api2
        return (self.wrapper or "").rsplit(".", 1)[-1]


@dataclass(frozen=True)
class Instance:
    client: Client


@dataclass(frozen=True)
class SelfRef:
    """``self``/``cls`` inside a method of a class of this file."""

    cls: ClassInfo


@dataclass(frozen=True)
class Method:
    """A bound method: ``instance.attr``."""

    owner: MethodOwner
    name: str


@dataclass(frozen=True)
class ErrorObj:
    """A caught BSG error. ``origin``: the handler / raises block that bound it, if any."""

    kind: str  # error class canonical name
    origin: ErrorOrigin = None


@dataclass(frozen=True)
class RaisesCtx:
    """``pytest.raises(...) as info`` (attr ``value``) / ``assertRaises(...) as cm``
    (``exception``)."""

    kind: str
    attr: str
    origin: Optional[WithRec] = None


@dataclass(frozen=True)
class CodeExpr:
    """An expression holding a BSG code, status or message; ``origin``: the handler, ``raises``
    block or response it comes from (``None``: a parameter annotated with an error class)."""

    domain: Domain
    origin: CodeOrigin = None


@dataclass(frozen=True)
class ResponseOrigin:
    """Where a parsed BSG response comes from: its possible ``"error"`` codes or messages.

    ``codes``: documented API 1.0 codes (``None``: not an API 1.0 response); ``groups``: API 2.0
    message groups (``None``: not an API 2.0 response); ``call``: what made it, for messages.
    """

    codes: Optional[FrozenSet[int]]
    groups: Optional[Tuple[str, ...]]
    call: str
    node_id: int


@dataclass(frozen=True)
class Response:
    """An HTTP response object (``r`` of ``r = requests.post(...)``)."""

    origin: ResponseOrigin


@dataclass(frozen=True)
class HttpSession:
    """A ``requests.Session``/``httpx.Client``/``aiohttp.ClientSession``; ``base``: its base URL."""

    base: Optional[str]


@dataclass(frozen=True)
class HttpModule:
    name: str


@dataclass(frozen=True)
class Json:
    """Parsed JSON: ``part`` is ``body`` (a response or error body), ``result`` (per recipient),
    ``errors`` (an API 2.0 error list) or ``item`` (one of its items)."""

    origin: JsonOrigin
    part: JsonPart


@dataclass(frozen=True)
class Const:
    """A constant: an int, a str, ``None``/bool, or a tuple of constants (a collection)."""

    value: ConstValue


@dataclass(frozen=True)
class Table:
    """A dict literal used as a dispatch table."""

    node: cst.Dict


ConstValue: TypeAlias = Union[int, str, bool, None, tuple["ConstValue", ...]]
ErrorOrigin: TypeAlias = Union[HandlerRec, WithRec, None]
CodeOrigin: TypeAlias = Union[HandlerRec, WithRec, ResponseOrigin, None]
JsonOrigin: TypeAlias = Union[HandlerRec, WithRec, ResponseOrigin, None]
MethodOwner: TypeAlias = Union[
    "CodeExpr",
    "Instance",
    "SelfRef",
    "Response",
    "HttpSession",
    "HttpModule",
    "Json",
    "SymResult",
    "SuperOf",
    "LocalInstance",
]

#: Every value an expression can resolve to; ``None`` is unknown.
Value: TypeAlias = Union[
    Sym,
    SymResult,
    SuperOf,
    Builtin,
    LocalFunc,
    LocalClass,
    LocalInstance,
    Instance,
    SelfRef,
    Method,
    ErrorObj,
    RaisesCtx,
    CodeExpr,
    Response,
    HttpSession,
    HttpModule,
    Json,
    Const,
    Table,
    None,
]

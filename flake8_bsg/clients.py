"""The BSG client table: which callables are BSG calls and which codes each can produce.

This is data, like :mod:`flake8_bsg.codes`: the analysis reads it and writes no method
name or code number of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Dict, FrozenSet, Optional, Set, Tuple, Union

from flake8_bsg.codes import COMMON, NUMBER_VERIFIER, SMS, VIBER, ErrorCode, codes_of_family

#: The item standing for every HTTP status (400-599) of a failed API 1.0 request.
HTTP_ERRORS = "HTTP errors"
#: The item standing for the messages of API 2.0 classes whose messages are not catalogued.
UNCATALOGUED = "?uncatalogued"

API1_PACKAGE = "bsg_restapi"
#: Canonical name of the API 1.0 error class.
API1_ERROR = "bsg_restapi.APIError"


@dataclass(frozen=True)
class CallSpec:
    """What one callable can produce.

    ``families``: the code families (common always included for network calls);
    ``local``: fixed codes of a local validation (no network, no HTTP errors);
    ``proceed``: the family comes from the ``module_name`` argument.
    """

    families: Tuple[str, ...] = ()
    local: Tuple[int, ...] = ()
    proceed: bool = False

    @property
    def network(self) -> bool:
        return not self.local


@dataclass(frozen=True)
class ClientClass:
    """An API 1.0 class: its methods that are BSG calls and what constructing it does."""

    name: str
    methods: Dict[str, CallSpec] = field(default_factory=dict)
    constructor: Optional[CallSpec] = None
    #: A client (a ``Requester``): instances are BSG clients with ``proceed``.
    client: bool = True


_PROCEED = CallSpec(proceed=True)


def _network(*families: str) -> CallSpec:
    return CallSpec(families=(COMMON,) + families)


_BUILDS_RECIPIENT = CallSpec(local=(int(ErrorCode.VIBER_INVALID_PHONE_NUMBER),))
_VIBER_LOCAL_MESSAGE = CallSpec(local=(int(ErrorCode.VIBER_SENDER_NOT_REGISTERED),))

#: API 1.0 classes by name (they live in submodules of ``bsg_restapi`` and are re-exported).
API1_CLASSES: Dict[str, ClientClass] = {
    cls.name: cls
    for cls in (
        ClientClass("Requester", {"proceed": _PROCEED}),
        ClientClass(
            "SMSAPI",
            {
                "send": _network(SMS),
                "get_status": _network(SMS),
                "get_status_by_task_id": _network(SMS),
                "get_prices": _network(SMS),
                "add_recipient": _BUILDS_RECIPIENT,
                "proceed": _PROCEED,
            },
        ),
        ClientClass(
            "ViberAPI",
            {
                "send": _network(VIBER),
                "get_status": _network(VIBER),
                "get_prices": _network(VIBER),
                "add_message": _VIBER_LOCAL_MESSAGE,
                "proceed": _PROCEED,
            },
        ),
        ClientClass(
            "HLRAPI",
            {
                "send": _network(NUMBER_VERIFIER),
                "get_status": _network(NUMBER_VERIFIER),
                "get_prices": _network(NUMBER_VERIFIER),
                "add_hlrl": _BUILDS_RECIPIENT,
                "proceed": _PROCEED,
            },
        ),
        ClientClass("BalanceAPI", {"get": _network(), "proceed": _PROCEED}),
        ClientClass("ViberMessage", {"add_recipient": _BUILDS_RECIPIENT}, client=False),
        ClientClass("SMSMessage", {}, client=False),
        ClientClass("Recipient", {}, constructor=_BUILDS_RECIPIENT, client=False),
        ClientClass("HLRL", {}, constructor=_BUILDS_RECIPIENT, client=False),
    )
}

#: ``proceed(module_name, ...)``: the family a literal module name adds to common.
PROCEED_MODULES: Dict[str, Tuple[str, ...]] = {
    "sms": (SMS,),
    "viber": (VIBER,),
    "hlr": (NUMBER_VERIFIER,),
    "common": (),
}
PROCEED_ARG = "module_name"

#: Broad exception classes that catch every BSG error.
BROAD_EXCEPTIONS: FrozenSet[str] = frozenset({"Exception", "BaseException"})


@lru_cache(maxsize=None)
def family_items(families: Tuple[str, ...]) -> FrozenSet[Union[int, str]]:
    """The codes of the given families plus the HTTP-errors item (``NO_ERROR`` left out)."""
    items: Set[Union[int, str]] = {
        int(code) for family in families for code in codes_of_family(family) if code
    }
    items.add(HTTP_ERRORS)
    return frozenset(items)


def canonical_api1(qualname: str) -> Optional[str]:
    """``bsg_restapi.<anything>.Name`` as ``bsg_restapi.Name`` when Name is a known API 1.0 name."""
    if not qualname.startswith(API1_PACKAGE + "."):
        return None
    last = qualname.rsplit(".", 1)[1]
    if last in API1_CLASSES or last == "APIError":
        return API1_PACKAGE + "." + last
    return None


# ---- API 2.0 SDK (bsg_api) -------------------------------------------------------------------

API2_PACKAGE = "bsg_api"
#: Canonical name of the API 2.0 error class.
API2_ERROR = "bsg_api.ApiException"
#: Modules that export ``ApiException`` (and its base).
API2_ERROR_MODULES = ("bsg_api", "bsg_api.exceptions", "bsg_api.rest")
API2_BASE_ERROR = "OpenApiException"
#: Subclasses of ``ApiException`` (in ``bsg_api.exceptions``): catching only these lets other
#: statuses escape.
API2_SUBCLASSES: FrozenSet[str] = frozenset(
    {
        "BadRequestException",
        "UnauthorizedException",
        "ForbiddenException",
        "NotFoundException",
        "ConflictException",
        "UnprocessableEntityException",
        "ServiceException",
    }
)
#: Methods of that suffix return the raw response and raise nothing on 4xx/5xx.
API2_NON_RAISING_SUFFIX = "_without_preload_content"
#: Classes that are not API classes although they live in ``bsg_api``.
API2_NOT_API = frozenset({"ApiClient", "Configuration", "ApiResponse"})

#: Message groups of the API classes (any other API class has uncatalogued messages).
API2_GROUPS: Dict[str, Tuple[str, ...]] = {
    "ContactApi": ("contacts",),
    "ContactListApi": ("contacts",),
    "ContactFieldApi": ("contacts",),
    "StopListApi": ("contacts",),
    "CampaignSMSApi": ("sms",),
    "MessagesSMSApi": ("sms",),
    "CampaignApi": ("sms",),
    "SendersApi": ("sender",),
    "BalanceApi": ("tariff",),
}


#: What ``from <package> import *`` binds, for the packages whose names matter.
STAR_EXPORTS: Dict[str, Tuple[str, ...]] = {
    API1_PACKAGE: tuple(API1_CLASSES) + ("APIError",),
    API2_PACKAGE: tuple(API2_GROUPS) + ("ApiException", API2_BASE_ERROR),
}


def canonical_api2(qualname: str) -> Optional[str]:
    """``bsg_api.<anything>.Name`` as ``bsg_api.Name`` for API classes and error classes."""
    if not qualname.startswith(API2_PACKAGE + "."):
        return None
    module, last = qualname.rsplit(".", 1)
    if last == "ApiException" and module in API2_ERROR_MODULES:
        return API2_ERROR
    if last == API2_BASE_ERROR and module in API2_ERROR_MODULES:
        return API2_PACKAGE + "." + API2_BASE_ERROR
    if last in API2_SUBCLASSES and module in ("bsg_api", "bsg_api.exceptions"):
        return API2_PACKAGE + "." + last
    if last.endswith("Api") and last not in API2_NOT_API and last[:1].isupper():
        return API2_PACKAGE + "." + last
    return None


# ---- raw HTTP --------------------------------------------------------------------------------

#: Hosts of the REST APIs: API 1.0 and the One-API 2.0.
API1_HOST = "api.bsg.world"
API2_HOST = "one-api.bsg.world"
#: ``/rest/<segment>/`` of an API 1.0 URL: the family it adds to common.
REST_SEGMENTS: Dict[str, Tuple[str, ...]] = {
    "sms": (SMS,),
    "viber": (VIBER,),
    "hlr": (NUMBER_VERIFIER,),
    "common": (),
}
#: Wrappers that run a synchronous function in a thread: ``sync_to_async(f)(...)`` calls ``f``.
SYNC_TO_ASYNC = frozenset({"asgiref.sync.sync_to_async"})
#: unittest assertions that compare their first two arguments: True for a membership test.
ASSERT_COMPARISONS = {
    "assertEqual": False,
    "assertEquals": False,
    "assertNotEqual": False,
    "assertIn": True,
    "assertNotIn": True,
}
#: String methods that keep a message what it is (messages compare case-insensitively).
MESSAGE_NORMALISERS = frozenset({"lower", "casefold", "upper", "strip"})
#: Retry decorators naming the error classes they retry: (qualified name, positional index of
#: the classes or None, keyword of the classes).
RETRY_DECORATORS = {
    "backoff.on_exception": (1, "exception"),
    "stamina.retry": (None, "on"),
}
#: Scheduling a coroutine with one of these only references it: its error surfaces elsewhere.
SCHEDULERS = frozenset(
    {"asyncio.create_task", "asyncio.ensure_future", "asyncio.run_coroutine_threadsafe"}
)
#: The same as methods of an event loop (a TaskGroup's ``create_task`` is not one).
LOOP_SCHEDULERS = frozenset({"create_task", "ensure_future"})
#: What gives an event loop, and its classes (in annotations).
EVENT_LOOPS = frozenset(
    {"asyncio.get_running_loop", "asyncio.get_event_loop", "asyncio.new_event_loop"}
)
LOOP_CLASSES = frozenset({"asyncio.AbstractEventLoop", "asyncio.BaseEventLoop"})
#: Awaiting one of these awaits the coroutines given to it.
AWAIT_ALL = frozenset({"asyncio.gather", "asyncio.wait_for", "asyncio.shield"})
#: Methods of task queues that take a call to run later (FastAPI, Celery).
TASK_QUEUES = frozenset({"add_task", "delay", "apply_async"})

HTTP_MODULES = ("requests", "httpx", "aiohttp")
HTTP_METHODS = frozenset({"get", "post", "put", "patch", "delete", "request"})
#: Session/client classes whose request methods are calls.
HTTP_SESSIONS = frozenset(
    {
        "requests.Session",
        "requests.session",
        "httpx.Client",
        "httpx.AsyncClient",
        "aiohttp.ClientSession",
        "requests.sessions.Session",
    }
)

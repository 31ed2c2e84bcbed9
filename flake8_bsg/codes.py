"""The BSG error catalogue: every documented error code and API 2.0 error message.

This module is data, importable at run time by user code and by nothing but the standard
library::

    from flake8_bsg.codes import ErrorCode, ErrorMessage

    except APIError as exc:
        if exc.code == ErrorCode.SMS_INVALID_PHONE_NUMBER:
            ...

Every rule, message, suggestion, the README table and ``flake8-bsg catalogue`` read it; no
other module of the linter writes a code number or a message text again.
"""

from __future__ import annotations

import difflib
import enum
import re
from typing import Dict, FrozenSet, Iterable, List, Optional, Tuple

# API 1.0 code families, in catalogue order.
COMMON = "common"
SMS = "sms"
VIBER = "viber"
NUMBER_VERIFIER = "number_verifier"
STATISTICS = "statistics"
STATISTICS_FILES = "statistics_files"
FAMILIES: Tuple[str, ...] = (COMMON, SMS, VIBER, NUMBER_VERIFIER, STATISTICS, STATISTICS_FILES)

# API 2.0 message groups.
CONTACTS = "contacts"
SENDER = "sender"
TARIFF = "tariff"
GROUPS: Tuple[str, ...] = (CONTACTS, SMS, SENDER, TARIFF)

#: Codes reserved for future use: no member, never returned.
RESERVED_CODES: FrozenSet[int] = frozenset({88, 89})

#: HTTP statuses an API 1.0 ``APIError.code`` carries when the HTTP request itself failed.
HTTP_ERROR_STATUSES = range(400, 600)

#: Every HTTP status an API 2.0 ``ApiException.status`` can carry (0: no connection).
HTTP_STATUSES = range(100, 600)


class ErrorCode(enum.IntEnum):
    """API 1.0 error codes (``APIError.code``, a response's ``"error"``)."""

    family: str
    description: str

    def __new__(cls, code: int, family: str, description: str) -> "ErrorCode":
        member = int.__new__(cls, code)
        member._value_ = code
        member.family = family
        member.description = description
        return member

    NO_ERROR = 0, COMMON, "no error"
    INVALID_KEY = 1, COMMON, "invalid key"
    USER_BLOCKED = 2, COMMON, "the user is blocked"
    NOT_ENOUGH_PARAMETERS = 3, COMMON, "not enough parameters"
    FUNCTION_NOT_SUPPORTED = 4, COMMON, "the requested function is not supported"
    UNKNOWN_ERROR = 5, COMMON, "unknown error"
    NONEXISTENT_RATE_SCALE = 6, COMMON, "non-existent rate scale number is indicated"
    INVALID_PARAMETERS = 7, COMMON, "invalid parameters"
    NOT_ENOUGH_FUNDS = 8, COMMON, "not enough funds"
    RATE_SCALE_INACTIVE = 9, COMMON, "rate scale is inactive"
    INVALID_SENDING_TIME = 10, COMMON, "invalid sending time"
    TOO_MANY_SIMULTANEOUS_MESSAGES = (
        11,
        COMMON,
        "maximum number of messages processed simultaneously for sending has been exceeded",
    )
    PACKAGE_SIZE_EXCEEDED = 12, COMMON, "maximum message package size is exceeded"
    SMS_NOT_FOUND = 20, SMS, "SMS not found"
    SMS_INVALID_PHONE_NUMBER = 21, SMS, "invalid phone number"
    SMS_NO_EXTERNAL_ID = 22, SMS, "no external SMS request ID"
    SMS_DUPLICATE_ID = 23, SMS, "SMS with such ID is already present"
    SMS_INVALID_PAYLOAD = 24, SMS, "invalid payload of request"
    SMS_INVALID_ORIGINATOR = 25, SMS, "invalid originator"
    SMS_INVALID_TEXT = 26, SMS, "SMS text is empty or too long"
    SMS_INVALID_EXTERNAL_ID = 27, SMS, "invalid external SMS ID"
    SMS_INVALID_DURATION = 28, SMS, "invalid value of SMS duration time"
    SMS_INVALID_TASK_ID = 29, SMS, "invalid task ID"
    SMS_TASK_NOT_FOUND = 30, SMS, "task not found"
    SMS_PHONE_ALREADY_IN_LIST = 31, SMS, "the phone is already in the messaging list"
    SMS_SENDER_NOT_ALLOWED = 32, SMS, "sender is not allowed"
    SMS_DIRECTION_NOT_ALLOWED = 33, SMS, "direction is not allowed"
    SMS_WRONG_OTP = 34, SMS, "wrong OTP, code generation error"
    SMS_TWO_WAY_NOT_ACTIVE = 35, SMS, "2way is not active for the account"
    SMS_WRONG_TWO_WAY_SENDER = 36, SMS, "wrong 2way sender"
    VIBER_MESSAGE_NOT_FOUND = 40, VIBER, "Viber message not found"
    VIBER_INVALID_PHONE_NUMBER = 41, VIBER, "invalid phone number"
    VIBER_DUPLICATE_ID = 43, VIBER, "Viber message with this ID already exists"
    VIBER_INVALID_PAYLOAD = 44, VIBER, "invalid query payload"
    VIBER_SENDER_NOT_REGISTERED = 45, VIBER, "sender not registered"
    VIBER_INVALID_TEXT = 46, VIBER, "empty or too long Viber message text"
    VIBER_INVALID_EXTERNAL_ID = 47, VIBER, "invalid Viber message external ID"
    VIBER_INVALID_DURATION = 48, VIBER, "invalid value of Viber message duration"
    VIBER_INVALID_OPTIONS = 49, VIBER, "invalid additional options of Viber messages"
    VIBER_PHONE_ALREADY_IN_CAMPAIGN = 51, VIBER, "phone number is already included to campaign"
    NV_REQUEST_NOT_FOUND = 60, NUMBER_VERIFIER, "Number Verifier request not found"
    NV_INVALID_PHONE_NUMBER = 61, NUMBER_VERIFIER, "invalid phone number"
    NV_NO_EXTERNAL_ID = 62, NUMBER_VERIFIER, "no external Number Verifier request ID"
    NV_DUPLICATE_ID = 63, NUMBER_VERIFIER, "Number Verifier request with such ID already exists"
    NV_INVALID_PAYLOAD = 64, NUMBER_VERIFIER, "invalid query payload"
    NV_INVALID_EXTERNAL_ID = 65, NUMBER_VERIFIER, "invalid Number Verifier request external ID"
    NV_PHONE_ALREADY_IN_REQUEST = 66, NUMBER_VERIFIER, "phone number already exists in the request"
    STATS_INVALID_MESSAGE_ID = 80, STATISTICS, "invalid message_id (non numerical value)"
    STATS_INVALID_MESSAGE_TYPE = 81, STATISTICS, "invalid message_type"
    STATS_INVALID_SOURCE_TYPE = 82, STATISTICS, "invalid source_type"
    STATS_INVALID_STATUS = 83, STATISTICS, "invalid status"
    STATS_INVALID_COUNTRY_ID = 84, STATISTICS, "invalid country_id"
    STATS_INVALID_CLICKS_COMP = 85, STATISTICS, "invalid clicks_comp"
    STATS_INVALID_TIME_FRAME = 86, STATISTICS, "invalid time frame"
    STATS_INVALID_MSISDN = 87, STATISTICS, "invalid msisdn"
    STATS_FILE_NOT_FOUND = 90, STATISTICS_FILES, "File not found"
    STATS_FILE_NOT_READY = 91, STATISTICS_FILES, "File not ready"
    STATS_MAX_FILES_REACHED = 92, STATISTICS_FILES, "Max files reached"
    STATS_FILE_EMPTY = 93, STATISTICS_FILES, "File is empty"


class ErrorMessage(str, enum.Enum):
    """API 2.0 error messages (the ``"message"`` of an error body)."""

    groups: Tuple[str, ...]

    def __new__(cls, message: str, groups: Tuple[str, ...]) -> "ErrorMessage":
        member = str.__new__(cls, message)
        member._value_ = message
        member.groups = groups
        return member

    def __str__(self) -> str:
        return str(self.value)

    INVALID_PHONE_NUMBER_FORMAT = "Invalid phone number format", (CONTACTS, SMS)
    CONTACT_NOT_FOUND = "Contact not found", (CONTACTS,)
    PHONE_ALREADY_IN_CONTACT_BOOK = (
        "The phone number already exists in the user’s Contact Book",
        (CONTACTS,),
    )
    FIELDS_LIMIT_EXCEEDED = "Number of available fields exceeded", (CONTACTS,)
    INVALID_CONTACT_FIELD_FORMAT = "Invalid contact field format", (CONTACTS,)
    INVALID_DATE_FIELD_FORMAT = "Invalid date field format", (CONTACTS,)
    INVALID_NUMERIC_FIELD_FORMAT = "Invalid numeric field format", (CONTACTS,)
    FIELD_NAME_EXISTS = "A field with such name already exists", (CONTACTS,)
    CONTACT_GROUP_NAME_EXISTS = "A contact group with such name already exists", (CONTACTS,)
    INVALID_CONTACT_LIST = "Invalid contact list", (CONTACTS,)
    CONTACT_GROUP_NOT_FOUND = "Contact group not found", (CONTACTS,)
    INVALID_CONTACT_GROUP = "Invalid contact group", (CONTACTS,)
    BLOCKED_CONTACT_NOT_FOUND = "Blocked contact not found", (CONTACTS,)
    CAMPAIGN_NOT_FOUND = "Campaign not found", (CONTACTS, SMS)
    ACTION_NOT_AVAILABLE = "Action not available for this account type", (CONTACTS,)
    FIELD_NOT_FOUND = "Field not found", (CONTACTS,)
    INVALID_SEARCH_OPERATOR = "Invalid operator for contact search", (CONTACTS,)
    INVALID_SEARCH_VALUE_FORMAT = "Invalid search value format", (CONTACTS,)
    UNAVAILABLE_FOR_ACCOUNT_STATUS = "Unavailable for your account status", (SMS,)
    TARIFF_NOT_FOUND = "Tariff not found", (SMS, TARIFF)
    INVALID_PHONE_NUMBER_LIST = "Invalid list of the phone number", (SMS,)
    ALL_NUMBERS_IN_STOP_LIST = "All numbers are in the stop list", (SMS,)
    CONTACTS_GROUP_NOT_FOUND = "Contacts group is not found", (SMS,)
    EMPTY_GROUPS = "Empty groups", (SMS,)
    INVALID_CAMPAIGN_STATUS = "Invalid campaign status", (SMS,)
    INVALID_COUNTRY = "Invalid country specified", (SENDER,)
    NAME_REGISTRATION_NOT_ALLOWED = (
        "Name registration is not allowed for the specified country",
        (SENDER,),
    )
    OPERATOR_NOT_FOUND = "Operator not found", (TARIFF,)
    OPERATOR_PRICE_NOT_FOUND = "Operator price not found", (TARIFF,)
    INVALID_CONTACT_ID = "Invalid contact id", (CONTACTS,)
    TOO_MANY_DUPLICATE_REQUESTS = "Too many duplicate request detected", (CONTACTS, SMS)
    DATA_INVALID = "The given data was invalid.", (CONTACTS, SMS, SENDER, TARIFF)


#: Wordings the live API returns for documented errors: recognised, never reported as unknown.
MESSAGE_ALIASES: Dict[str, ErrorMessage] = {
    "Phone number is already exist in contact book": ErrorMessage.PHONE_ALREADY_IN_CONTACT_BOOK,
    "Contact group is already exists": ErrorMessage.CONTACT_GROUP_NAME_EXISTS,
    "Contact group is not found": ErrorMessage.CONTACT_GROUP_NOT_FOUND,
}


def family_of(code: int) -> Optional[str]:
    """The family of a documented code, or ``None``."""
    member = _BY_VALUE.get(code)
    return member.family if member is not None else None


def codes_of_family(family: str) -> Tuple[ErrorCode, ...]:
    """The documented codes of a family, in order (``common`` holds 0, ``NO_ERROR``)."""
    return _BY_FAMILY.get(family, ())


def family_range(family: str) -> Tuple[int, int]:
    """The lowest and highest error code of a family (``NO_ERROR`` left out)."""
    values = [int(member) for member in codes_of_family(family) if member]
    return min(values), max(values)


def is_reserved(code: int) -> bool:
    """Whether ``code`` is reserved for future use (88, 89)."""
    return code in RESERVED_CODES


def is_documented(code: int) -> bool:
    """Whether ``code`` is a documented code (``NO_ERROR`` included)."""
    return code in _BY_VALUE


def member_of(code: int) -> Optional[ErrorCode]:
    """The member for a documented code, or ``None``."""
    return _BY_VALUE.get(code)


def nearest_codes(
    value: int, candidates: Optional[Iterable[int]] = None, limit: int = 2
) -> List[ErrorCode]:
    """The documented error codes numerically closest to ``value`` (ties: the lower first)."""
    pool = [
        _BY_VALUE[c]
        for c in (candidates if candidates is not None else _BY_VALUE)
        if c in _BY_VALUE and c
    ]
    pool.sort(key=lambda member: (abs(int(member) - value), int(member)))
    return pool[:limit]


def same_description(code: int, candidates: Iterable[int]) -> List[ErrorCode]:
    """Codes among ``candidates`` whose description equals that of ``code``."""
    member = _BY_VALUE.get(code)
    if member is None:
        return []
    return [
        _BY_VALUE[c]
        for c in sorted(candidates)
        if c in _BY_VALUE and c != code and _BY_VALUE[c].description == member.description
    ]


def normalize_message(text: str) -> str:
    """The comparison key of an API 2.0 message: case-folded, white space folded, ’ as '."""
    return _SPACES.sub(" ", text.replace("\u2019", "'")).strip().casefold()


def lookup_message(text: str) -> Optional[ErrorMessage]:
    """The member a message text (or a known alias of it) stands for, or ``None``."""
    return _BY_MESSAGE.get(normalize_message(text))


def is_alias(text: str) -> bool:
    """Whether ``text`` is a known alias wording rather than the documented message."""
    member = lookup_message(text)
    return member is not None and normalize_message(text) != normalize_message(member.value)


def messages_containing(text: str) -> FrozenSet[str]:
    """Names of the messages (or of the aliases' members) whose text contains ``text``."""
    key = normalize_message(text)
    found = {m.name for m in ErrorMessage if key in normalize_message(m.value)}
    found |= {m.name for alias, m in MESSAGE_ALIASES.items() if key in normalize_message(alias)}
    return frozenset(found)


def close_messages(text: str, limit: int = 2) -> List[ErrorMessage]:
    """Documented messages that read closest to ``text``."""
    keys = difflib.get_close_matches(
        normalize_message(text), list(_BY_MESSAGE), n=limit * 2, cutoff=0.6
    )
    found: List[ErrorMessage] = []
    for key in keys:
        member = _BY_MESSAGE[key]
        if member not in found:
            found.append(member)
    return found[:limit]


def messages_of_group(group: str) -> Tuple[ErrorMessage, ...]:
    """The documented messages of an API 2.0 group."""
    return _BY_GROUP.get(group, ())


_SPACES = re.compile(r"\s+")
_BY_VALUE: Dict[int, ErrorCode] = {int(member): member for member in ErrorCode}
_BY_MESSAGE: Dict[str, ErrorMessage] = {normalize_message(m.value): m for m in ErrorMessage}
_BY_MESSAGE.update({normalize_message(text): member for text, member in MESSAGE_ALIASES.items()})
_BY_FAMILY: Dict[str, Tuple[ErrorCode, ...]] = {
    f: tuple(m for m in ErrorCode if m.family == f) for f in FAMILIES
}
_BY_GROUP: Dict[str, Tuple[ErrorMessage, ...]] = {
    g: tuple(m for m in ErrorMessage if g in m.groups) for g in GROUPS
}

"""Message texts the fixture annotations (codes only) do not pin."""

from __future__ import annotations

from flake8_bsg.engine import check_source
from flake8_bsg.options import Config

CONTACT_CREATE = (
    "import json\n"
    "from bsg_api import ApiException, ContactApi\n"
    "contacts = ContactApi()\n"
    "def create(payload):\n"
    "    try:\n"
    "        return contacts.contact_create(payload)\n"
    "    except ApiException as exc:\n"
    "        if json.loads(exc.body)['message'] == {text!r}:\n"
    "            return None\n"
    "        raise\n"
)


def magic_message(text: str) -> str:
    results = check_source(CONTACT_CREATE.format(text=text), "views.py", Config())
    found = [message for _line, _col, message in results if message.startswith("BSG201")]
    assert len(found) == 1, results
    return found[0]


def test_an_exact_message_suggests_its_member() -> None:
    assert magic_message("Contact not found").endswith("; use ErrorMessage.CONTACT_NOT_FOUND")


def test_an_alias_wording_does_not_suggest_a_member_it_does_not_equal() -> None:
    message = magic_message("Phone number is already exist in contact book")
    assert message.endswith(
        "; use a named constant (ErrorMessage.PHONE_ALREADY_IN_CONTACT_BOOK is this message in "
        "another wording and does not compare equal to it)"
    ), message


def test_another_spelling_does_not_suggest_the_member() -> None:
    message = magic_message("contact NOT found")
    assert "ErrorMessage.CONTACT_NOT_FOUND is this message in another wording" in message


def test_unknown_code_suggests_the_nearest_codes_the_calls_can_produce() -> None:
    source = (
        "from bsg_restapi import APIError, SMSAPI\n"
        "sms = SMSAPI(config={})\n"
        "def send():\n"
        "    try:\n"
        "        sms.send({})\n"
        "    except APIError as e:\n"
        "        if e.code == 42:\n"
        "            return\n"
        "        raise\n"
        "def anywhere(e: APIError):\n"
        "    return e.code == 42\n"
    )
    found = [m for _l, _c, m in check_source(source, "a.py", Config()) if m.startswith("BSG202")]
    assert found == [
        "BSG202 42 is not a documented BSG error code; did you mean 36 SMS_WRONG_TWO_WAY_SENDER "
        "or 35 SMS_TWO_WAY_NOT_ACTIVE?",
        "BSG202 42 is not a documented BSG error code; did you mean 41 VIBER_INVALID_PHONE_NUMBER "
        "or 43 VIBER_DUPLICATE_ID?",
    ]


def messages(source: str, code: str) -> list[str]:
    return [m for _l, _c, m in check_source(source, "a.py", Config()) if m.startswith(code)]


def test_a_non_status_compared_with_a_status_is_a_value() -> None:
    source = (
        "from bsg_api import ApiException\ndef f(e: ApiException):\n    return e.status == 21\n"
    )
    assert messages(source, "BSG201") == [
        "BSG201 magic value 21 compared with ApiException.status; use a named constant"
    ]


def test_a_table_key_is_looked_up_not_compared() -> None:
    source = (
        "from bsg_restapi import APIError\n"
        "HINTS = {21: 'check the number'}\n"
        "def f(e: APIError):\n"
        "    return HINTS.get(e.code, 'failed')\n"
    )
    assert messages(source, "BSG201") == [
        "BSG201 magic BSG code 21 used as a key of a table looked up by an error code; use "
        "ErrorCode.SMS_INVALID_PHONE_NUMBER"
    ]


def test_one_dropped_item_is_it() -> None:
    source = (
        "from bsg_restapi import APIError, ViberAPI\n"
        "viber = ViberAPI(config={})\n"
        "def f(message):\n"
        "    try:\n"
        "        viber.add_message(message)\n"
        "    except APIError as e:\n"
        "        if e.code == 41:\n"
        "            return\n"
    )
    (found,) = messages(source, "BSG102")
    assert "drops 1 BSG code: 45 VIBER_SENDER_NOT_REGISTERED; handle it or add" in found, found


def test_a_response_produces_its_codes() -> None:
    source = (
        "import requests\n"
        "def f():\n"
        "    data = requests.get('https://api.bsg.world/rest/sms/x').json()\n"
        "    if data['error'] == 41:\n"
        "        return None\n"
        "    return data\n"
    )
    (found,) = messages(source, "BSG203")
    assert found == (
        "BSG203 41 VIBER_INVALID_PHONE_NUMBER cannot come from the api.bsg.world response (it "
        "produces common, sms codes); did you mean 21 SMS_INVALID_PHONE_NUMBER, the same error "
        "in its family?"
    ), found


def test_a_code_handled_before_does_not_reach_the_handler() -> None:
    source = (
        "from bsg_restapi import APIError, SMSAPI\n"
        "sms = SMSAPI(config={})\n"
        "def _send(text):\n"
        "    try:\n"
        "        return sms.send(text)\n"
        "    except APIError as e:\n"
        "        if e.code == 21:\n"
        "            return False\n"
        "        raise\n"
        "def send(text):\n"
        "    try:\n"
        "        return _send(text)\n"
        "    except APIError as e:\n"
        "        if e.code == 21:\n"
        "            return None\n"
        "        raise\n"
    )
    assert messages(source, "BSG203") == [
        "BSG203 21 SMS_INVALID_PHONE_NUMBER does not reach this handler from the guarded calls "
        "(they produce other codes of its family: it is handled before, or none of them "
        "produces it); remove it"
    ]


def test_what_a_declared_helper_lets_escape_names_partial_families_by_code() -> None:
    source = (
        "from bsg_restapi import Recipient, SMSAPI\n"
        "sms = SMSAPI(config={})\n"
        "def deliver(phone):\n"
        '    """Send.\n\n    Raises:\n        APIError: when BSG refuses.\n    """\n'
        "    return sms.send({}, [Recipient(phone)])\n"
        "def on_signup(phone):\n"
        "    deliver(phone)\n"
    )
    (found,) = messages(source, "BSG101")
    # the call site names where the errors come from: both calls on deliver's line
    assert found.startswith(
        "BSG101 deliver() can fail with BSG error codes (common 1–12, sms 20–36, viber 41) from "
        "SMSAPI.send() and Recipient() (a.py:9) and no enclosing handler catches APIError"
    ), found


def test_families_produced_in_part_are_named_with_runs_of_codes() -> None:
    source = (
        "from bsg_restapi import APIError, SMSAPI\n"
        "sms = SMSAPI(config={})\n"
        "def sms_but_21(text):\n"
        '    """Send.\n\n    Raises:\n        APIError: when BSG refuses.\n    """\n'
        "    try:\n"
        "        return sms.send(text)\n"
        "    except APIError as e:\n"
        "        if e.code == 21:\n"
        "            return None\n"
        "        raise\n"
        "def http_only(text):\n"
        '    """Send.\n\n    Raises:\n        APIError: when BSG refuses.\n    """\n'
        "    try:\n"
        "        return sms.send(text)\n"
        "    except APIError as e:\n"
        "        if e.code < 400:\n"
        "            return None\n"
        "        raise\n"
        "def use(text):\n"
        "    sms_but_21(text)\n"
        "    http_only(text)\n"
    )
    found = messages(source, "BSG101")
    assert [m.split(" and no enclosing")[0] for m in found] == [
        "BSG101 sms_but_21() can fail with BSG error codes (common 1–12, sms 20, 22–36) from "
        "SMSAPI.send() (a.py:10)",
        "BSG101 http_only() can fail with HTTP errors (400–599) from SMSAPI.send() (a.py:22)",
    ], found

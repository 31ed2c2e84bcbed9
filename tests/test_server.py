"""``flake8-bsg server`` end to end: a real LSP client (pytest-lsp) drives
``python -m flake8_bsg.server`` over stdio, in a workspace written to a temporary folder."""

from __future__ import annotations

import asyncio
import contextlib
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, AsyncIterator, Dict, List, NamedTuple, Optional, Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lsprotocol import types as lsp
from pygls.protocol import default_converter
from pytest_lsp import LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

from flake8_bsg.engine import check_findings
from flake8_bsg.fix import fix_source
from flake8_bsg.options import build_config
from flake8_bsg.server import text_edits

ROOT = Path(__file__).resolve().parent.parent
UNPARSABLE = ROOT / "fixtures" / "reliability" / "unparsable_by_libcst.py"
TIMEOUT = 20.0

SAMPLE = """\
from bsg_restapi import APIError, SMSAPI, SMSMessage

sms = SMSAPI(config={"api_key": "k"})


def send(phone: str) -> bool:
    try:
        sms.send(message=SMSMessage(body="hi"), recipients=[{"msisdn": phone}])
    except APIError as exc:
        if exc.code == 21:
            return False
        raise
    return True


def describe(exc: APIError) -> str:
    return "\U0001f4f5 unreachable" if exc.code == 21 else "other"


def notify(phone: str) -> None:
    sms.send(
        message=SMSMessage(body="hello"), recipients=[{"msisdn": phone}]
    )


def quietly(phone: str) -> None:
    try:
        sms.send(message=SMSMessage(body="hi"), recipients=[{"msisdn": phone}])
    except APIError:
        pass
"""
BSG201_21 = "magic BSG code 21 compared with an error code; use ErrorCode.SMS_INVALID_PHONE_NUMBER"
EMOJI_LINE = SAMPLE.splitlines()[16]
# The literal is the 43rd character of its line but the 44th UTF-16 code unit: the emoji before
# it is outside the Basic Multilingual Plane (two UTF-16 code units, one character).
assert EMOJI_LINE.index("21") == 42 and len(EMOJI_LINE[:42].encode("utf-16-le")) // 2 == 43

#: The sample with every magic code fixed: nothing left to report there.
CLEAN = """\
from bsg_restapi import APIError, SMSAPI, SMSMessage

from flake8_bsg.codes import ErrorCode

sms = SMSAPI(config={"api_key": "k"})


def send(phone: str) -> bool:
    try:
        sms.send(message=SMSMessage(body="hi"), recipients=[{"msisdn": phone}])
    except APIError as exc:
        if exc.code == ErrorCode.SMS_INVALID_PHONE_NUMBER:
            return False
        raise
    return True
"""

CALLER = """\
from bsg_restapi import APIError

from app import describe


def show(exc: APIError) -> str:
    return describe(exc) if exc.code == 21 else "?"
"""

PYPROJECT = (
    '[project]\nname = "shop"\nversion = "1"\n\n[tool.flake8-bsg]\nbsg-allow-literals = "0"\n'
)


# ---- the client --------------------------------------------------------------------------------


class Published(NamedTuple):
    uri: str
    version: Optional[int]
    diagnostics: Sequence[lsp.Diagnostic]
    at: float


class Session:
    """A started, initialised server and the client talking to it."""

    def __init__(self, client: LanguageClient, root: Path) -> None:
        self.client = client
        self.root = root
        self.published: List[Published] = []
        self.registrations: List[lsp.Registration] = []
        self.arrived = asyncio.Event()
        self.versions: Dict[str, int] = {}
        self.texts: Dict[str, str] = {}
        self.result: Optional[lsp.InitializeResult] = None

    def uri(self, name: str) -> str:
        return (self.root / name).as_uri()

    def open(self, name: str, text: Optional[str] = None) -> str:
        uri = self.uri(name)
        text = (self.root / name).read_text(encoding="utf-8") if text is None else text
        self.versions[uri] = 1
        self.texts[uri] = text
        self.client.text_document_did_open(
            lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(uri, "python", 1, text))
        )
        return uri

    def change(self, uri: str, text: str) -> int:
        self.versions[uri] += 1
        self.texts[uri] = text
        self.client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                lsp.VersionedTextDocumentIdentifier(self.versions[uri], uri),
                [lsp.TextDocumentContentChangeWholeDocument(text)],
            )
        )
        return self.versions[uri]

    def mark(self) -> int:
        return len(self.published)

    async def diagnostics(
        self, uri: str, version: Optional[int] = None, after: int = 0
    ) -> Sequence[lsp.Diagnostic]:
        """The first diagnostics published for ``uri`` (at ``version``) after mark ``after``."""
        return (await self.publication(uri, version, after)).diagnostics

    async def publication(
        self, uri: str, version: Optional[int] = None, after: int = 0
    ) -> Published:
        deadline = time.monotonic() + TIMEOUT
        seen = after
        while True:
            for item in self.published[seen:]:
                if item.uri == uri and (version is None or item.version == version):
                    return item
            seen = len(self.published)
            self.arrived.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no diagnostics for {uri} v{version}: {self.published}")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), left)

    async def actions(
        self,
        uri: str,
        diagnostic: lsp.Diagnostic,
        only: Optional[List[str]] = None,
    ) -> List[lsp.CodeAction]:
        result = await self.client.text_document_code_action_async(
            lsp.CodeActionParams(
                text_document=lsp.TextDocumentIdentifier(uri),
                range=diagnostic.range,
                context=lsp.CodeActionContext(diagnostics=[diagnostic], only=only),
            )
        )
        return [action for action in result or [] if isinstance(action, lsp.CodeAction)]


def make_client(session: List[Session]) -> LanguageClient:
    """pytest-lsp's test client, recording every publication with its version and time."""
    client = LanguageClient(converter_factory=default_converter)
    register_lsp_features(
        client,
        {
            method: handler
            for method, handler in DEFAULT_CLIENT_FEATURES.items()
            if method != lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS
        },
    )

    @client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def published(params: lsp.PublishDiagnosticsParams) -> None:
        item = Published(params.uri, params.version, params.diagnostics, time.monotonic())
        session[0].published.append(item)
        session[0].arrived.set()

    @client.feature(lsp.CLIENT_REGISTER_CAPABILITY)
    def register(params: lsp.RegistrationParams) -> None:
        session[0].registrations.extend(params.registrations)

    return client


def capabilities(
    document_changes: bool = True, encodings: Sequence[str] = ("utf-16",)
) -> lsp.ClientCapabilities:
    return lsp.ClientCapabilities(
        general=lsp.GeneralClientCapabilities(
            position_encodings=[lsp.PositionEncodingKind(e) for e in encodings]
        ),
        workspace=lsp.WorkspaceClientCapabilities(
            workspace_edit=lsp.WorkspaceEditClientCapabilities(document_changes=document_changes),
            did_change_watched_files=lsp.DidChangeWatchedFilesClientCapabilities(
                dynamic_registration=True
            ),
        ),
        text_document=lsp.TextDocumentClientCapabilities(
            publish_diagnostics=lsp.PublishDiagnosticsClientCapabilities(version_support=True),
            code_action=lsp.CodeActionClientCapabilities(
                code_action_literal_support=lsp.ClientCodeActionLiteralOptions(
                    lsp.ClientCodeActionKindOptions(
                        [lsp.CodeActionKind.QuickFix, lsp.CodeActionKind.SourceFixAll]
                    )
                ),
                is_preferred_support=True,
            ),
        ),
        window=lsp.WindowClientCapabilities(
            show_message=lsp.ShowMessageRequestClientCapabilities()
        ),
    )


@contextlib.asynccontextmanager
async def serve(
    root: Path,
    init_options: Optional[Dict[str, Any]] = None,
    client_capabilities: Optional[lsp.ClientCapabilities] = None,
) -> AsyncIterator[Session]:
    holder: List[Session] = []
    client = make_client(holder)
    session = Session(client, root)
    holder.append(session)
    # started elsewhere than the workspace: the server finds it from rootUri
    await client.start_io(sys.executable, "-m", "flake8_bsg", "server", cwd=str(root.parent))
    try:
        session.result = await asyncio.wait_for(
            client.initialize_session(
                lsp.InitializeParams(
                    capabilities=client_capabilities or capabilities(),
                    root_uri=root.as_uri(),
                    initialization_options=init_options,
                )
            ),
            TIMEOUT,
        )
        yield session
        errors = [m.message for m in client.log_messages if m.type == lsp.MessageType.Error]
        assert not errors, errors
        await asyncio.wait_for(client.shutdown_session(), TIMEOUT)
    finally:
        process = client._server
        if process is not None and process.returncode is None:
            process.kill()  # a failed test: shutdown was not sent
        await client.stop()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    root.mkdir()
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (root / "app.py").write_text(SAMPLE, encoding="utf-8")
    (root / "caller.py").write_text(CALLER, encoding="utf-8")
    return root


# ---- helpers -----------------------------------------------------------------------------------


def _offset(text: str, position: lsp.Position, utf32: bool = False) -> int:
    """The character offset of an LSP position (UTF-16 code units, or characters) in ``text``."""
    lines = re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)
    start = sum(len(line) for line in lines[: position.line])
    line = lines[position.line] if position.line < len(lines) else ""
    units = 0
    for index, char in enumerate(line):
        if units >= position.character:
            return start + index
        units += 2 if ord(char) > 0xFFFF and not utf32 else 1
    return start + len(line.rstrip("\r\n"))


def apply(
    text: str, edit: Optional[lsp.WorkspaceEdit], uri: str, version: int, utf32: bool = False
) -> str:
    """``text`` with the edit's TextEdits for ``uri`` applied (checked against ``version``)."""
    assert edit is not None
    if edit.document_changes is not None:
        (change,) = edit.document_changes
        assert isinstance(change, lsp.TextDocumentEdit)
        assert change.text_document.uri == uri and change.text_document.version == version
        edits = [e for e in change.edits if isinstance(e, lsp.TextEdit)]
    else:
        assert edit.changes is not None
        edits = list(edit.changes[uri])
    return apply_edits(text, edits, utf32)


def apply_edits(text: str, edits: Sequence[lsp.TextEdit], utf32: bool = False) -> str:
    spans = sorted(
        (
            (_offset(text, e.range.start, utf32), _offset(text, e.range.end, utf32), e.new_text)
            for e in edits
        ),
        reverse=True,
    )
    for (start, end, _new), later in zip(spans[1:], spans):
        assert end <= later[0], "edits overlap"
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


def edit_sizes(edit: Optional[lsp.WorkspaceEdit]) -> List[int]:
    """How many lines each TextEdit of a one-document edit spans."""
    assert edit is not None and edit.document_changes is not None
    (change,) = edit.document_changes
    assert isinstance(change, lsp.TextDocumentEdit)
    return [e.range.end.line - e.range.start.line for e in change.edits]


def lint(text: str, path: Path) -> List[tuple[int, str]]:
    """(line, code) of what the engine reports for ``text`` as the file ``path``."""
    return [(f.line, f.code) for f in check_findings(text, str(path), build_config())]


def at(line: int, start: int, end_line: int, end: int) -> lsp.Range:
    return lsp.Range(lsp.Position(line, start), lsp.Position(end_line, end))


def flake8_lines(root: Path, name: str) -> List[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "flake8", "--select=BSG", name],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.stdout.splitlines()


# ---- diagnostics -------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_open_publishes_what_flake8_reports_with_ranges_in_utf16(workspace: Path) -> None:
    (workspace / ".flake8").write_text("[flake8]\n", encoding="utf-8")
    async with serve(workspace) as session:
        assert session.result is not None
        assert session.result.capabilities.position_encoding == lsp.PositionEncodingKind.Utf16
        uri = session.open("app.py")
        shown = await session.diagnostics(uri, version=1)

    # Codes, messages and starts are flake8's: its column counts characters from 1, LSP's
    # UTF-16 code units from 0.
    expected = flake8_lines(workspace, "app.py")
    assert len(expected) == 4, expected
    lines = SAMPLE.splitlines()
    for diagnostic, printed in zip(shown, expected):
        where, _, text = printed.partition(": ")
        line, col = (int(n) for n in where.split(":")[1:])
        assert f"{diagnostic.code} {diagnostic.message}" == text
        start = lsp.Position(line - 1, len(lines[line - 1][: col - 1].encode("utf-16-le")) // 2)
        assert diagnostic.range.start == start
        assert diagnostic.source == "flake8-bsg"
        assert diagnostic.severity == lsp.DiagnosticSeverity.Warning

    assert [d.code for d in shown] == ["BSG201", "BSG201", "BSG101", "BSG104"]
    # the message without its code, which editors show from `code`
    assert shown[0].message == shown[1].message == BSG201_21
    # a literal covers its token; on the emoji line in UTF-16 code units
    assert shown[0].range == at(9, 23, 9, 25)
    assert shown[1].range == at(16, 43, 16, 45)
    # the call, over its three lines, to its closing parenthesis
    assert shown[2].range == at(20, 4, 22, 5)
    # the handler's `except` keyword
    assert shown[3].range == at(28, 4, 28, 10)


@pytest.mark.asyncio
async def test_positions_in_utf32_when_the_client_prefers_them(workspace: Path) -> None:
    async with serve(
        workspace, client_capabilities=capabilities(encodings=("utf-32", "utf-16"))
    ) as session:
        assert session.result is not None
        assert session.result.capabilities.position_encoding == lsp.PositionEncodingKind.Utf32
        uri = session.open("app.py")
        shown = await session.diagnostics(uri, version=1)
        assert shown[1].range == at(16, 42, 16, 44)
        # the code action's edit counts in the same units
        (fix, *_rest) = await session.actions(uri, shown[1])
        fixed = apply(SAMPLE, fix.edit, uri, 1, utf32=True).splitlines()[17]
        assert fixed.endswith('exc.code == ErrorCode.SMS_INVALID_PHONE_NUMBER else "other"'), fixed


@pytest.mark.asyncio
async def test_edits_are_debounced_and_a_fix_clears_the_diagnostics(workspace: Path) -> None:
    async with serve(workspace) as session:
        uri = session.open("app.py")
        assert len(await session.diagnostics(uri, version=1)) == 4
        mark = session.mark()
        edited = SAMPLE.replace("if exc.code == 21:", "if exc.code in (21, 22):")
        sent = time.monotonic()
        session.change(uri, edited.replace("return False", "return False "))  # v2
        session.change(uri, edited)  # v3, during the wait for v2
        third = await session.publication(uri, version=3, after=mark)
        # only the last version is analysed, 50 ms after the edit
        assert [p.version for p in session.published[mark:] if p.uri == uri] == [3]
        assert 0.05 <= third.at - sent < 5
        assert [(d.code, d.range.start.line) for d in third.diagnostics] == [
            ("BSG201", 9),
            ("BSG201", 9),
            ("BSG201", 16),
            ("BSG101", 20),
            ("BSG104", 28),
        ]
        assert third.diagnostics[1].message.startswith("magic BSG code 22")

        session.change(uri, CLEAN)
        assert list(await session.diagnostics(uri, version=4)) == []

        mark = session.mark()
        session.client.text_document_did_close(
            lsp.DidCloseTextDocumentParams(lsp.TextDocumentIdentifier(uri))
        )
        closed = await session.publication(uri, after=mark)
        assert list(closed.diagnostics) == []


@pytest.mark.asyncio
async def test_unparsable_buffer_gets_bsg000_and_the_server_keeps_serving(workspace: Path) -> None:
    async with serve(workspace) as session:
        odd = UNPARSABLE.read_text(encoding="utf-8")
        compile(odd, "odd.py", "exec")  # Python accepts it; LibCST does not
        uri = session.open("odd.py", odd)
        (only,) = await session.diagnostics(uri, version=1)
        assert only.code == "BSG000"
        assert only.severity == lsp.DiagnosticSeverity.Error
        assert only.range.start == lsp.Position(0, 0)
        assert only.message.startswith("LibCST cannot parse this file (parser error: error at 7:9")
        assert only.message.endswith("; flake8-bsg checked nothing in it")
        first = odd.splitlines()[0]
        assert only.range == at(0, 0, 0, len(first.encode("utf-16-le")) // 2)
        # a code action on it offers nothing, and the server answers the next requests
        assert await session.actions(uri, only) == []
        broken = session.open("broken.py", "def f(:\n    pass\n")
        # a syntax error is flake8's E999: no plugin runs, nothing from flake8-bsg
        assert list(await session.diagnostics(broken, version=1)) == []
        app = session.open("app.py")
        assert len(await session.diagnostics(app, version=1)) == 4


# ---- options -----------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_bad_initialization_option_is_shown_and_the_defaults_serve(workspace: Path) -> None:
    async with serve(workspace, init_options={"bsg-require-codes": "x"}) as session:
        uri = session.open("app.py")
        shown = await session.diagnostics(uri, version=1)
        assert [d.code for d in shown] == ["BSG201", "BSG201", "BSG101", "BSG104"]
        (message,) = session.client.messages
        assert message.type == lsp.MessageType.Error
        assert "--bsg-require-codes" in message.message and "'x'" in message.message


@pytest.mark.asyncio
async def test_workspace_configuration_and_initialization_options(workspace: Path) -> None:
    (workspace / "pyproject.toml").write_text(
        PYPROJECT + 'bsg-require-codes = "8"\n', encoding="utf-8"
    )
    (workspace / "setup.cfg").write_text("[flake8]\nextend-ignore = BSG104\n", encoding="utf-8")
    async with serve(workspace) as session:
        uri = session.open("app.py")
        shown = await session.diagnostics(uri, version=1)
        # BSG103 from pyproject.toml's option; BSG104 ignored by setup.cfg's [flake8]
        assert [d.code for d in shown] == ["BSG103", "BSG201", "BSG201", "BSG101", "BSG103"]
        assert shown[0].message.startswith("this handler of SMSAPI.send() does not name required")
        assert shown[0].range == at(8, 4, 8, 10)
    # initializationOptions override the files (underscores accepted)
    async with serve(
        workspace, init_options={"bsg_require_codes": "", "extend-ignore": ""}
    ) as session:
        uri = session.open("app.py")
        shown = await session.diagnostics(uri, version=1)
        assert [d.code for d in shown] == ["BSG201", "BSG201", "BSG101", "BSG104"]


# ---- code actions ------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_quick_fix_replaces_one_literal_and_adds_the_import_once(workspace: Path) -> None:
    async with serve(workspace) as session:
        uri = session.open("app.py")
        shown = await session.diagnostics(uri, version=1)
        actions = await session.actions(uri, shown[0])
        titles = [a.title for a in actions]
        assert titles == [
            "Replace 21 with ErrorCode.SMS_INVALID_PHONE_NUMBER",
            "Fix all BSG201 in this file",
            "Ignore BSG201 on this line (# noqa: BSG201)",
        ]
        fix = actions[0]
        assert fix.kind == lsp.CodeActionKind.QuickFix and fix.is_preferred
        assert list(fix.diagnostics or []) == [shown[0]]
        # minimal edits: the import line and the literal, not the file
        assert edit_sizes(fix.edit) == [0, 0]
        once = apply(SAMPLE, fix.edit, uri, 1)
        compile(once, "app.py", "exec")
        assert once == SAMPLE.replace(
            "SMSMessage\n", "SMSMessage\nfrom flake8_bsg.codes import ErrorCode\n", 1
        ).replace("if exc.code == 21:", "if exc.code == ErrorCode.SMS_INVALID_PHONE_NUMBER:")
        assert lint(once, workspace / "app.py")[:2] == [(18, "BSG201"), (22, "BSG101")]

        # the server sees the edit; the other literal's fix uses the import now there
        session.change(uri, once)
        shown = await session.diagnostics(uri, version=2)
        assert [(d.code, d.range.start.line) for d in shown][:1] == [("BSG201", 17)]
        (fix, *_rest) = await session.actions(uri, shown[0])
        twice = apply(once, fix.edit, uri, 2)
        compile(twice, "app.py", "exec")
        assert twice.count("import ErrorCode") == 1
        assert "BSG201" not in [code for _line, code in lint(twice, workspace / "app.py")]


@pytest.mark.asyncio
async def test_fix_all_matches_the_fix_command(workspace: Path) -> None:
    async with serve(workspace) as session:
        uri = session.open("app.py")
        shown = await session.diagnostics(uri, version=1)
        actions = await session.actions(uri, shown[1])
        (fix_all,) = [a for a in actions if a.title == "Fix all BSG201 in this file"]
        assert fix_all.kind == lsp.CodeActionKind.QuickFix
        assert [d.range for d in fix_all.diagnostics or []] == [shown[0].range, shown[1].range]
        fixed = apply(SAMPLE, fix_all.edit, uri, 1)
        compile(fixed, "app.py", "exec")
        path = workspace / "app.py"
        assert fixed == fix_source(SAMPLE, str(path), build_config()).fixed
        assert [code for _line, code in lint(fixed, path)] == ["BSG101", "BSG104"]

        # asked for source.fixAll (as editors do on save), it is a source action; anywhere
        anywhere = lsp.Diagnostic(at(0, 0, 0, 0), "")
        (source,) = await session.actions(uri, anywhere, only=[lsp.CodeActionKind.SourceFixAll])
        assert source.kind == "source.fixAll.flake8-bsg"
        assert apply(SAMPLE, source.edit, uri, 1) == fixed
        assert await session.actions(uri, anywhere, only=[lsp.CodeActionKind.QuickFix]) == []


@pytest.mark.asyncio
async def test_noqa_action_adds_a_comment(workspace: Path) -> None:
    async with serve(workspace) as session:
        uri = session.open("app.py")
        shown = await session.diagnostics(uri, version=1)
        actions = await session.actions(uri, shown[3])  # BSG104 at `except APIError:`
        (noqa,) = actions
        assert noqa.title == "Ignore BSG104 on this line (# noqa: BSG104)"
        assert edit_sizes(noqa.edit) == [0]
        quiet = apply(SAMPLE, noqa.edit, uri, 1)
        compile(quiet, "app.py", "exec")
        assert quiet.splitlines()[28] == "    except APIError:  # noqa: BSG104"
        session.change(uri, quiet)
        assert [d.code for d in await session.diagnostics(uri, version=2)] == [
            "BSG201",
            "BSG201",
            "BSG101",
        ]


@pytest.mark.asyncio
async def test_noqa_action_merges_into_an_existing_comment(workspace: Path) -> None:
    text = SAMPLE.replace("if exc.code == 21:", "if exc.code == 21:  # noqa: E501")
    text = text.replace('"other"\n', '"other"  # noqa\n')  # a bare noqa: flake8 reports nothing
    # a client without versioned document changes gets `changes`
    async with serve(
        workspace, client_capabilities=capabilities(document_changes=False)
    ) as session:
        uri = session.open("app.py", text)
        shown = await session.diagnostics(uri, version=1)
        assert [d.code for d in shown] == ["BSG201", "BSG101", "BSG104"]
        actions = await session.actions(uri, shown[0])
        (noqa,) = [a for a in actions if a.title.startswith("Ignore")]
        assert noqa.edit is not None and noqa.edit.document_changes is None
        merged = apply(text, noqa.edit, uri, 1)
        compile(merged, "app.py", "exec")
        assert merged.splitlines()[9] == "        if exc.code == 21:  # noqa: E501, BSG201"
        session.change(uri, merged)
        assert [d.code for d in await session.diagnostics(uri, version=2)] == ["BSG101", "BSG104"]


# ---- the project -------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_save_and_watched_files_republish_the_open_documents(workspace: Path) -> None:
    async with serve(workspace) as session:
        app = session.open("app.py")
        caller = session.open("caller.py")
        await session.diagnostics(app, version=1)
        before = await session.diagnostics(caller, version=1)
        assert [d.code for d in before] == ["BSG201"]
        (registration,) = session.registrations
        assert registration.method == lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES

        # saving one module analyses the others again (their calls may reach it)
        mark = session.mark()
        session.client.text_document_did_save(
            lsp.DidSaveTextDocumentParams(lsp.TextDocumentIdentifier(app))
        )
        again = await session.publication(caller, version=1, after=mark)
        assert [d.code for d in again.diagnostics] == ["BSG201"]

        # the configuration changed on disk: read again, every open document republished
        (workspace / "pyproject.toml").write_text(
            PYPROJECT.replace('"0"', '"0,21"'), encoding="utf-8"
        )
        mark = session.mark()
        session.client.workspace_did_change_watched_files(
            lsp.DidChangeWatchedFilesParams(
                [lsp.FileEvent(session.uri("pyproject.toml"), lsp.FileChangeType.Changed)]
            )
        )
        assert list(await session.diagnostics(caller, after=mark)) == []
        assert [d.code for d in await session.diagnostics(app, after=mark)] == ["BSG101", "BSG104"]


WRAPPER = """\
from bsg_restapi import SMSAPI

client = SMSAPI(config={"api_key": "k"})


def notify(message):
    return client.send(message)
"""
WRAPPER_HANDLED = WRAPPER.replace(
    "    return client.send(message)\n",
    "    try:\n        return client.send(message)\n    except APIError:\n        return None\n",
).replace("import SMSAPI", "import APIError, SMSAPI")
VIEW = "from wrapper import notify\n\n\ndef view(request):\n    return notify(request)\n"


@pytest.mark.asyncio
async def test_an_edit_saved_in_a_wrapper_moves_the_callers_diagnostics(workspace: Path) -> None:
    """The error of wrapper.notify leaves the project in view.py (BSG101 there, naming where it
    comes from); once the wrapper, edited and saved, handles it, the caller's diagnostic goes,
    without the caller being edited."""
    (workspace / "wrapper.py").write_text(WRAPPER, encoding="utf-8")
    (workspace / "view.py").write_text(VIEW, encoding="utf-8")
    async with serve(workspace) as session:
        view = session.open("view.py")
        wrapper = session.open("wrapper.py")
        shown = await session.diagnostics(view, version=1)
        assert [(d.code, d.range.start.line) for d in shown] == [("BSG101", 4)]
        assert "from SMSAPI.send() (wrapper.py:7)" in shown[0].message
        assert list(await session.diagnostics(wrapper, version=1)) == []
        # the wrapper handles its error now (written to disk, then saved in the editor)
        (workspace / "wrapper.py").write_text(WRAPPER_HANDLED, encoding="utf-8")
        session.change(wrapper, WRAPPER_HANDLED)
        mark = session.mark()
        session.client.text_document_did_save(
            lsp.DidSaveTextDocumentParams(lsp.TextDocumentIdentifier(wrapper))
        )
        assert list(await session.diagnostics(view, after=mark)) == []


STATUS = """\
import bsg_api
from bsg_api.exceptions import ApiException

sms_api = bsg_api.CampaignSMSApi(bsg_api.ApiClient(bsg_api.Configuration()))


def send(request):
    try:
        return sms_api.sms_send(request)
    except ApiException as e:
        if e.status == 404:
            return None
        raise
"""


@pytest.mark.asyncio
async def test_http_status_fix_when_extend_select_enables_bsg204(workspace: Path) -> None:
    (workspace / "status.py").write_text(STATUS, encoding="utf-8")
    # off by default, as in flake8
    async with serve(workspace) as session:
        uri = session.open("status.py")
        assert list(await session.diagnostics(uri, version=1)) == []
    (workspace / ".flake8").write_text("[flake8]\nextend-select = BSG204\n", encoding="utf-8")
    async with serve(workspace) as session:
        uri = session.open("status.py")
        (shown,) = await session.diagnostics(uri, version=1)
        assert shown.code == "BSG204" and shown.range == at(10, 23, 10, 26)
        assert (
            shown.message
            == "HTTP status 404 compared as a bare number; use http.HTTPStatus.NOT_FOUND"
        )
        fix, fix_all, _noqa = await session.actions(uri, shown)
        assert fix.title == "Replace 404 with HTTPStatus.NOT_FOUND" and fix.is_preferred
        assert fix_all.title == "Fix all BSG204 in this file"
        fixed = apply(STATUS, fix.edit, uri, 1)
        compile(fixed, "status.py", "exec")
        assert fixed == STATUS.replace(
            "ApiException\n", "ApiException\nfrom http import HTTPStatus\n", 1
        ).replace("e.status == 404", "e.status == HTTPStatus.NOT_FOUND")
        assert apply(STATUS, fix_all.edit, uri, 1) == fixed
        session.change(uri, fixed)
        assert list(await session.diagnostics(uri, version=2)) == []


# ---- the edits themselves ----------------------------------------------------------------------

TEXTS = st.text(alphabet="ab \t#\r\n\u00e9\U0001f4f5", max_size=30)


@given(old=TEXTS, new=TEXTS)
def test_edits_turn_the_buffer_into_the_rewritten_text(old: str, new: str) -> None:
    # every edit the server sends is computed by this diff: applied by a client counting
    # UTF-16 code units, it must give exactly the new text, line breaks of all kinds included
    assert apply_edits(old, text_edits(old, new, "utf-16")) == new
    assert apply_edits(old, text_edits(old, new, "utf-32"), utf32=True) == new

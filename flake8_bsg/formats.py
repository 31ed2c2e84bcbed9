"""The output formats for CI: ``text``, ``json``, ``sarif``, ``github`` and ``gitlab``.

Shared by ``flake8-bsg check --output-format`` and the flake8 formatter plugins
(``flake8 --format=bsg-sarif``): both turn their findings into :class:`Report` values and
render them here. Importing this module is cheap; the rules' documentation (for SARIF) and
``json`` are imported when a document is rendered.
"""

from __future__ import annotations

from typing import Dict, List, NamedTuple, Optional, Sequence

from flake8_bsg.baseline import relative_path

FORMATS = ("text", "json", "sarif", "github", "gitlab")

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
#: The key of our fingerprint in SARIF's ``partialFingerprints``.
SARIF_FINGERPRINT = "flake8Bsg/v1"
#: Used when the package's metadata cannot be read (running from a source tree).
DEFAULT_HOMEPAGE = "https://pypi.org/project/flake8-bsg/"

#: Codes that mean "this file was not analysed" rather than a finding in it: BSG000, and
#: flake8's own E902 (the file cannot be read) and E999 (Python cannot parse it).
NOT_ANALYSED = ("BSG000", "E902", "E999")


class Report(NamedTuple):
    """One finding as every format shows it: ``path`` relative to the current directory with
    ``/``, 1-based ``line`` and ``column`` (as flake8 prints them), the code, the message as
    flake8 prints it after the column (it starts with the code) and the fingerprint."""

    path: str
    line: int
    column: int
    code: str
    message: str
    fingerprint: str

    @property
    def text(self) -> str:
        """The message without its leading code."""
        head, _, rest = self.message.partition(" ")
        return rest if head == self.code else self.message


def display_path(path: str) -> str:
    """A path as every format prints it: relative to the current directory, with ``/``."""
    import os

    return relative_path(path, os.getcwd())


def render(fmt: str, reports: Sequence[Report]) -> str:
    """The whole output in format ``fmt`` (one of :data:`FORMATS`), ending with a newline
    unless it is empty."""
    renderers = {
        "text": render_text,
        "json": render_json,
        "sarif": render_sarif,
        "github": render_github,
        "gitlab": render_gitlab,
    }
    return renderers[fmt](reports)


def render_text(reports: Sequence[Report]) -> str:
    return "".join(f"{r.path}:{r.line}:{r.column}: {r.message}\n" for r in reports)


def _dump(data: object) -> str:
    import json

    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def rule_name(code: str) -> Optional[str]:
    """The rule's name (``unhandled-call``) for a BSG code; ``None`` for other codes."""
    from flake8_bsg.rules import RULES

    rule = RULES.get(code)
    return rule.name if rule is not None else None


def render_json(reports: Sequence[Report]) -> str:
    return _dump(
        [
            {
                "path": r.path,
                "line": r.line,
                "column": r.column,
                "code": r.code,
                "rule": rule_name(r.code),
                "message": r.message,
                "fingerprint": r.fingerprint,
            }
            for r in reports
        ]
    )


# ---- GitHub workflow commands ----------------------------------------------------------------


def escape_data(text: str) -> str:
    """A workflow command's message, escaped as GitHub's runner reads it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: the message escapes plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(reports: Sequence[Report]) -> str:
    lines = []
    for r in reports:
        command = "error" if r.code in NOT_ANALYSED else "warning"
        properties = ",".join(
            f"{name}={escape_property(value)}"
            for name, value in (
                ("file", r.path),
                ("line", str(r.line)),
                ("col", str(r.column)),
                ("title", r.code),
            )
        )
        lines.append(f"::{command} {properties}::{escape_data(r.text)}\n")
    return "".join(lines)


# ---- GitLab Code Quality ---------------------------------------------------------------------


def gitlab_severity(code: str) -> str:
    """``info`` for a file that was not analysed, ``major`` for unhandled errors and reserved
    codes (BSG1xx, BSG301), ``minor`` for the value rules (BSG2xx) and other plugins' codes."""
    if code in NOT_ANALYSED:
        return "info"
    if code.startswith("BSG1") or code == "BSG301":
        return "major"
    return "minor"


def render_gitlab(reports: Sequence[Report]) -> str:
    return _dump(
        [
            {
                "description": r.message,
                "check_name": r.code,
                "fingerprint": r.fingerprint,
                "severity": gitlab_severity(r.code),
                "location": {"path": r.path, "lines": {"begin": r.line}},
            }
            for r in reports
        ]
    )


# ---- SARIF 2.1.0 -----------------------------------------------------------------------------


def homepage() -> str:
    """The project's URL (``[project.urls] Homepage``), from the installed package's metadata."""
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        urls = [str(url) for url in metadata("flake8-bsg").get_all("Project-URL") or []]
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        urls = []
    for entry in urls:
        label, _, url = entry.partition(",")
        if label.strip().lower() == "homepage" and url.strip():
            return url.strip()
    return DEFAULT_HOMEPAGE


def sarif_level(code: str) -> str:
    return "error" if code in NOT_ANALYSED else "warning"


def sarif_rules(extra_codes: Sequence[str]) -> List[Dict[str, object]]:
    """A rule descriptor per BSG rule (documented), then one per other code (id only)."""
    from flake8_bsg.rules import RULES

    rules: List[Dict[str, object]] = []
    for code, rule in RULES.items():
        rules.append(
            {
                "id": code,
                "name": rule.name,
                "shortDescription": {"text": rule.summary},
                "fullDescription": {"text": rule.what},
                "help": {"text": rule.explain()},
                "defaultConfiguration": {
                    "enabled": not rule.default_off,
                    "level": sarif_level(code),
                },
            }
        )
    rules += [{"id": code} for code in sorted(set(extra_codes) - set(RULES))]
    return rules


def render_sarif(reports: Sequence[Report]) -> str:
    import os
    from pathlib import Path
    from urllib.parse import quote

    from flake8_bsg import __version__

    rules = sarif_rules([r.code for r in reports])
    index = {str(rule["id"]): number for number, rule in enumerate(rules)}
    results = [
        {
            "ruleId": r.code,
            "ruleIndex": index[r.code],
            "level": sarif_level(r.code),
            "message": {"text": r.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {
                            "uri": quote(r.path, safe="/"),
                            "uriBaseId": "%SRCROOT%",
                        },
                        "region": {"startLine": r.line, "startColumn": r.column},
                    }
                }
            ],
            "partialFingerprints": {SARIF_FINGERPRINT: r.fingerprint},
        }
        for r in reports
    ]
    root = Path(os.getcwd()).as_uri().rstrip("/") + "/"
    run = {
        "tool": {
            "driver": {
                "name": "flake8-bsg",
                "version": __version__,
                "informationUri": homepage(),
                "rules": rules,
            }
        },
        "originalUriBaseIds": {"%SRCROOT%": {"uri": root}},
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    return _dump({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]})

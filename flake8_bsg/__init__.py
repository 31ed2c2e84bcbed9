"""flake8-bsg: a flake8 plugin for code that talks to the BSG messaging platform."""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    # looked up on first use: reading package metadata costs time at every flake8 start
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("flake8-bsg")
        except PackageNotFoundError:  # pragma: no cover - running from a source tree
            return "0.0.0"
    raise AttributeError(name)

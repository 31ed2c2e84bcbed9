"""The release: `python -m build` makes an sdist and a wheel (the wheel built from the sdist, as
for an upload); the wheel holds the package and nothing else, the sdist what the tests need, and
the wheel installed alone into a fresh virtual environment runs the README's first command.

The fresh environment gets its dependencies (flake8, LibCST) from the package index through
pip's own cache, so a second run is quick.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
import zipfile
from email.message import Message
from email.parser import Parser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "flake8_bsg"
BSG_LINE = re.compile(r"^fixtures/\S+\.py:\d+:\d+: BSG\d{3} ")


def run(cmd: list[str], cwd: Path = ROOT, env: dict[str, str] | None = None):
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def source_files(folder: Path) -> set[str]:
    """Files under ``folder`` as the repository has them: no caches, no hidden directories (the
    benchmarks' virtual environments, .hypothesis), paths relative to the root."""
    return {
        path.relative_to(ROOT).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and not is_generated(path.relative_to(ROOT).as_posix())
    }


def is_generated(name: str) -> bool:
    """A cache, or a file in a hidden directory other than .ci (a virtual environment,
    .hypothesis)."""
    *folders, file = name.split("/")
    return file.endswith((".pyc", ".pyo")) or any(
        (part.startswith(".") and part != ".ci") or part == "__pycache__" for part in folders
    )


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("dist")
    proc = run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)])
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")
    return {"wheel": wheel, "sdist": sdist}


@pytest.fixture(scope="module")
def metadata(dist: dict[str, Path]) -> Message:
    with zipfile.ZipFile(dist["wheel"]) as wheel:
        (name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
        return Parser().parsestr(wheel.read(name).decode("utf-8"))


def test_the_wheel_holds_the_package_with_py_typed_and_nothing_else(
    dist: dict[str, Path], metadata: Message
) -> None:
    with zipfile.ZipFile(dist["wheel"]) as wheel:
        names = set(wheel.namelist())
    package = {name for name in source_files(PACKAGE) if name.endswith(".py")}
    package.add("flake8_bsg/py.typed")
    assert package <= names, sorted(package - names)
    dist_info = f"flake8_bsg-{metadata['Version']}.dist-info/"
    others = sorted(name for name in names - package if not name.startswith(dist_info))
    assert not others, others
    assert f"{dist_info}entry_points.txt" in names


def test_the_sdist_holds_what_the_tests_need(dist: dict[str, Path], metadata: Message) -> None:
    top = f"flake8_bsg-{metadata['Version']}/"
    with tarfile.open(dist["sdist"]) as sdist:
        names = {m.name[len(top) :] for m in sdist.getmembers() if m.isfile()}
    needed = {
        "README.md",
        "PYPI.md",
        "CHANGELOG.md",
        "pyproject.toml",
        ".flake8",
        ".pre-commit-hooks.yaml",
    }
    needed |= {".ci/run", ".ci/matrix"}
    needed |= {path.name for path in ROOT.glob("LICEN[CS]E*")}
    for folder in ("flake8_bsg", "tests", "fixtures", "benchmarks"):
        needed |= source_files(ROOT / folder)
    assert needed <= names, sorted(needed - names)
    junk = sorted(name for name in names if is_generated(name))
    assert not junk, junk


def test_the_description_is_the_short_pypi_page(metadata: Message) -> None:
    """flake8 parses the whole metadata of every plugin at each start, description included:
    the README (70 KB) cost every run about 1 ms, 1.3% of a one-file run (counted by callgrind),
    where this page costs a few hundredths of that."""
    description = metadata.get_payload()
    assert isinstance(description, str)
    page = (ROOT / "PYPI.md").read_text(encoding="utf-8")
    assert description.strip() == page.strip()
    assert metadata["Description-Content-Type"] == "text/markdown"
    assert len(description.encode("utf-8")) < 4096


def test_metadata_names_the_pythons_the_matrix_tests(metadata: Message) -> None:
    """.ci/matrix's versions are the supported ones: the classifiers name exactly those and
    requires-python starts at the oldest."""
    matrix = re.search(r'^VERSIONS="([\d. ]+)"$', (ROOT / ".ci" / "matrix").read_text(), re.M)
    assert matrix, ".ci/matrix has no VERSIONS line"
    versions = matrix.group(1).split()
    prefix = "Programming Language :: Python :: 3."
    classified = [
        c.split(" :: ")[-1] for c in metadata.get_all("Classifier") if c.startswith(prefix)
    ]
    assert classified == versions
    assert metadata["Requires-Python"] == f">={versions[0]}"


def test_docs_name_the_version(metadata: Message) -> None:
    """The version is written once, in pyproject.toml; the README's pinned examples and the
    changelog follow it."""
    version = metadata["Version"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    pins = re.findall(r"flake8-bsg==([\w.]+)|rev: v([\w.]+)", readme)
    assert pins, "the README pins no version"
    assert {a or b for a, b in pins} == {version}
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## {re.escape(version)}\b", changelog, re.M), version


def test_the_wheel_alone_runs_the_readmes_first_command(
    dist: dict[str, Path], metadata: Message, tmp_path: Path
) -> None:
    env_dir = tmp_path / "env"
    proc = run([sys.executable, "-m", "venv", str(env_dir)])
    assert proc.returncode == 0, proc.stderr
    bin_dir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV") and not k.startswith("PIP_REQ")
    }
    env["PATH"] = os.pathsep.join([str(bin_dir), env.get("PATH", "")])
    python = str(bin_dir / "python")
    proc = run(
        [python, "-m", "pip", "install", "--disable-pip-version-check", str(dist["wheel"])],
        env=env,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]

    # the plugin and its command come from the environment, not from this checkout
    where = run([python, "-I", "-c", "import flake8_bsg; print(flake8_bsg.__file__)"], tmp_path)
    assert Path(where.stdout.strip()).is_relative_to(env_dir), where.stdout + where.stderr
    version = run([str(bin_dir / "flake8-bsg"), "--version"], env=env)
    assert version.stdout.strip() == f"flake8-bsg {metadata['Version']}", version

    # The README: `python -m pip install . && flake8 fixtures/`, from the repository's root.
    installed = run([str(bin_dir / "flake8"), "fixtures/"], env=env)
    assert installed.returncode == 1, installed.stdout[-3000:] + installed.stderr[-3000:]
    assert "Traceback" not in installed.stderr, installed.stderr
    bsg = sorted(line for line in installed.stdout.splitlines() if BSG_LINE.match(line))
    assert bsg, installed.stdout[-3000:]
    # and it reports exactly what the checkout does
    checkout = run([sys.executable, "-m", "flake8", "fixtures/"])
    assert bsg == sorted(line for line in checkout.stdout.splitlines() if BSG_LINE.match(line))

"""Lint and types are part of the suite, so CI checks them with the tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_lint_and_format() -> None:
    lint = _run("ruff", "check", ".")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    fmt = _run("ruff", "format", "--check", ".")
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


def test_mypy() -> None:
    result = _run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr


def _requirements() -> tuple[list[str], list[str]]:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return list(project["dependencies"]), list(project["optional-dependencies"]["test"])


def test_checking_tools_are_pinned_exactly() -> None:
    """A fresh install must check the code with the same ruff and mypy as the developer did."""
    _, test = _requirements()
    pins = {req.split("==")[0]: req.split("==")[1] for req in test if "==" in req}
    assert {"ruff", "mypy"} <= pins.keys(), f"ruff and mypy must be pinned with == in the test extra: {test}"
    hook = (ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    assert f"rev: v{pins['ruff']}" in hook, "pre-commit runs another ruff than the test extra pins"


def test_every_dependency_has_a_tested_upper_bound() -> None:
    """Runtime and test libraries may move within a tested range, never to an untried release line."""
    runtime, test = _requirements()
    unbounded = [req for req in runtime + test if "==" not in req and "<" not in req]
    assert not unbounded, f"requirements without an upper bound: {unbounded}"

"""docs/security.md stays honest: every test it names exists (a file, or a test in that file)."""

from __future__ import annotations

import ast
import re

from indicators.settings import REPO_ROOT

DOC = REPO_ROOT / "docs" / "security.md"
REFERENCE = re.compile(r"`(tests/test_[a-z0-9_]+\.py)(?:::([a-z0-9_]+))?`")


def _test_names(path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.name.startswith("test_")}


def test_every_test_the_threat_model_names_exists():
    references = REFERENCE.findall(DOC.read_text(encoding="utf-8"))
    assert len(references) >= 30  # the page really does point at its tests
    missing = []
    for file, name in references:
        path = REPO_ROOT / file
        if not path.is_file():
            missing.append(file)
        elif name and name not in _test_names(path):
            missing.append(f"{file}::{name}")
    assert not missing, f"docs/security.md names tests that do not exist: {missing}"


def test_the_secrets_and_accounts_files_are_ignored_by_git():
    ignored = (REPO_ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert ".streamlit/secrets.toml" in ignored and "data/accounts.json*" in ignored

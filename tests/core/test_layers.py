"""The import contracts in pyproject.toml ([tool.importlinter]), checked by import-linter:
maps/ never imports crm (nor Flask or the database), crm's layers import only downwards,
and no sibling modules import each other in a cycle."""

import shutil
import subprocess
import sys
from pathlib import Path

import importlinter  # noqa: F401 - in the test extra; a missing linter fails here, loudly

ROOT = Path(__file__).resolve().parents[2]
LINT = ("import sys; from importlinter.cli import lint_imports_command; "
        "sys.exit(lint_imports_command())")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    """`lint-imports` on the tree at cwd (its pyproject.toml, its crm/ and maps/)."""
    return subprocess.run([sys.executable, "-c", LINT, "--no-cache", "--no-logo"], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def copy_tree(tmp_path: Path) -> Path:
    for name in ("crm", "maps"):
        shutil.copytree(ROOT / name, tmp_path / name,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def test_the_contracts_hold():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 3 kept, 0 broken." in result.stdout, result.stdout


def test_a_map_module_importing_crm_breaks_the_build(tmp_path):
    """The check can fail: the same tree with maps/ reaching for crm.rules."""
    tree = copy_tree(tmp_path)
    geo = tree / "maps" / "geo.py"
    geo.write_text(geo.read_text() + "\nfrom crm import rules  # noqa: E402\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "maps is a library" in result.stdout and "BROKEN" in result.stdout
    assert "maps.geo -> crm.rules" in result.stdout, result.stdout


def test_a_service_importing_a_view_breaks_the_layers(tmp_path):
    tree = copy_tree(tmp_path)
    stats = tree / "crm" / "services" / "stats.py"
    stats.write_text(stats.read_text() + "\nfrom crm.projects import views  # noqa: E402\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "crm.services is not allowed to import crm.projects" in result.stdout, result.stdout

"""Import layering: the core (bot/) stays platform-neutral and only the composition root (app/) joins it to
the adapters, the judges and the benchmarks. Read from the source with `ast`, so an import inside a
function (the lazy kind the old composition root used) counts as much as one at the top."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# package -> the top-level packages its modules must never import
FORBIDDEN: dict[str, frozenset[str]] = {
    "bot": frozenset({"adapters", "scoring", "bench", "app"}),
    "adapters": frozenset({"app", "scoring", "bench"}),
    "scoring": frozenset({"app", "adapters"}),
    "bench": frozenset({"app", "adapters"}),
    "bank": frozenset({"app", "adapters"}),
}


def imported_packages(path: Path, root: Path) -> list[tuple[int, str]]:
    """(line, top-level package) for every import in the file; relative imports are resolved first."""
    module_parts = list(path.relative_to(root).with_suffix("").parts)
    package = module_parts[:-1]  # the package a relative import starts from, for x.py and __init__.py alike
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:
                found.append((node.lineno, node.module.split(".")[0]))
            elif node.level > 0:
                base = package[: len(package) - (node.level - 1)]
                target = [*base, *(node.module.split(".") if node.module else [])]
                if target:
                    found.append((node.lineno, target[0]))
    return found


def violations(root: Path, forbidden: dict[str, frozenset[str]] = FORBIDDEN) -> list[str]:
    out = []
    for package, banned in forbidden.items():
        for path in sorted((root / package).rglob("*.py")):
            for line, top in imported_packages(path, root):
                if top in banned:
                    out.append(f"{path.relative_to(root)}:{line} imports {top}")
    return out


def test_core_and_adapters_respect_the_layers() -> None:
    assert (ROOT / "bot" / "core.py").exists() and (ROOT / "app" / "cli.py").exists()
    assert violations(ROOT) == []


def test_the_command_and_the_packages_point_at_app() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'drillbot = "app.cli:main"' in pyproject and '"app*"' in pyproject
    assert "COPY app ./app" in (ROOT / "Dockerfile").read_text(encoding="utf-8")


@pytest.mark.parametrize("source, line, culprit", [
    ("import adapters.slack\n", 1, "adapters"),
    ("def lazy():\n    from scoring.pricing import PriceTable\n", 2, "scoring"),
    ("from bench import runner\n", 1, "bench"),
    ("from app.wiring import judge_from_settings\n", 1, "app"),
])
def test_the_check_catches_a_forbidden_import(tmp_path: Path, source: str, line: int, culprit: str) -> None:
    (tmp_path / "bot" / "services").mkdir(parents=True)
    (tmp_path / "bot" / "services" / "ok.py").write_text("from bot.config import Settings\nimport sqlalchemy\n")
    (tmp_path / "bot" / "services" / "bad.py").write_text(source)
    assert violations(tmp_path, {"bot": FORBIDDEN["bot"]}) == [f"bot/services/bad.py:{line} imports {culprit}"]


def test_relative_imports_are_resolved(tmp_path: Path) -> None:
    (tmp_path / "adapters" / "slack").mkdir(parents=True)
    (tmp_path / "adapters" / "slack" / "x.py").write_text("from ..discord import views\nfrom . import app\n")
    assert imported_packages(tmp_path / "adapters" / "slack" / "x.py", tmp_path) == [(1, "adapters"), (2, "adapters")]

"""The arrows of DESIGN.md point one way: ``api/`` below ``domain/`` below the rest, and
``app`` → ``selftest`` only. Read from the source (every import, also those inside
functions), so an import cycle cannot come back unnoticed."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "sdx_desktop"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every module ``path`` imports, top level or not, with relative imports resolved."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def modules_under(folder: str) -> dict[str, set[str]]:
    root = PACKAGE / folder
    files = [root.with_suffix(".py")] if root.with_suffix(".py").is_file() else []
    files += sorted(root.rglob("*.py")) if root.is_dir() else []
    assert files, folder
    return {module_name(path): imports_of(path) for path in files}


def own(imported: set[str]) -> set[str]:
    return {name for name in imported if name.split(".")[0] == "sdx_desktop"}


def outside(imported: set[str], allowed: tuple[str, ...]) -> set[str]:
    """The project modules in ``imported`` that are neither the package root (version,
    app name) nor under one of ``allowed``."""
    return {
        name
        for name in own(imported)
        if name not in ("sdx_desktop", "sdx_desktop.APP_NAME", "sdx_desktop.__version__")
        and not any(name == prefix or name.startswith(prefix + ".") for prefix in allowed)
    }


@pytest.mark.parametrize(
    ("folder", "allowed"),
    [
        # The key rule is an API fact: api/ owns it (api/keys.py), domain/ re-uses it.
        ("api", ("sdx_desktop.api",)),
        ("domain", ("sdx_desktop.api", "sdx_desktop.domain", "sdx_desktop.journal")),
    ],
)
def test_lower_layers_import_nothing_above_them(folder: str, allowed: tuple[str, ...]) -> None:
    wrong = {
        module: sorted(outside(imported, allowed))
        for module, imported in modules_under(folder).items()
        if outside(imported, allowed)
    }
    assert wrong == {}


@pytest.mark.parametrize("folder", ["api", "domain"])
def test_lower_layers_never_import_qt(folder: str) -> None:
    qt = {
        module: sorted(name for name in imported if name.split(".")[0] in ("PySide6", "qasync"))
        for module, imported in modules_under(folder).items()
    }
    assert {module: names for module, names in qt.items() if names} == {}


def test_the_self_test_is_handed_main_and_never_imports_the_app() -> None:
    back = {
        module: sorted(name for name in imported if name.startswith("sdx_desktop.app"))
        for module, imported in modules_under("selftest").items()
    }
    assert {module: names for module, names in back.items() if names} == {}
    assert "sdx_desktop.selftest" in own(imports_of(PACKAGE / "app.py"))


def test_domain_keys_is_the_api_rule_itself() -> None:
    from sdx_desktop.api import keys as api_keys
    from sdx_desktop.domain import keys as domain_keys

    for name in ("KeyRuleError", "check_key", "is_valid_key", "key_problem"):
        assert getattr(domain_keys, name) is getattr(api_keys, name)

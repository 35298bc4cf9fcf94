"""The house's layers, read from the source: pure rules import no framework, transport or glue; the
transport imports no glue; nothing below the entry points imports them. Every import counts, those
inside functions (loaded on first use) too."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "access_es"

# Pure rules and data: functions of their arguments, tested without a server.
PURE = {
    "access_es.access", "access_es.routing", "access_es.record", "access_es.browser", "access_es.proxy.request",
    "access_es.proxy.response", "access_es.server.shares", "access_es.server.limits", "access_es.es_endpoints",
    "access_es.kibana_routes", "access_es.accounts", "access_es.accounts.keys",
}
# What pure rules may use of ours besides each other: the named errors they raise.
PURE_MAY_USE = {"access_es.errors"}
FRAMEWORKS = ("flask", "flask_login", "flask_wtf", "werkzeug", "jinja2", "urllib3", "botocore", "boto3", "h11",
              "requests", "authlib", "joserfc", "zappa")
# The transport: signing and sending upstream.
TRANSPORT = {"access_es.signing", "access_es.iam_roles", "access_es.proxy.upstream", "access_es.proxy.answer_head",
             "access_es.proxy.product"}
# The glue that serves requests, and the entry points above it.
GLUE = {"access_es.auth", "access_es.proxy.views", "access_es.pages", "access_es.error_handlers",
        "access_es.lambda_adapter", "access_es.logs", "access_es.overflow.middleware"}
ENTRY_POINTS = {"access_es.server", "access_es.cli", "access_es.check", "access_es.demo", "access_es.wsgi"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _nodes(tree: ast.AST):
    """Every node, but those under `if TYPE_CHECKING:` (names for type hints, never imported)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            yield from (n for child in node.orelse for n in [child, *_nodes(child)])
            continue
        yield node
        yield from _nodes(node)


def imports_of(path: Path) -> set[str]:
    """Every module `path` imports, anywhere in it, as absolute names."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in _nodes(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            found.add(module)
            found |= {f"{module}.{a.name}" for a in node.names}  # `from . import auth` names a module
    return found


def within(imported: str, modules: set[str]) -> bool:
    return any(imported == m or imported.startswith(m + ".") for m in modules)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py") if "standin" not in p.parts}


def ours(imported: str) -> bool:
    return imported.startswith("access_es.") and within(imported, set(MODULES))


@pytest.mark.parametrize("name", sorted(PURE))
def test_pure_rules_import_no_framework_transport_or_glue(name):
    for imported in imports_of(MODULES[name]):
        assert imported.split(".")[0] not in FRAMEWORKS, (name, imported)
        assert not ours(imported) or within(imported, PURE | PURE_MAY_USE), (name, imported)


@pytest.mark.parametrize("name", sorted(TRANSPORT))
def test_the_transport_imports_no_glue_or_entry_point(name):
    for imported in imports_of(MODULES[name]):
        assert not within(imported, GLUE | ENTRY_POINTS), (name, imported)
        assert imported.split(".")[0] not in ("flask", "flask_login", "flask_wtf"), (name, imported)


@pytest.mark.parametrize("name", sorted(set(MODULES) - ENTRY_POINTS - {"access_es"}))
def test_nothing_below_the_entry_points_imports_them(name):
    if within(name, ENTRY_POINTS):
        return
    for imported in imports_of(MODULES[name]):
        assert not within(imported, ENTRY_POINTS), (name, imported)


def test_the_layers_name_modules_that_exist():
    for name in PURE | TRANSPORT | GLUE | ENTRY_POINTS:
        assert name in MODULES, name

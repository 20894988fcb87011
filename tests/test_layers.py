"""The import layers of docs/ARCHITECTURE.md ("Layers"), checked over every module of the package.

Every ``import`` is read with ``ast``, at module level and inside functions alike: an import hidden in a
function still ties the two modules together. Two rules:

* a *domain* module imports only its own app and the apps below it (``LAYERS``); *interface* modules
  (pages, URLs, admin, commands, template tags) may import any app, and any module may import another
  app's *schema* (``models.py`` and the vocabulary modules in ``SCHEMA_MODULES``);
* no import cycle between guichet modules at all.

The rules are data below, mirroring the "Layers" section of docs/ARCHITECTURE.md: change both together.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = "guichet"
ROOT = Path(__file__).resolve().parent.parent / PACKAGE

# Top to bottom. Apps on one line share a layer and do not import each other's domain modules.
LAYERS: list[set[str]] = [
    {"demo"},
    {"operations"},
    {"backoffice", "signin"},
    {"compliance"},
    {"retention"},
    {"exports"},
    {"api"},
    {"intake", "portal"},
    {"statistics"},
    {"mailroom"},
    {"accounts", "households"},
    {"citizens"},
    {"surveys"},
    {"tickets"},
    {"notifications"},
    {"places"},
    {"catalogue"},
    {"organisation"},
    {"lib"},
]
# Interface modules: the edges of an app, which may import any app. Forms (validation only) and guards (the
# access check every view starts with) belong to the pages they serve.
INTERFACE_NAMES = {
    "views",
    "urls",
    "admin",
    "context_processors",
    "templatetags",
    "webhooks",
    "management",
    "forms",
    "guards",
}
# Schema: foreign keys and vocabularies that any module may import.
SCHEMA_MODULES = {"models", "tickets.lifecycle", "tickets.exceptions"}
# Imports of guichet modules inside a function, each for a stated reason, never to dodge a cycle. The imports in
# an ``AppConfig.ready()`` need none: Django loads the models after the app configs.
FUNCTION_IMPORTS = {
    ("guichet.backoffice.views.intake", "guichet.intake.receipts"): "the PDF libraries load only when printing",
    ("guichet.api.rest.schema", "guichet.api.rest.serializers"): "drf-spectacular's extension hook, schema time only",
}


def _rank(app: str) -> int:
    for rank, apps in enumerate(LAYERS):
        if app in apps:
            return rank
    raise AssertionError(f"guichet.{app} is in no layer: add it to LAYERS and to docs/ARCHITECTURE.md")


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        if "migrations" in parts:
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imported(module: str, path: Path) -> Iterator[tuple[str, int]]:
    """The guichet modules this module imports, anywhere in it, with the line of each import."""
    return _imports_in(module, path, ast.parse(path.read_text(), filename=str(path)))


def _imports_in(module: str, path: Path, tree: ast.AST) -> Iterator[tuple[str, int]]:
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == PACKAGE:
                    yield _known(alias.name), node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            if base.split(".")[0] != PACKAGE:
                continue
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                yield (candidate if candidate in MODULES else _known(base)), node.lineno


def _function_level(module: str, path: Path) -> set[str]:
    """The guichet modules imported inside a function other than ``AppConfig.ready()``."""
    found = set()
    for function in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if function.name == "ready" and module.endswith(".apps"):
            continue
        body = ast.Module(body=function.body, type_ignores=[])
        found |= {target for target, _line in _imports_in(module, path, body)}
    return found


def _known(name: str) -> str:
    while name not in MODULES and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def _app(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and (ROOT / parts[1]).is_dir() else None


def _kind(module: str) -> str:
    parts = module.split(".")
    app = _app(module)
    if app is None:
        return "project"
    inside = parts[2:]
    if any(part in INTERFACE_NAMES or part.endswith("_forms") for part in inside):
        return "interface"
    if (inside and inside[-1] == "models") or ".".join(parts[1:]) in SCHEMA_MODULES:
        return "schema"
    return "domain"


def _layer(app: str) -> str:
    return " | ".join(sorted(LAYERS[_rank(app)]))


def _graph() -> dict[str, dict[str, int]]:
    graph: dict[str, dict[str, int]] = {}
    for module, path in MODULES.items():
        edges = graph.setdefault(module, {})
        for target, line in _imported(module, path):
            if target != module:
                edges.setdefault(target, line)
    return graph


GRAPH = _graph()


def layer_violations() -> list[str]:
    problems = []
    for module, edges in sorted(GRAPH.items()):
        app = _app(module)
        if app is None or _kind(module) != "domain":
            continue
        for target, line in sorted(edges.items()):
            target_app = _app(target)
            if target_app is None:
                problems.append(f"{module} (line {line}) imports {target}, the project's configuration")
                continue
            if target_app == app or _kind(target) == "schema":
                continue
            if _rank(target_app) <= _rank(app):
                problems.append(
                    f"{module} (line {line}, layer {_layer(app)}) imports {target} "
                    f"(layer {_layer(target_app)}, not below it)"
                )
    return problems


def import_knots() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan): modules that import each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in GRAPH.get(node, {}):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for module in sorted(GRAPH):
        if module not in index:
            visit(module)
    return components


def import_cycles() -> list[list[str]]:
    """One cycle through each knot of mutually importing modules."""
    return [_one_cycle(component) for component in import_knots()]


def _one_cycle(component: list[str]) -> list[str]:
    """A shortest path from the component's first module back to itself, for the message."""
    members = set(component)
    start = component[0]
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for target in sorted(GRAPH[node]):
            if target == start:
                return [*paths[node], start]
            if target in members and target not in paths:
                paths[target] = [*paths[node], target]
                queue.append(target)
    return component


def test_every_app_has_a_layer():
    apps = {_app(module) for module in MODULES} - {None}
    for app in apps:
        _rank(app)
    assert apps == set().union(*LAYERS), "LAYERS names an app that does not exist"


def test_domain_modules_import_only_their_app_and_the_apps_below():
    problems = layer_violations()
    assert not problems, "Imports against the layers of docs/ARCHITECTURE.md:\n" + "\n".join(problems)


def test_no_import_cycle_between_guichet_modules():
    knots = import_knots()
    assert not knots, "Import cycles (imports inside functions count):\n" + "\n".join(
        f"{' → '.join(_one_cycle(knot))}\n  (modules tied in this loop: {', '.join(knot)})" for knot in knots
    )


def test_imports_inside_functions_are_for_a_stated_reason():
    found = {
        (module, target)
        for module, path in MODULES.items()
        for target in _function_level(module, path)
        if target != module
    }
    unexplained = sorted(found - set(FUNCTION_IMPORTS))
    assert not unexplained, (
        "Imports inside a function need a reason in FUNCTION_IMPORTS (a heavy library...), never a cycle to dodge:\n"
        + "\n".join(f"{module} imports {target}" for module, target in unexplained)
    )
    assert set(FUNCTION_IMPORTS) <= found, "FUNCTION_IMPORTS lists an import that is no longer inside a function"


def test_the_checker_sees_imports_inside_functions(tmp_path):
    path = tmp_path / "example.py"
    path.write_text(
        "def f():\n"
        "    from guichet.tickets.services import ticket_create\n"
        "    from . import rendering\n"
        "    from .transports import email\n"
    )
    found = {target for target, _line in _imported("guichet.notifications.example", path)}
    assert found == {
        "guichet.tickets.services",
        "guichet.notifications.rendering",
        "guichet.notifications.transports.email",
    }


def test_the_checker_reports_a_domain_module_importing_upwards_and_a_cycle(monkeypatch):
    graph = {
        "guichet.notifications.delivery": {"guichet.tickets.services": 3},
        "guichet.tickets.services": {"guichet.notifications.delivery": 5},
    }
    monkeypatch.setitem(globals(), "GRAPH", graph)
    assert layer_violations() == [
        "guichet.notifications.delivery (line 3, layer notifications) imports guichet.tickets.services "
        "(layer tickets, not below it)"
    ]
    assert import_cycles() == [
        ["guichet.notifications.delivery", "guichet.tickets.services", "guichet.notifications.delivery"]
    ]


def test_module_kinds_follow_the_architecture_rules():
    assert _kind("guichet.backoffice.views.ticket") == "interface"
    assert _kind("guichet.notifications.management.commands.send_reminders") == "interface"
    assert _kind("guichet.tickets.models") == "schema"
    assert _kind("guichet.tickets.lifecycle") == "schema"
    assert _kind("guichet.tickets.services") == "domain"
    assert _kind("guichet.settings") == "project"

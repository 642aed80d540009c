"""The house's rooms hold: which part of the code may import what, Streamlit only in the glue, no
cache outside the glue's one cache (and the data room's reads), and no import circle anywhere.

Imports are read from the source (every `import`, at any depth, including those inside
functions), so a deferred import cannot hide a circle or a Streamlit dependency."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("app", "etl")

# What each part of app/ may import from the project (besides itself, etl.registry, etl.tidy and
# etl.currency, which hold the shared ids, the tidy schema and the period rule). The docstring of
# each subpackage says the same in words.
MAY_IMPORT: dict[str, set[str]] = {
    "app.data": set(),
    "app.charts": set(),
    "app.views": {"app.charts", "app.data", "etl.ct_ocme", "etl.vintages"},
    "app.export": {"app.charts"},
    "app.presenting": {"app.charts", "app.data", "app.views", "app.export"},
    "app.glue": {"app.charts", "app.data", "app.views", "app.export", "app.presenting"},
}
SHARED = {"etl.registry", "etl.tidy", "etl.currency"}
STREAMLIT_ALLOWED = ("dashboard.py", "pages/", "app/glue/")
CACHE_DECORATORS = {"cache_data", "cache_resource", "lru_cache", "cache"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    return {module_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}


def imported(path: Path, modules: dict[str, Path]) -> set[str]:
    """Project modules `path` imports (a name imported from a package counts as its submodule
    when there is one), at any depth of the file."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([node.module] if node.module else []))
            submodules = {f"{base}.{a.name}" for a in node.names} & set(modules)
            found.update(submodules)
            if len(submodules) < len(node.names):  # a name defined in `base` itself
                found.add(base)
    return {m for m in found if m in modules and m != name}


def external_imports(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            out.add(node.module.split(".")[0])
    return out


def room(module: str) -> str | None:
    return next((r for r in MAY_IMPORT if module == r or module.startswith(r + ".")), None)


def test_no_import_circle_anywhere():
    modules = project_modules()
    graph = {m: imported(p, modules) for m, p in modules.items()}
    circles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for dependency in sorted(graph[module]):
            if state.get(dependency) == 1:
                circles.append(path[path.index(dependency):] + [dependency])
            elif dependency not in state:
                visit(dependency, path + [dependency])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not circles, "import circles: " + "; ".join(" -> ".join(c) for c in circles)


def test_each_part_of_app_imports_only_what_its_room_allows():
    modules = project_modules()
    wrong = []
    for module, path in sorted(modules.items()):
        own = room(module)
        if own is None:
            continue
        for dependency in imported(path, modules):
            if dependency in SHARED or room(dependency) == own:
                continue
            allowed = MAY_IMPORT[own]
            if not any(dependency == a or dependency.startswith(a + ".") for a in allowed):
                wrong.append(f"{module} imports {dependency}")
    assert not wrong, "\n".join(wrong)


def test_streamlit_is_imported_only_by_the_entry_point_the_pages_and_the_glue():
    files = [ROOT / "dashboard.py", *ROOT.glob("pages/*.py"), *ROOT.glob("app/**/*.py"),
             *ROOT.glob("etl/**/*.py")]
    wrong = [p.relative_to(ROOT).as_posix() for p in files
             if "streamlit" in external_imports(p)
             and not p.relative_to(ROOT).as_posix().startswith(STREAMLIT_ALLOWED)]
    assert not wrong, f"Streamlit imported outside dashboard.py, pages/ and app/glue/: {wrong}"


@pytest.mark.parametrize("part", ["app/charts", "app/views", "app/presenting", "app/export"])
def test_pure_parts_do_not_cache_themselves(part):
    """Results are cached in one place (app.glue.cache): a pure module that memoised its own
    results would keep a second copy with its own bounds and its own idea of a data version."""
    found = []
    for path in sorted((ROOT / part).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for decorator in node.decorator_list:
                    target = decorator.func if isinstance(decorator, ast.Call) else decorator
                    name = target.attr if isinstance(target, ast.Attribute) else \
                        getattr(target, "id", "")
                    if name in CACHE_DECORATORS:
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno} @{name}")
    assert not found, found


def test_every_subpackage_says_what_it_holds_and_may_import():
    for package in sorted((ROOT / "app").glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(package.read_text(encoding="utf-8"))) or ""
        assert "May import" in doc or "only part of app/ that imports Streamlit" in doc, \
            f"{package.relative_to(ROOT)}: the docstring says what the subpackage may import"


def test_tests_mirror_the_tree():
    """Every module of app/ has its tests where the tree says: tests/app/<part>/test_<module>.py
    (glue modules drawn only through pages are covered by tests/pages instead)."""
    covered_by_pages = {"app/glue/navigation.py"}
    missing = []
    for path in sorted((ROOT / "app").glob("*/*.py")):
        if path.name == "__init__.py" or path.relative_to(ROOT).as_posix() in covered_by_pages:
            continue
        expected = ROOT / "tests" / "app" / path.parent.name / f"test_{path.name}"
        if not expected.is_file():
            missing.append(expected.relative_to(ROOT).as_posix())
    assert not missing, f"no tests at {missing}"

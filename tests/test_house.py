"""The shape of the house (issue 18): imports run one way, one place for each thing.

Each test reads the source (no import of the package's heavy modules), so each fails on the
first module that breaks its rule and names it.
"""

from __future__ import annotations

import ast
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "scaleuq"


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _imports(name: str, path: Path, *, type_checking: bool = True) -> Iterator[tuple[str, int]]:
    """(imported scaleuq module, line) for every import in ``path``, at any depth; with
    ``type_checking=False`` the ``if TYPE_CHECKING:`` blocks are left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    skip: set[int] = set()
    if not type_checking:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                skip.update(id(n) for child in node.body for n in ast.walk(child))
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("scaleuq"):
                continue
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                yield (candidate if candidate in MODULES else target), node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("scaleuq"):
                    yield alias.name, node.lineno


def _graph(level: str) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        for target, _ in _imports(name, path):
            if target not in MODULES:
                continue
            a, b = name, target
            if level == "package":
                a, b = (x.split(".")[1] if x.count(".") else "scaleuq" for x in (a, b))
                if a == "scaleuq":  # the public API table names everything, lazily
                    continue
            if a != b:
                graph.setdefault(a, set()).add(b)
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` (iterative depth-first search), or None."""
    state: dict[str, int] = {}
    for start in graph:
        if state.get(start):
            continue
        stack = [(start, iter(sorted(graph.get(start, ()))))]
        path = [start]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
                path.pop()
            elif state.get(child) == 1:
                return [*path[path.index(child) :], child]
            elif not state.get(child):
                state[child] = 1
                path.append(child)
                stack.append((child, iter(sorted(graph.get(child, ())))))
    return None


@pytest.mark.parametrize("level", ["module", "package"])
def test_imports_have_no_cycle(level: str) -> None:
    cycle = _cycle(_graph(level))
    assert cycle is None, f"import cycle of {level}s: {' -> '.join(cycle or [])}"


#: What report/ may import at run time from the computation: the model registry (the fitted
#: densities and their plot styles are what a figure draws).
REPORT_RUNTIME_ALLOWED = {"scaleuq.stats.models"}
COMPUTATION = ("analysis", "decorrelation", "io", "pdf", "pull", "reweight", "series", "stats",
               "workflows")  # fmt: skip


def test_report_only_renders() -> None:
    """report/ renders and draws results it is given: it imports the computation only for
    type annotations, and defines no workflow (those live in scaleuq/workflows/)."""
    bad = []
    for name, path in MODULES.items():
        if not name.startswith("scaleuq.report"):
            continue
        for target, line in _imports(name, path, type_checking=False):
            top = target.split(".")[1] if target.count(".") else ""
            if top in COMPUTATION and target not in REPORT_RUNTIME_ALLOWED:
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    assert not bad, "\n".join(bad)


def test_every_exception_lives_in_errors() -> None:
    bad = []
    for name, path in MODULES.items():
        if name == "scaleuq.errors":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ClassDef) or node.name.startswith("_"):
                continue
            bases = {ast.unparse(b).rsplit(".", 1)[-1] for b in node.bases}
            if any(b.endswith(("Error", "Exception")) for b in bases):
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno} class {node.name}")
    assert not bad, "exception classes outside scaleuq/errors.py:\n" + "\n".join(bad)


def test_every_exception_is_public() -> None:
    import scaleuq
    import scaleuq.errors as errors

    classes = {
        n for n, v in vars(errors).items() if isinstance(v, type) and issubclass(v, Exception)
    }
    assert classes <= set(scaleuq.__all__), classes - set(scaleuq.__all__)


#: The options several commands share: each is declared once, in scaleuq/cli/options.py.
SHARED_OPTIONS = ("--seed", "--jobs", "--scheduler", "--bootstrap", "--format", "--output",
                  "--output-dir", "--convention", "--include-pdf", "--n-mode",
                  "--reference-select", "--gof", "--threshold")  # fmt: skip


def _declared_options() -> dict[str, list[str]]:
    """option spelling -> ``file:line`` of every ``click.option(...)`` in scaleuq/cli/."""
    places: dict[str, list[str]] = {}
    for path in sorted((PACKAGE / "cli").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("click.option"):
                for arg in node.args:
                    if isinstance(arg, ast.Constant) and str(arg.value).startswith("-"):
                        places.setdefault(arg.value, []).append(f"{path.name}:{node.lineno}")
    return places


@pytest.mark.parametrize("option", SHARED_OPTIONS)
def test_shared_option_declared_once(option: str) -> None:
    places = _declared_options().get(option, [])
    assert len(places) == 1 and places[0].startswith("options.py:"), places


def test_one_module_inflates_gzip() -> None:
    """Decompression (isal/zlib, multi-member gzip, the gzip magic) lives in one module;
    everyone else reads through it (writers that compress are not readers)."""
    pattern = re.compile(r"decompressobj|isal_zlib|\bigzip\b|gzip\.open|GzipFile|\\x1f\\x8b")
    users = sorted(
        str(path.relative_to(ROOT))
        for path in PACKAGE.rglob("*.py")
        if pattern.search(_code_text(path))
    )
    assert len(users) == 1, users


def _code_text(path: Path) -> str:
    """The source of ``path`` without docstrings and comments (what runs, not what is said)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        value = first.value if isinstance(first, ast.Expr) else None
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            body[0] = ast.Pass()
    return ast.unparse(tree)


def test_lhapdf_grids_parsed_only_in_pdf() -> None:
    """The LHAPDF grid format (its ``lhagrid1`` header, the ``AlphaS_Qs`` table of ``.info``
    files) and the search of Pythia's ``pdfdata`` folder live in scaleuq/pdf/ alone."""
    pattern = re.compile(r"lhagrid1|pdfdata|AlphaS_Qs")
    bad = [
        str(path.relative_to(ROOT))
        for path in PACKAGE.rglob("*.py")
        if path.relative_to(PACKAGE).parts[0] != "pdf" and pattern.search(_code_text(path))
    ]
    assert not bad, bad


def test_repository_tracks_no_binary_package_and_has_a_licence() -> None:
    git = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=False)
    if git.returncode != 0:
        pytest.skip("not a git checkout")
    files = git.stdout.splitlines()
    binaries = [f for f in files if f.endswith((".whl", ".so", ".egg", ".tar.gz", ".zip", ".pyc"))]
    assert not binaries, binaries
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "BSD 3-Clause" in licence
    assert 'license = "BSD-3-Clause"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert "*.whl" in (ROOT / ".gitignore").read_text(encoding="utf-8").split()


def test_ci_runs_ruff_before_the_tests() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "ruff check" in script
    assert script.index("ruff check") < script.index("pytest")


def test_no_module_imports_another_modules_private_names() -> None:
    """Modules use each other's public functions; a private helper stays in its module."""
    bad = []
    for path in MODULES.values():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (
                node.level or (node.module or "").startswith("scaleuq")
            ):
                private = [
                    a.name
                    for a in node.names
                    if a.name.startswith("_") and not a.name.startswith("__")
                ]
                if private:
                    bad.append(
                        f"{path.relative_to(ROOT)}:{node.lineno} imports {', '.join(private)}"
                    )
    assert not bad, "\n".join(bad)


def test_cli_calls_the_library_plainly() -> None:
    """The CLI names what it calls: no aliased imports of scaleuq functions and no ``**options``
    dicts passed on to the library."""
    bad = []
    for path in sorted((PACKAGE / "cli").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("scaleuq"):
                bad += [f"{path.name}:{node.lineno} imports {a.name} as {a.asname}"
                        for a in node.names if a.asname and a.asname != a.name]  # fmt: skip
            if isinstance(node, ast.Call) and any(k.arg is None for k in node.keywords):
                callee = ast.unparse(node.func)
                if callee not in {"func", "meta", "PullOptions"}:  # provenance, the option record
                    bad.append(f"{path.name}:{node.lineno} passes **kwargs to {callee}")
    assert not bad, "\n".join(bad)

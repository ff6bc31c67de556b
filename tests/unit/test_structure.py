"""The code's structure holds: the raw zone has one owner, imports form no circle, pure and
standard-library modules stay so, and no runtime module grows past its one job."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
PACKAGES = {
    "spotify_etl": ROOT / "dags" / "spotify_etl",
    "spotify_transform": ROOT / "lambda" / "spotify_transform",
}
RAWZONE = PACKAGES["spotify_transform"] / "rawzone"
# Text that spells a zone path: only the raw zone's layout module may hold it.
PATH_SPELLINGS = (
    "_manifest.json", "_swap.json", "_cursor.json", "part-00000", "snapshot_date=", "played_date=",
    "extracted_date=", "playlist_id=", "items-", "/spotify/", "_staging", "_reports",
    ".staging-", "shard=", "period=",
)  # fmt: skip


def _modules() -> dict[str, Path]:
    out = {}
    for name, root in PACKAGES.items():
        for path in root.rglob("*.py"):
            parts = path.relative_to(root).with_suffix("").parts
            dotted = ".".join((name, *parts)).removesuffix(".__init__")
            out[dotted] = path
    return out


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules a module imports (anywhere in it, functions included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return {m for m in found if m in modules}


def test_no_module_outside_the_raw_zone_spells_a_zone_path() -> None:
    # GIVEN every runtime module and the DAG files
    offenders = []
    files = [*(ROOT / "dags").glob("*.py"), *_modules().values()]
    for path in files:
        if path.parent == RAWZONE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
                is_doc = "\n" in text  # docstrings may describe the layout
                offenders += [
                    f"{path.relative_to(ROOT)}:{node.lineno}: {s!r}"
                    for s in PATH_SPELLINGS
                    if s in text and not is_doc
                ]
    # THEN none spells one: the layout module builds every path
    assert offenders == []


def test_only_the_raw_zone_reads_a_manifest() -> None:
    # GIVEN the modules that locate a manifest or cursor file (every read starts there)
    readers = set()
    for name, path in _modules().items():
        text = path.read_text(encoding="utf-8")
        if any(k in text for k in ("manifest_file(", "cursor_file(", "MANIFEST", ".CURSOR")):
            readers.add(name)
    # THEN they are all in the raw zone's package
    assert {r for r in readers if not r.startswith("spotify_transform.rawzone.")} == set()


def test_the_import_graph_has_no_circle() -> None:
    # GIVEN every import between the project's modules (those inside functions too)
    modules = _modules()
    graph = {m: _imports(p, modules) - {m} for m, p in modules.items()}
    circles: list[list[str]] = []

    def visit(node: str, stack: list[str], done: set[str]) -> None:
        if node in stack:
            circles.append([*stack[stack.index(node) :], node])
            return
        if node in done:
            return
        for nxt in sorted(graph[node]):
            visit(nxt, [*stack, node], done)
        done.add(node)

    done: set[str] = set()
    for module in sorted(graph):
        visit(module, [], done)
    # THEN no module depends, even through others, on itself
    assert circles == []


@pytest.mark.parametrize(
    "module",
    [
        "spotify_transform.uris",
        "spotify_transform.tables",
        "spotify_transform.rawzone.layout",
        "spotify_transform.rawzone.manifest",
        "spotify_transform.rawzone.commit",
        "spotify_transform.storage",
        "spotify_etl.assets",
        "spotify_etl.stack",
    ],
)
def test_standard_library_modules_import_nothing_else(module: str) -> None:
    # WHEN the module is imported alone in a fresh interpreter
    code = (
        f"import sys, {module}; "
        "third = sorted({m.split('.')[0] for m in sys.modules} - set(sys.stdlib_module_names) "
        "- {'spotify_transform', 'spotify_etl', '__main__', '_distutils_hack'}); print(third)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # THEN it brought no third-party package with it
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "module",
    ["spotify_etl.pipeline.snapshot", "spotify_etl.pipeline.history", "spotify_etl.extract.budget"],
)
def test_the_transform_and_import_paths_load_no_http_client(module: str) -> None:
    # WHEN a module that `spotify-pipeline transform` or `import` loads is imported alone
    code = f"import sys, {module}; print(sorted({{'spotipy', 'requests'}} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # THEN the Web API's client stays unloaded (spotipy and requests cost 0.2 s to import)
    assert out.stdout.strip() == "[]"


def test_pure_modules_do_no_io() -> None:
    # GIVEN the modules documented as pure (values in, values out)
    pure = [
        "spotify_transform.tables", "spotify_transform.uris", "spotify_transform.rawzone.manifest",
        "spotify_transform.schemas", "spotify_transform.normalize.parsing",
        "spotify_transform.normalize.playlists", "spotify_transform.normalize.entries",
        "spotify_transform.normalize.dimensions", "spotify_transform.normalize.plays",
        "spotify_transform.normalize.library",
        "spotify_transform.normalize.export", "spotify_transform.normalize.streams",
        "spotify_transform.rawzone.export",
        "spotify_etl.extract.listing", "spotify_etl.extract.probe", "spotify_etl.report.cost",
        "spotify_etl.report.changes", "spotify_etl.report.labels", "spotify_etl.report.charts",
        "spotify_etl.spotify.responses",
    ]  # fmt: skip
    modules = _modules()
    io_names = {"boto3", "requests", "spotipy", "duckdb", "pathlib", "shutil", "open", "urllib3"}
    for name in pure:
        tree = ast.parse(modules[name].read_text(encoding="utf-8"))
        used = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                used |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                used.add(node.module.split(".")[0])
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                used.add(node.func.id)
        # THEN none imports an I/O library or opens a file
        assert not used & io_names, (name, sorted(used & io_names))


def test_no_runtime_module_is_over_400_lines() -> None:
    sizes = {
        str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines())
        for p in _modules().values()
    }
    assert {p: n for p, n in sizes.items() if n > 400} == {}

"""The import graph of the package runs one way: no module imports one that imports it back (directly or through
others), and no stage imports a later stage (docs/design.md, "imports run one way"). Read from the source, every
``import minerestore…`` / ``from minerestore… import`` line, those inside functions included."""

import ast
from pathlib import Path

from conftest import REPO

PACKAGE = REPO / "src" / "minerestore"
#: The stages in the order data flows through them; modules outside a stage package are shared (rank 0). On top:
#: config (the Snakefile's entry: checks and the accessor, it reads every registry) and the synthetic study areas
#: (a generator of test regions, which labels its truth with the studies' rules, e.g. the InSAR classes); above
#: them the command line (cli, __main__), which writes and checks configs.
STAGE_ORDER = ["raster", "sources", "composite", "mask", "identify", "landuse", "restoration", "ecology", "drivers",
               "report"]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            found = []
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("minerestore"):
                found = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                found = [a.name for a in node.names if a.name.startswith("minerestore")]
            targets |= {f for f in found if f in modules and f != name}
        graph[name] = targets
    return graph


def rank(module: str) -> int:
    parts = module.split(".")
    if parts[1:2] in (["cli"], ["__main__"]):
        return len(STAGE_ORDER) + 2
    if parts[1:2] == ["config"] or parts[1:3] == ["sources", "synthetic"]:
        return len(STAGE_ORDER) + 1
    return STAGE_ORDER.index(parts[1]) + 1 if len(parts) > 2 and parts[1] in STAGE_ORDER else 0


def test_no_import_cycle():
    graph = imports()
    state: dict[str, int] = {}
    cycles = []

    def visit(node, path):
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(path[path.index(nxt):] + [nxt] if nxt in path else [node, nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_no_stage_imports_a_later_stage():
    upward = [f"{a} -> {b}" for a, targets in imports().items() for b in targets
              if rank(b) > rank(a) and not (a.split(".")[1] == b.split(".")[1])]
    assert upward == []


def test_the_graph_is_read():
    graph = imports()
    assert "minerestore.sources.contract" in graph["minerestore.config"]
    assert "minerestore.numeric" in graph["minerestore.restoration.trend"]


def test_every_script_runs_its_main_through_scripting_run():
    """A job's log must end with its error (minerestore.scripting.run): a script that calls main(snakemake) itself
    leaves only its peak memory in the log that Snakemake points to."""
    scripts = sorted((Path(__file__).resolve().parents[1] / "scripts").glob("*.py"))
    bare = [p.name for p in scripts if "run(main, snakemake)" not in p.read_text()]
    assert scripts and not bare, f"scripts calling main directly: {bare}"

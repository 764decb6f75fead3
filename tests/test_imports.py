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


#: What `make run` does not install (the dl extra): the default run must not need them.
DEEP_LEARNING = ("torch", "segmentation_models_pytorch", "timm", "torchvision")
_BLOCKED_RUN = """
import importlib.abc, runpy, sys
class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {blocked!r}:
            raise ImportError(f"{{name}} is not installed by make run")
sys.meta_path.insert(0, Blocker())
for script in sys.argv[1:]:
    runpy.run_path(script, run_name="imported")
"""


def test_the_default_runs_scripts_import_without_the_deep_learning_packages():
    """`make run` installs the package without the dl extra (PyTorch is 5 GB): every script of a rule the default
    config runs must import with torch and segmentation-models-pytorch absent (imported at their module level, a
    script would fail on a fresh clone's `make run`)."""
    import re
    import subprocess
    import sys

    from conftest import snakemake

    dry = snakemake("-n", "--forceall", "--quiet", "rules")
    assert dry.returncode == 0, dry.stderr[-2000:]
    rules = set(re.findall(r"^(\w+)\s+\d+$", dry.stdout, flags=re.M)) - {"total", "all"}
    scripts = {}
    for smk in (REPO / "workflow" / "rules").glob("*.smk"):
        for name, body in re.findall(r"^(?:rule|checkpoint) (\w+):\n((?:[ \t]+.*\n|\n)*)", smk.read_text(), re.M):
            script = re.search(r'script:\s*\n\s*"([^"]+)"', body)
            if script:
                scripts[name] = (smk.parent / script.group(1)).resolve()
    assert rules and rules <= set(scripts), sorted(rules - set(scripts))
    code = _BLOCKED_RUN.format(blocked=DEEP_LEARNING)
    proc = subprocess.run([sys.executable, "-c", code, *map(str, sorted({scripts[r] for r in rules}))],
                          capture_output=True, text=True, cwd=REPO, env={"PYTHONPATH": str(REPO / "src")})
    assert proc.returncode == 0, proc.stderr[-3000:]

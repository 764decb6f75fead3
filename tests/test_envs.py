"""Every third-party module a rule's script imports (directly or through the minerestore modules it uses) is
declared in that rule's conda environment and in pyproject.toml."""

import ast
import re
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from conftest import REPO

# import name -> (conda package, PyPI package)
PACKAGES = {
    "numpy": ("numpy", "numpy"), "scipy": ("scipy", "scipy"), "pandas": ("pandas", "pandas"),
    "rasterio": ("rasterio", "rasterio"), "geopandas": ("geopandas", "geopandas"), "shapely": ("shapely", "shapely"),
    "pyproj": ("pyproj", "pyproj"), "yaml": ("pyyaml", "pyyaml"), "skimage": ("scikit-image", "scikit-image"),
    "sklearn": ("scikit-learn", "scikit-learn"), "pymannkendall": ("pymannkendall", "pymannkendall"),
    "exactextract": ("exactextract", "exactextract"), "matplotlib": ("matplotlib-base", "matplotlib"),
    "mpl_toolkits": ("matplotlib-base", "matplotlib"),  # the scale bar of the maps: shipped with matplotlib
    "seaborn": ("seaborn-base", "seaborn"), "statsmodels": ("statsmodels", "statsmodels"),
    "affine": ("rasterio", "rasterio"), "joblib": ("scikit-learn", "scikit-learn"), "dask": ("dask", "dask"),
    "pyarrow": ("pyarrow", "pyarrow"), "rioxarray": ("rioxarray", "rioxarray"), "jsonschema": ("jsonschema", "jsonschema"),
    "xarray": ("xarray", "xarray"), "pystac_client": ("pystac-client", "pystac-client"),
    "odc": ("odc-stac", "odc-stac"), "planetary_computer": ("planetary-computer", "planetary-computer"),
    "urllib3": ("pystac-client", "pystac-client"), "pyogrio": ("pyogrio", "pyogrio"),
    "h5py": ("h5py", "h5py"), "torch": ("pytorch", "torch"),
    "segmentation_models_pytorch": ("segmentation-models-pytorch", "segmentation-models-pytorch"),
    "spyndex": ("spyndex", "spyndex"), "s2cloudless": ("s2cloudless", "s2cloudless"), "bokeh": ("bokeh", "bokeh"),
}


def imports(path: Path) -> set[str]:
    """Top-level module names imported by a file, at module level or inside functions."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            # "from minerestore import stac" imports the submodule minerestore.stac
            out |= {f"{node.module}.{a.name}" for a in node.names if node.module.startswith("minerestore")}
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            base = path.parent
            for _ in range(node.level - 1):
                base = base.parent
            package = ".".join(base.relative_to(REPO / "src").parts)
            module = f"{package}.{node.module}" if node.module else package
            out.add(module)
            out |= {f"{module}.{a.name}" for a in node.names}
    return out


def module_file(name: str) -> Path | None:
    parts = name.split(".")
    candidates = [REPO / "src" / Path(*parts).with_suffix(".py"), REPO / "src" / Path(*parts) / "__init__.py"]
    return next((c for c in candidates if c.exists()), None)


def third_party(script: Path) -> set[str]:
    seen, todo, found = set(), [script], set()
    while todo:
        path = todo.pop()
        for name in imports(path):
            top = name.split(".")[0]
            if top == "minerestore":
                parts = name.split(".")
                for i in range(1, len(parts) + 1):  # the package and each submodule on the way
                    f = module_file(".".join(parts[:i]))
                    if f and f not in seen:
                        seen.add(f)
                        todo.append(f)
            elif top not in sys.stdlib_module_names and top != "snakemake":
                found.add(top)
    return found


def rules():
    for smk in sorted((REPO / "workflow" / "rules").glob("*.smk")):
        for body in re.split(r"\nrule ", smk.read_text())[1:]:
            name = body.split(":")[0]
            conda = re.search(r'conda:\s*\n\s*"([^"]+)"', body)
            script = re.search(r'script:\s*\n\s*"([^"]+)"', body)
            if script:
                yield name, (smk.parent / conda.group(1)).resolve(), (smk.parent / script.group(1)).resolve()


def conda_packages(env: Path) -> set[str]:
    deps = yaml.safe_load(env.read_text())["dependencies"]
    return {re.split(r"[=<>\s]", d)[0] for d in deps if isinstance(d, str)}


RULES = list(rules())


def test_rules_found():
    assert len(RULES) >= 20


@pytest.mark.parametrize("rule,env,script", RULES, ids=[r[0] for r in RULES])
def test_imports_are_declared(rule, env, script):
    modules = third_party(script)
    unknown = modules - set(PACKAGES)
    assert not unknown, f"rule {rule}: add {sorted(unknown)} to PACKAGES in this test and to the environments"
    declared = conda_packages(env)
    missing = sorted({PACKAGES[m][0] for m in modules} - declared)
    assert not missing, f"rule {rule}: {env.name} lacks {missing} (imported by {script.name})"
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    extra = project["optional-dependencies"]["dl"] if env.name == "dl.yaml" else []  # networks: an extra
    pypi = {re.split(r"[\[=<>~!\s]", d)[0] for d in [*project["dependencies"], *extra]}
    missing_pypi = sorted({PACKAGES[m][1] for m in modules} - pypi)
    assert not missing_pypi, f"rule {rule}: pyproject.toml lacks {missing_pypi}"

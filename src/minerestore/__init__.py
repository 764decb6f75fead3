"""minerestore: open-pit mines along rivers, their restoration and the ecological quality around them.

The science lives in this package (no Snakemake imports, no config or path handling);
``scripts/`` do the I/O for the Snakemake rules in ``workflow/rules``. The exception is the ``minerestore``
command (``cli/``), which writes a study area's config and checks it with the workflow.
"""

__version__ = "0.1.0"


def install_command(extra: str) -> str:
    """The pip command that installs an optional extra of this package (``earthengine``, ``dl``, ``slurm``) into the
    running interpreter's environment, from the checkout it is imported from (``pip install -e '<checkout>[extra]'``;
    minerestore is not on a package index, so ``pip install 'minerestore[extra]'`` finds nothing), or naming the
    installed distribution when it was not installed from a checkout."""
    import sys
    from pathlib import Path

    checkout = Path(__file__).resolve().parents[2]
    target = f"{checkout}[{extra}]" if (checkout / "pyproject.toml").is_file() else f"minerestore[{extra}]"
    return f"{sys.executable} -m pip install -e '{target}'"

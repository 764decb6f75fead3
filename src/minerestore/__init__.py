"""minerestore: open-pit mines along rivers, their restoration and the ecological quality around them.

The science lives in this package (no Snakemake imports, no config or path handling);
``scripts/`` do the I/O for the Snakemake rules in ``workflow/rules``.
"""

__version__ = "0.1.0"

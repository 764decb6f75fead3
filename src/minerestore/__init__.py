"""minerestore: open-pit mines along rivers, their restoration and the ecological quality around them.

The science lives in this package (no Snakemake imports, no config or path handling);
``scripts/`` do the I/O for the Snakemake rules in ``workflow/rules``. The exception is the ``minerestore``
command (``cli/``), which writes a study area's config and checks it with the workflow.
"""

__version__ = "0.1.0"

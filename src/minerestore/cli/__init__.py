"""The ``minerestore`` command (also ``python -m minerestore``): ``init`` writes a commented config for a new study
area, ``check`` validates a config and plans its run without running it (README, "Your own study area").

It works in a checkout of the workflow: ``check`` runs the checkout's Snakefile, ``init`` reads the defaults of its
config schema.
"""

from __future__ import annotations

import argparse

from minerestore.cli import check, init
from minerestore.cli.shared import UsageError

DESCRIPTION = """\
Start and check the config of a study area for the minerestore workflow.

Your own study area, from the repository root:
  minerestore init NAME --aoi FILE --source stac     # writes config/NAME.yaml
  minerestore check config/NAME.yaml                 # validates it, plans the run
  snakemake --cores 4 --configfile config/NAME.yaml --replace-workflow-config
"""


def parser() -> argparse.ArgumentParser:
    """The command's parser, one sub-command per module of this package (each adds its own arguments)."""
    main_parser = argparse.ArgumentParser(prog="minerestore", description=DESCRIPTION,
                                          formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = main_parser.add_subparsers(title="commands", required=True, metavar="{init,check}")
    for module in (init, check):
        module.add_parser(commands)
    return main_parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``argv`` (default: the process's); returns the exit status.

    A :class:`UsageError` of a sub-command ends it as argparse ends a bad argument: the sub-command's usage and the
    message on stderr, exit status 2.
    """
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except UsageError as err:
        args.parser.error(str(err))

"""What the sub-commands of the ``minerestore`` command share: the checkout they work in, the error of an argument
that cannot be used, the type of an input-file argument."""

from __future__ import annotations

import argparse
from pathlib import Path

#: The checkout this package belongs to: its Snakefile and config schema.
CHECKOUT = Path(__file__).resolve().parents[3]
SCHEMA = CHECKOUT / "workflow" / "schemas" / "config.schema.yaml"


class UsageError(ValueError):
    """A command-line argument that cannot be used: the message names the flag, as argparse's own errors do."""


def existing_file(text: str) -> str:
    """argparse type of an input file: it must exist (taken from the working directory, as the config's paths)."""
    if Path(text).expanduser().is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a folder; give a file in it")
    if not Path(text).expanduser().is_file():
        raise argparse.ArgumentTypeError(f"file {text!r} does not exist (relative paths are taken from {Path.cwd()})")
    return text


def existing_vector(text: str) -> str:
    """argparse type of a vector input: an existing file, or a folder GDAL reads as one data source (an ESRI file
    geodatabase ``*.gdb``, a folder of shapefiles); whether it holds a usable layer is checked when it is read."""
    if not Path(text).expanduser().exists():
        raise argparse.ArgumentTypeError(f"file {text!r} does not exist (relative paths are taken from {Path.cwd()})")
    return text

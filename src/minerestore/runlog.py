"""Logging for the workflow scripts: every rule logs through :mod:`logging` to its ``log:`` file."""

from __future__ import annotations

import contextlib
import logging
import time


def configure(log_path: str | None, level: int = logging.INFO) -> logging.Logger:
    """Send ``minerestore`` and script messages to ``log_path`` (and stderr when it is None)."""
    handlers: list[logging.Handler] = [logging.FileHandler(log_path, mode="w")] if log_path else [logging.StreamHandler()]
    logging.basicConfig(level=level, handlers=handlers, force=True,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.captureWarnings(True)
    return logging.getLogger("minerestore")


@contextlib.contextmanager
def timed(log: logging.Logger, what: str):
    """Log how long a step took."""
    start = time.perf_counter()
    yield
    log.info("%s took %.1f s", what, time.perf_counter() - start)

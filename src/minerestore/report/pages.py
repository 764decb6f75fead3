"""HTML pages of the Snakemake report: a table shown as a table (the report offers a CSV only as a download; it
shows an HTML file in place), and the run's overview - the mines found per region, the settings each region ran
with and the warnings of the workflow's checks (the run summary), so the report says what the terminal said.

Plain pandas ``to_html`` with a little inline CSS: a page holds no script and loads nothing, so it opens offline."""

from __future__ import annotations

import html
import os
from pathlib import Path

import pandas as pd

from minerestore.io import write_text
from minerestore.report.summary import collect_warnings, mine_counts, mine_lines

_STYLE = """<style>
body { font-family: sans-serif; font-size: 13px; margin: 1em; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em 0; }
th, td { border: 1px solid #ccc; padding: 2px 8px; text-align: right; }
th { background: #eee; } td:first-child, th:first-child { text-align: left; }
caption { caption-side: top; text-align: left; font-weight: bold; padding-bottom: 4px; }
li { margin-bottom: 4px; white-space: pre-wrap; }
</style>"""


def _page(title: str, body: str) -> str:
    return (f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>{html.escape(title)}</title>{_STYLE}"
            f"</head><body><h2>{html.escape(title)}</h2>\n{body}\n</body></html>\n")


def _table(frame: pd.DataFrame, caption: str = "") -> str:
    frame = frame.rename_axis(columns=None)  # a pivot's column name would be drawn as a header row of its own
    text = frame.to_html(index=False, na_rep="", border=0, float_format=lambda v: f"{v:.6g}")
    return text.replace("<thead>", f"<caption>{html.escape(caption)}</caption>\n<thead>", 1) if caption else text


def write_table_page(path: str | os.PathLike, frame: pd.DataFrame, title: str) -> None:
    """Write ``frame`` as an HTML page at ``path`` (atomically): one table, empty cells for NaN, numbers to six
    significant digits; a table without rows says so."""
    body = _table(frame) if len(frame) else f"<p>No rows.</p>{_table(frame)}"
    write_text(path, _page(title, body))


def settings_frame(settings: dict[str, dict]) -> pd.DataFrame:
    """Region -> {setting: value} as one table: a row per setting, a column per region (nested values as text)."""
    frame = pd.DataFrame({r: {k: (v if isinstance(v, (int, float, str)) else str(v)) for k, v in s.items()}
                          for r, s in settings.items()})
    return frame.rename_axis("setting").reset_index()


def write_run_overview(path: str | os.PathLike, results: str | os.PathLike, regions: list[str],
                       settings: dict[str, dict]) -> int:
    """Write the run's overview page at ``path``: the mines of each region (:func:`minerestore.report.summary.
    mine_lines`), the settings each ran with (``settings``: region -> setting -> value), and every warning of the
    job logs under ``results`` grouped by log. Returns the number of warnings."""
    results = Path(results)
    found = collect_warnings([results / r / "logs" for r in regions] + [results / "logs"])
    count = sum(len(m) for m in found.values())
    mines = "".join(f"<li>{html.escape(line)}</li>" for line in mine_lines(mine_counts(results, regions)))
    warnings = "".join(
        f"<li><b>{html.escape(os.path.relpath(log, results))}</b><ul>"
        + "".join(f"<li>{html.escape(m)}</li>" for m in messages) + "</ul></li>" for log, messages in found.items())
    body = (f"<h3>Mines</h3><ul>{mines or '<li>no region identifies mines</li>'}</ul>"
            f"<h3>Settings</h3>{_table(settings_frame(settings))}"
            f"<h3>Warnings of the workflow's checks ({count})</h3>"
            f"<ul>{warnings or '<li>none</li>'}</ul>")
    write_text(path, _page("Run overview", body))
    return count

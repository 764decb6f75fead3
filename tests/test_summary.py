"""The run summary gathers the workflow's own warnings from the job logs."""

import logging

from minerestore.report.summary import write_run_summary
from minerestore.scripting import configure


def test_run_summary_lists_each_jobs_warnings(tmp_path):
    logs = tmp_path / "results" / "area" / "logs"
    logs.mkdir(parents=True)
    log = configure(str(logs / "ingest.log"))
    logging.getLogger("minerestore.sources.local").warning("far.tif has no data on the region grid; it is left out")
    log.info("12 acquisitions")
    logging.getLogger("py.warnings").warning("RuntimeWarning: Mean of empty slice")  # a library's: not summarised
    log.warning("two lines\nof one warning")
    configure(str(logs / "masks.log")).info("nothing to say")
    logging.shutdown()
    path, count = write_run_summary(tmp_path / "results", ["area", "absent"])
    assert count == 2
    assert path.read_text() == (
        "minerestore run summary: 2 warning(s) in 1 job log(s)\n\n"
        "area/logs/ingest.log\n"
        "  - far.tif has no data on the region grid; it is left out\n"
        "  - two lines\n    of one warning\n"
    )


def _mines(path, n):
    import geopandas as gpd
    import shapely

    path.parent.mkdir(parents=True, exist_ok=True)
    boxes = [shapely.box(i * 100, 0, i * 100 + 50, 50) for i in range(n)]
    gpd.GeoDataFrame({"mine_id": [f"M{i}" for i in range(n)]}, geometry=boxes, crs="EPSG:32650").to_file(path)


def test_run_summary_says_how_many_mines_and_what_none_means(tmp_path):
    results = tmp_path / "results"
    _mines(results / "found" / "mines" / "mines.gpkg", 3)
    _mines(results / "empty" / "mines" / "mines.gpkg", 0)
    path, count = write_run_summary(results, ["found", "empty", "landuse_only"])
    lines = path.read_text().splitlines()
    assert count == 0 and lines[2] == "region found: 3 mines"
    assert lines[3].startswith("region empty: no mine identified. That is an answer, not a failure")
    assert "empty/logs/mines.log" in lines[3] and not any("landuse_only" in ln for ln in lines)


def test_table_page_is_the_table_and_the_run_overview_has_mines_settings_and_warnings(tmp_path):
    from html.parser import HTMLParser

    import numpy as np
    import pandas as pd

    from minerestore.report.pages import write_run_overview, write_table_page

    class Cells(HTMLParser):
        def __init__(self):
            super().__init__()
            self.cells, self.open = [], False

        def handle_starttag(self, tag, attrs):
            self.open = tag in ("td", "th")
            if self.open:
                self.cells.append("")

        def handle_endtag(self, tag):
            self.open = False

        def handle_data(self, data):
            if self.open:
                self.cells[-1] += data

    frame = pd.DataFrame({"status": ["active", "abandoned"], "n": [3, 1], "share": [0.123456789, np.nan]})
    wide = frame.pivot_table(index="status", columns=pd.Index(["x", "x"], name="kind"), values="n").reset_index()
    write_table_page(tmp_path / "t.html", frame, "Mines <by> status")
    write_table_page(tmp_path / "wide.html", wide, "pivot")
    cells = Cells()
    cells.feed((tmp_path / "t.html").read_text())
    assert cells.cells == ["status", "n", "share", "active", "3", "0.123457", "abandoned", "1", ""]
    assert "Mines &lt;by&gt; status" in (tmp_path / "t.html").read_text()
    pivot = Cells()
    pivot.feed((tmp_path / "wide.html").read_text())
    assert pivot.cells[:2] == ["status", "x"]  # the pivot's column name 'kind' is no header row of its own

    results = tmp_path / "results"
    _mines(results / "a" / "mines" / "mines.gpkg", 0)
    logs = results / "a" / "logs"
    logs.mkdir(parents=True)
    configure(str(logs / "ingest.log")).warning("scene.tif covers 40 % of the region")
    logging.shutdown()
    count = write_run_overview(results / "run_overview.html", results, ["a"],
                               {"a": {"sensor": "landsat", "thresholds.bsp_ndvi": 0.4}})
    page = Cells()
    page.feed((results / "run_overview.html").read_text())
    text = (results / "run_overview.html").read_text()
    assert count == 1 and "scene.tif covers 40 % of the region" in text and "a/logs/ingest.log" in text
    assert "region a: no mine identified" in text
    assert page.cells == ["setting", "a", "sensor", "landsat", "thresholds.bsp_ndvi", "0.4"]

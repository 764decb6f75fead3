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

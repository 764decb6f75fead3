"""Mine activity from InSAR deformation: the class of every mine from the velocity within its buffer, the counts
per class and sub-region, and the cross-check with the Mann–Kendall status of its BSP
(minerestore.restoration.insar)."""

import pandas as pd

from minerestore.io import write_table
from minerestore.raster.vector import read_mines
from minerestore.restoration import insar
from minerestore.restoration.trend import status_counts
from minerestore.scripting import configure, run, timed
from minerestore.sources.contract import read_region


def main(smk) -> None:
    log = configure(smk.log[0])
    grid, sources = read_region(smk.input.grid, smk.input.sources)
    products, options = sources["insar"], smk.params.insar
    mines = read_mines(smk.input.mines)
    status = pd.read_csv(smk.input.mann_kendall, dtype={"mine_id": str})
    with timed(log, "InSAR activity"), insar.velocity_raster(products["velocity"], options["units"],
                                                              options["dataset"]) as (velocity, factor):
        activity = insar.mine_activity(mines, grid, velocity, factor, coherence_path=products.get("coherence"),
                                       incidence_path=products.get("incidence"), options=options,
                                       tile_px=smk.params.tile_px, source=products["velocity"])
    activity = activity.merge(status[["mine_id", "status"]], on="mine_id", how="left")
    activity["disagree"] = insar.disagreement(activity["insar_class"], activity["status"])
    cross = insar.cross_table(activity, status)
    log.info("InSAR class x Mann-Kendall status:\n%s", cross.to_string())
    for row in activity[activity["disagree"]].itertuples():
        log.warning("mine %s: InSAR says %s but its BSP trend says %s; inspect it", row.mine_id, row.insar_class,
                    row.status)
    write_table(smk.output.mines, activity)
    write_table(smk.output.counts, status_counts(activity, mines, "insar_class"))
    write_table(smk.output.cross, cross.reset_index())


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake

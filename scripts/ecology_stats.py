"""Statistics of RSEI and REM: per mine and year (exact coverage fractions), mines vs study area vs region,
1 km distance rings around all mines and around the mines of each restoration status, and mine size classes
(minerestore.zonal, minerestore.rings; methods.md §7.2)."""

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from minerestore import rings
from minerestore.grid import Grid
from minerestore.io import write_table
from minerestore.layers import burn, read_composites, read_mines
from minerestore.runlog import configure
from minerestore.zonal import zonal


def read_layers(rsei_path: str, rem_path: str) -> dict[str, np.ndarray]:
    """RSEI and REM (with I_veg, I_imper) of one year, each file read once."""
    stacks = read_composites([rsei_path], ["rsei"]) | read_composites([rem_path], ["rem", "i_veg", "i_imper"])
    return {name: stack[0] for name, stack in stacks.items()}


def main(smk) -> None:
    log = configure(smk.log[0])
    grid = Grid.from_json(Path(smk.input.grid).read_text())
    mines = read_mines(smk.input.mines)
    status = pd.read_csv(smk.input.status, dtype={"mine_id": str})[["mine_id", "status"]]
    mines = mines.merge(status, on="mine_id", how="left")
    mines["area_class"] = rings.area_class(mines["area_km2"])
    zones = gpd.read_file(smk.input.study_area)
    study = burn(zones.geometry, grid).astype(bool)
    inside_any = burn(mines.geometry, grid).astype(bool)
    opts = smk.params.options
    width, reach = opts["ring_width_km"], opts["ring_max_km"]
    groups = {"all": mines} | {s: mines[mines["status"] == s] for s in sorted(mines["status"].dropna().unique())}
    ring_rasters = {g: rings.ring_zones(burn(m.geometry, grid).astype(bool), inside_any, grid.resolution, width, reach)
                    for g, m in groups.items() if len(m)}
    per_mine, region, ring_rows = [], [], []
    for year, rsei_path, rem_path in zip(smk.params.years, smk.input.rsei, smk.input.rem):
        layers = read_layers(rsei_path, rem_path)
        stats = zonal(layers, mines[["mine_id", "geometry"]], grid, ["mean", "median", "stdev", "count"], "mine_id")
        for name in layers:
            per_mine.append(pd.DataFrame({"mine_id": stats["mine_id"], "year": year, "index": name,
                                          "mean": stats[f"{name}_mean"], "median": stats[f"{name}_median"],
                                          "std": stats[f"{name}_stdev"], "count": stats[f"{name}_count"]}))
            values = layers[name]
            for scope, mask in (("mines", inside_any), ("study_area", study), ("region", np.ones_like(study))):
                v = values[mask & np.isfinite(values)]
                region.append({"year": year, "index": name, "scope": scope, "mean": v.mean() if v.size else np.nan,
                               "std": v.std(ddof=1) if v.size > 1 else np.nan, "n_px": v.size})
        for group, ring_raster in ring_rasters.items():
            table = rings.ring_stats(layers, ring_raster, width)
            ring_rows.append(table.assign(year=year, mines=group))
        log.info("%d: statistics of %d mines", year, len(mines))
    mine_table = pd.concat(per_mine, ignore_index=True) if per_mine else pd.DataFrame()
    ring_table = pd.concat(ring_rows, ignore_index=True) if ring_rows else pd.DataFrame(
        columns=["year", "mines", "index", "ring", "ring_km", "mean", "std", "n_px"])
    classes = mine_table.merge(mines[["mine_id", "area_class"]], on="mine_id") if len(mine_table) else mine_table
    area = (classes.groupby(["year", "index", "area_class"])["mean"].agg(["count", "mean", "std"]).reset_index()
            .rename(columns={"count": "n_mines"}) if len(classes) else
            pd.DataFrame(columns=["year", "index", "area_class", "n_mines", "mean", "std"]))
    write_table(smk.output.mines, mine_table)
    write_table(smk.output.region, pd.DataFrame(region))
    write_table(smk.output.rings, ring_table[["year", "mines", "index", "ring", "ring_km", "mean", "std", "n_px"]])
    write_table(smk.output.area_classes, area)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake

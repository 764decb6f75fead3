"""Snakemake end to end on the tiny synthetic config: outputs follow the raster contract, a second run has nothing
to do, and a job killed mid-write leaves nothing that looks complete."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rasterio
import yaml
from conftest import REPO, differing_outputs, snakemake

from minerestore.composite.season import COMPOSITE_BANDS
from minerestore.raster.grid import Grid
from minerestore.raster.write import raster_writer

TINY = REPO / "config" / "tiny.yaml"
pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    results = tmp_path_factory.mktemp("results")
    proc = snakemake("--configfile", TINY, "--replace-workflow-config", "--config", f"results={results}", check=True)
    return results / "tiny", proc


def test_tiny_workflow_writes_contract_composites(tiny_run):
    out, _ = tiny_run
    years = range(2016, 2023)
    for year in years:
        with rasterio.open(out / "composites" / f"{year}.vrt") as src:
            assert list(src.descriptions) == list(COMPOSITE_BANDS)
            assert src.dtypes[0] == "float32" and np.isnan(src.nodata)
            assert src.crs.is_projected
            tags = src.tags()
            assert tags["sensor"] == "sentinel2" and tags["year"] == str(year) and "minerestore" in tags["software"]
            data = src.read()
            n_obs = data[COMPOSITE_BANDS.index("n_obs")]
            assert n_obs.max() <= 3  # 3 in-season Sentinel-2 scenes; the April scene is filtered out
            lst = data[COMPOSITE_BANDS.index("lst")]
            assert 260 < np.nanmedian(lst) < 320  # kelvin, from the Landsat-like ST band
            ndvi = data[COMPOSITE_BANDS.index("ndvi")]
            assert np.nanmax(ndvi) > 0.6 and np.nanmin(ndvi) < 0.1
    for name in ("synthetic_scene", "ingest", "composite_2016-2022_r000c000", "composite_2016-2022_r001c001"):
        assert (out / "logs" / f"{name}.log").stat().st_size > 0
        assert (out / "benchmarks" / f"{name}.tsv").exists()
    # ~200 x 200 px in tiles of 128: four tiles, each tile's seven years in one job (composite.batch_px), joined
    # per year by a VRT the later stages read as one raster
    assert sorted(p.name for p in (out / "composites").iterdir() if p.is_dir()) == ["2016-2022"]
    assert sorted(p.name for p in (out / "composites" / "2016-2022").iterdir()) == [
        "r000c000", "r000c001", "r001c000", "r001c001"]
    assert sorted(p.stem for p in (out / "composites" / "2016-2022" / "r000c000").glob("*.tif")) == list(map(str, years))
    grid = Grid.from_json((out / "inputs" / "grid.json").read_text())
    with rasterio.open(out / "composites" / "2016.vrt") as mosaic, \
            rasterio.open(out / "composites" / "2016-2022" / "r001c001" / "2016.tif") as tile:
        assert mosaic.shape == grid.shape and tile.shape == (grid.height - 128, grid.width - 128)
        np.testing.assert_array_equal(mosaic.read(window=((128, grid.height), (128, grid.width))), tile.read())


def test_composite_shows_mine_trajectories(tiny_run):
    """Restoring mines get greener and active mines barer between the first and last composite."""
    import geopandas as gpd
    from rasterio.features import rasterize

    out, _ = tiny_run
    mines = gpd.read_file(out / "synthetic" / "truth" / "mines_truth.gpkg")
    bsp = {}
    for year in (2016, 2022):
        with rasterio.open(out / "composites" / f"{year}.vrt") as src:
            ndvi = src.read(COMPOSITE_BANDS.index("ndvi") + 1)
            transform = src.transform
        for mine in mines.itertuples():
            inside = rasterize([(mine.geometry, 1)], out_shape=ndvi.shape, transform=transform).astype(bool)
            values = ndvi[inside & np.isfinite(ndvi)]
            bsp[(mine.mine_id, year)] = np.mean(values < 0.4)
    for mine in mines.itertuples():
        change = bsp[(mine.mine_id, 2022)] - bsp[(mine.mine_id, 2016)]
        if mine.trajectory == "restoring":
            assert change < -0.3, mine
        elif mine.trajectory == "active":
            assert change > 0.3, mine


def test_identification_outputs(tiny_run):
    import geopandas as gpd
    import pandas as pd

    out, _ = tiny_run
    zones = gpd.read_file(out / "study_area.gpkg")
    assert set(zones["subregion"]) == {"upstream", "midstream", "downstream"}
    areas = pd.read_csv(out / "masks" / "areas.csv").set_index("class")
    assert list(areas.index) == ["water", "vegetation", "snow", "builtup", "remaining"]
    assert 0 < areas.loc["remaining", "share_pct"] < 20
    for name in ("water", "vegetation", "snow", "builtup", "candidates"):
        with rasterio.open(out / "masks" / f"{name}.tif") as src:
            assert src.dtypes[0] == "uint8" and src.nodata == 255 and set(np.unique(src.read())) <= {0, 1, 255}
    candidates = gpd.read_file(out / "mines" / "candidates.gpkg")
    assert list(candidates.columns) == ["candidate_id", "area_km2", "subregion", "geometry"]
    mines = gpd.read_file(out / "mines" / "mines.gpkg")
    assert list(mines.columns) == ["mine_id", "area_km2", "subregion", "source", "geometry"]
    assert mines["mine_id"].is_unique and (mines["source"] == "object_rf").all() and len(mines) >= 5
    acc = pd.read_csv(out / "mines" / "accuracy.csv").set_index(["scope", "level", "metric"])["value"]
    assert acc[("test", "pixel", "f1")] >= 0.8 and acc[("test", "pixel", "kappa")] >= 0.8
    assert acc[("all", "mine", "reference_mines")] == 8 and acc[("all", "mine", "identification_rate")] > 0.5
    assert 0.5 < acc[("all", "mine", "mean_area_similarity")] <= 1
    assert acc[("test", "object", "tp")] > 0 and acc[("test", "object", "tn")] > 0
    assert acc[("test", "object", "f1")] >= 0.7 and 0 < acc[("test", "pixel", "miou")] <= 1
    cv = pd.read_csv(out / "mines" / "rf_cv.csv")
    assert {"cv_f1_mean", "cv_f1_std", "oob_error", "rank"} <= set(cv.columns) and len(cv) == 1  # the study's set
    assert cv[["criterion", "max_features", "min_samples_leaf", "min_samples_split"]].astype(str).iloc[0].tolist() == [
        "entropy", "log2", "1", "2"]  # config/tiny.yaml
    imp = pd.read_csv(out / "mines" / "rf_importance.csv")
    assert {"feature", "mda_mean", "mda_std", "rank"} <= set(imp.columns) and len(imp) >= 20
    agreement = pd.read_csv(out / "mines" / "agreement_simulated_global.csv")
    assert 30 < agreement["ours_in_other_pct"].iloc[0] <= 100
    features = pd.read_csv(out / "mines" / "object_rf" / "features.csv")
    assert features.shape[1] == 1 + 56 and "brightness" in features and "glcm_nir_entropy" in features  # Table 2
    assert "objects of" in (out / "logs" / "object_rf.log").read_text()  # the whole study area segmented
    classifiers = pd.read_csv(out / "mines" / "classifiers.csv")
    assert classifiers["classifier"].tolist() == ["logistic_regression", "svm", "decision_tree", "random_forest"]
    assert classifiers["auc"].between(0.5, 1).all() and classifiers["kappa"].notna().all()
    sensitivity = pd.read_csv(out / "mines" / "sensitivity.csv")
    assert sensitivity["scale"].unique().tolist() == [50, 100, 300]
    assert sensitivity["scheme"].unique().tolist() == ["all", "1:1", "1:2", "1:3"]
    assert sensitivity["oob_error"].between(0, 0.5).all()
    ratio = sensitivity[sensitivity["scheme"] == "1:2"]
    assert (ratio["train_not_mine"] == 2 * ratio["train_mine"]).all()
    by_area = pd.read_csv(out / "mines" / "statistics_area_class.csv").set_index("area_class")
    assert by_area.loc["all", "mines"] == len(mines) and by_area["mines"].iloc[:-1].sum() == len(mines)
    assert by_area.loc["all", "total_area_km2"] == pytest.approx(mines["area_km2"].sum())
    for by in ("subregion", "elevation_band", "slope_band", "river_band"):
        assert pd.read_csv(out / "mines" / f"statistics_{by}.csv")["mines"].iloc[-1] == len(mines), by
    by_type = pd.read_csv(out / "mines" / "statistics_mine_type.csv").set_index("mine_type")
    assert by_type.loc["all", "mines"] == len(mines)  # config/tiny.yaml: reference_type_field mine_type
    assert set(by_type.index) <= {"sand_gravel", "building_stone", "metal", "unknown", "all"}
    accuracy_types = pd.read_csv(out / "mines" / "accuracy_by_type.csv")
    assert accuracy_types.groupby("scope")["reference_mines"].sum().to_dict() == {"all": 8, "test": 4}
    assert accuracy_types["identification_rate"].between(0, 1).all()
    with rasterio.open(out / "mines" / "kernel_density.tif") as src:
        density = src.read(1)
        assert float(src.tags()["bandwidth_km"]) > 0 and (density >= 0).all() and density.max() > 0
    for figure in ("mine_statistics", "mine_density", "accuracy_by_type", "classifiers_roc", "insar_timeseries"):
        assert (out / "figures" / f"{figure}.png").stat().st_size > 0, figure
    series = pd.read_csv(out / "restoration" / "insar_timeseries.csv")
    assert series["date"].nunique() == 4 * 7 and (series.groupby("mine_id")["displacement_mm"].first() == 0).all()
    deforming = series[series["insar_class"].isin(["positive", "negative"])]
    # planted active mines move 12-30 mm/yr: over the 6.75 years of dates the fastest moves more than 12 x 6.75 mm
    assert deforming.groupby("mine_id")["displacement_mm"].last().abs().max() > 12 * 6.75


def test_restoration_outputs_recover_the_trajectories(tiny_run):
    import geopandas as gpd
    import pandas as pd

    out, _ = tiny_run
    bsp = pd.read_csv(out / "restoration" / "bsp.csv")
    assert list(bsp.columns) == ["mine_id", "year", "valid_px", "bare_px", "unobserved_px", "bsp_pct"]
    table = pd.read_csv(out / "restoration" / "mann_kendall.csv")
    assert list(table.columns[:12]) == ["mine_id", "n", "trend", "h", "p", "z", "tau", "s", "var_s", "sen_slope",
                                        "intercept", "p_exact"]
    mines = gpd.read_file(out / "mines" / "mines.gpkg").merge(table[["mine_id", "status"]], on="mine_id")
    truth = gpd.read_file(out / "synthetic" / "truth" / "mines_truth.gpkg")
    expected = {"restoring": "abandoned", "active": "active", "stable": "no_trend"}
    hits = []
    for mine in mines.itertuples():
        overlap = truth.geometry.intersection(mine.geometry).area
        hits.append(mine.status == expected[truth["trajectory"].iloc[int(overlap.argmax())]])
    assert np.mean(hits) >= 0.9
    rates = pd.read_csv(out / "restoration" / "restoration_rate.csv")
    assert list(rates.columns) == ["subregion", "base_year", "year", "n_mines", "n_left_out", "bare_km2_base",
                                   "bare_km2", "rr_pct"]
    assert (rates.loc[rates["year"] == 2016, "rr_pct"] == 0).all()
    every = rates[rates["subregion"] == "all"]
    assert ((every["n_mines"] + every["n_left_out"]) == len(mines)).all()
    assert (out / "restoration" / "restoration_rate_mines.csv").exists()
    counts = pd.read_csv(out / "restoration" / "status_counts.csv")
    assert counts.loc[counts["subregion"] == "all", "n_mines"].sum() == len(mines)
    for index in ("ndvi", "bare", "rsei", "rem"):
        with rasterio.open(out / "restoration" / f"trend_{index}.vrt") as src:
            assert list(src.descriptions) == ["slope", "intercept", "z", "p", "tau", "s", "var_s", "trend", "n"]


def test_mine_summary_has_a_row_per_mine_with_its_status(tiny_run):
    """mines/summary.gpkg: one row per mine of mines.gpkg (same polygons), its Mann–Kendall status and BSP per
    year, and the tables a synthetic region has (river, InSAR class, reference match); summary.csv the same rows."""
    import geopandas as gpd

    out, _ = tiny_run
    mines = gpd.read_file(out / "mines" / "mines.gpkg")
    summary = gpd.read_file(out / "mines" / "summary.gpkg")
    assert summary["mine_id"].tolist() == mines["mine_id"].tolist() and len(mines) > 0
    assert summary.crs == mines.crs and summary.geom_equals(mines.geometry).all()
    table = pd.read_csv(out / "restoration" / "mann_kendall.csv", dtype={"mine_id": str}).set_index("mine_id")
    assert summary.set_index("mine_id")["status"].to_dict() == table["status"].to_dict()
    assert np.allclose(summary["sen_slope"], table.loc[summary["mine_id"], "sen_slope"])
    bsp = pd.read_csv(out / "restoration" / "bsp.csv", dtype={"mine_id": str}).set_index(["mine_id", "year"])
    first = summary["mine_id"].iloc[0]
    assert summary.set_index("mine_id").loc[first, "bsp_2019"] == pytest.approx(bsp.loc[(first, 2019), "bsp_pct"])
    columns = {"river", "insar_class", "reference_id", "iou", "rr_2022", "rsei_2016", "rem_2022"}
    assert columns | {f"bsp_{year}" for year in range(2016, 2023)} <= set(summary.columns)
    assert summary["iou"].between(0, 1).all() and summary["reference_id"].notna().mean() > 0.5
    csv = pd.read_csv(out / "mines" / "summary.csv", dtype={"mine_id": str})
    assert csv["mine_id"].tolist() == summary["mine_id"].tolist() and "geometry" not in csv


def test_ecology_outputs(tiny_run):
    import pandas as pd

    out, _ = tiny_run
    pca = pd.read_csv(out / "ecology" / "rsei_pca.csv")
    assert list(pca.columns) == ["year", "indicator", "loading", "pc1_share_pct", "years_used"] and len(pca) == 4 * 7
    assert (pca["years_used"].astype(str) == pca["year"].astype(str)).all()  # a window of one year: the year itself
    assert (pca.loc[pca["indicator"] == "ndvi", "loading"] > 0).all()
    weights = pd.read_csv(out / "ecology" / "rem_weights.csv")
    assert np.allclose(weights.groupby("year")["weight"].sum(), 1.0)
    with rasterio.open(out / "ecology" / "rsei" / "2019.tif") as src:
        assert list(src.descriptions) == ["rsei", "grade", "ndvi", "wet", "ndbsi", "lst", "mndwi"]
        index = src.read(1)
        assert np.nanmin(index) == 0 and np.nanmax(index) == 1
    with rasterio.open(out / "ecology" / "rem" / "2019.tif") as src:
        assert list(src.descriptions) == ["rem", "i_wet", "i_veg", "i_soil", "i_imper"]
    mines = pd.read_csv(out / "ecology" / "mines.csv")
    assert list(mines.columns) == ["mine_id", "year", "index", "mean", "median", "std", "count"]
    assert set(mines["index"]) == {"rsei", "rem", "i_veg", "i_imper"}
    status = pd.read_csv(out / "restoration" / "mann_kendall.csv")[["mine_id", "status"]]
    trend = mines[mines["index"] == "rsei"].merge(status, on="mine_id").pivot_table(
        index="status", columns="year", values="mean")
    if "abandoned" in trend.index:
        assert trend.loc["abandoned", 2022] > trend.loc["abandoned", 2016]
    if "active" in trend.index:
        assert trend.loc["active", 2022] < trend.loc["active", 2016]
    rings = pd.read_csv(out / "ecology" / "rings.csv")
    assert list(rings.columns) == ["year", "mines", "index", "ring", "ring_km", "mean", "std", "n_px"]
    near = rings[(rings["mines"] == "all") & (rings["index"] == "rsei")].groupby("ring")["mean"].mean()
    assert near.loc[0] < near.loc[1]
    region = pd.read_csv(out / "ecology" / "region.csv")
    assert set(region["scope"]) == {"mines", "study_area", "region"}
    classes = pd.read_csv(out / "ecology" / "area_classes.csv")
    assert {"year", "index", "area_class", "n_mines", "mean", "std"} == set(classes.columns)


def test_driver_outputs_recover_planted_effects(tiny_run):
    import pandas as pd

    out, _ = tiny_run
    with rasterio.open(out / "drivers" / "stack.tif") as src:
        names = list(src.descriptions)
        assert {"precipitation", "night_light", "dem", "slope", "distance_to_mine", "mine_share"} <= set(names)
        assert src.res == (60.0, 60.0)
    samples = pd.read_parquet(out / "drivers" / "samples.parquet")
    assert {"x", "y", "rsei", *names} == set(samples.columns)
    pearson = pd.read_csv(out / "drivers" / "pearson.csv").set_index("driver")
    assert list(pearson.columns) == ["region", "method", "r", "p", "n"]
    assert "mine_share" not in pearson.index  # constant over a 3 km scene with a 10 km window: left out
    effects = pd.read_csv(out / "synthetic" / "truth" / "effects.csv").set_index("driver")
    for driver, sign in effects["expected_sign"].dropna().items():
        if sign != 0 and driver in pearson.index and pearson.loc[driver, "p"] < 0.05:
            assert np.sign(pearson.loc[driver, "r"]) == sign, driver
    importance = pd.read_csv(out / "drivers" / "importance.csv")
    assert list(importance.columns) == ["region", "driver", "inc_mse_pct", "inc_node_purity", "rank"]
    strongest = effects["strength_rank"].idxmin()
    assert importance.loc[importance["rank"] == 1, "driver"].item() == strongest
    metrics = pd.read_csv(out / "drivers" / "rf_metrics.csv").iloc[0]
    assert metrics["r2"] > 0.5 and metrics["constant_drivers"] == "mine_share"
    pdp = pd.read_csv(out / "drivers" / "partial_dependence.csv")
    assert list(pdp.columns) == ["region", "driver", "value", "partial_dependence"]
    for name in ("rf_predicted", "rf_residual"):
        with rasterio.open(out / "drivers" / f"{name}.tif") as src:
            assert np.isfinite(src.read(1)).any()
    ranking = pd.read_csv(out.parent / "ranking.csv")
    assert {"driver", "rank_tiny", "mean_rank", "n_regions", "overall_rank"} <= set(ranking.columns)


def copy_run(tiny_run, tmp_path):
    """A copy of the tiny run's results, for reruns of later rules with other settings."""
    import shutil

    out, _ = tiny_run
    shutil.copytree(out.parent, tmp_path / "results", symlinks=True)
    return tmp_path / "results"


def test_pooled_rsei_and_rem_share_one_model_over_the_years(tiny_run, tmp_path):
    """ecology.rsei_mode / rem_mode: pooled fit one model on all years (rule pooled_model): every year has the
    same loadings and weights, and REM spans [0, 1] over the years together, not in each year."""
    results = copy_run(tiny_run, tmp_path)
    pooled = tmp_path / "pooled.yaml"
    pooled.write_text(yaml.safe_dump({"ecology": {"rsei_mode": "pooled", "rem_mode": "pooled"}}))
    tables = [results / "tiny" / "ecology" / f"{t}.csv" for t in ("rem_weights", "rsei_pca")]
    snakemake(*tables, "--configfile", TINY, pooled, "--replace-workflow-config", "--config", f"results={results}",
              "--forcerun", "ecology_year", check=True)  # the copy has no metadata to see the changed mode
    weights, loadings = (pd.read_csv(t) for t in tables)
    assert weights.groupby("sub_index")["weight"].nunique().eq(1).all()
    assert loadings.groupby("indicator")["loading"].nunique().eq(1).all()
    ranges = []
    for year in range(2016, 2023):
        with rasterio.open(results / "tiny" / "ecology" / "rem" / f"{year}.tif") as src:
            assert src.tags()["mode"] == "pooled"
            rem = src.read(1)
        ranges.append((np.nanmin(rem), np.nanmax(rem)))
    assert min(r[0] for r in ranges) == pytest.approx(0, abs=1e-6)
    assert max(r[1] for r in ranges) == pytest.approx(1, abs=1e-6)


def test_streamed_ecology_year_equals_the_whole_array_one(tiny_run, tmp_path):
    """tiles.whole_region_px: 0 streams the tiny region (4 tiles) through dask and the scratch spills; RSEI, REM,
    their inputs and the PCA tables equal the tiny run's, computed as whole arrays."""
    out, _ = tiny_run
    results = copy_run(tiny_run, tmp_path)
    streamed = tmp_path / "streamed.yaml"
    streamed.write_text(yaml.safe_dump({"tiles": {"whole_region_px": 0}}))
    eco = Path("tiny") / "ecology"
    targets = [results / eco / k / f"2019{suffix}" for k, suffix in (("rsei", ".tif"), ("rem", ".tif"),
                                                                      ("rsei", "_pca.csv"), ("rem", "_weights.csv"))]
    snakemake(*targets, "--configfile", TINY, streamed, "--replace-workflow-config", "--config",
              f"results={results}", "--forcerun", "ecology_year", check=True)
    assert "whole arrays" in (out / "logs" / "ecology_year_2019.log").read_text()
    assert "streamed in tiles of 128 px" in (results / "tiny" / "logs" / "ecology_year_2019.log").read_text()
    for index in ("rsei", "rem"):
        with rasterio.open(out / "ecology" / index / "2019.tif") as a, \
                rasterio.open(results / eco / index / "2019.tif") as b:
            assert a.descriptions == b.descriptions
            np.testing.assert_allclose(b.read(), a.read(), atol=1e-5, equal_nan=True)
    for table in ("rsei/2019_pca.csv", "rem/2019_weights.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(results / eco / table), pd.read_csv(out / "ecology" / table),
                                      atol=1e-6)


@pytest.mark.bad_input
def test_candidates_method_no_candidates_left_and_a_run_without_mines(tiny_run, tmp_path):
    import geopandas as gpd

    results = copy_run(tiny_run, tmp_path)
    mines = results / "tiny" / "mines" / "mines.gpkg"
    config = yaml.safe_load(TINY.read_text()) | {"results": str(results), "identify": {"method": "candidates"}}
    path = tmp_path / "candidates.yaml"
    path.write_text(yaml.safe_dump(config))
    args = ["--configfile", path, "--replace-workflow-config", "--rerun-triggers", "mtime", "--forcerun", "mines"]
    snakemake(mines, *args, check=True)
    found = gpd.read_file(mines)
    assert len(found) >= 4 and (found["source"] == "candidates").all()
    # everything vegetated: no candidate, an empty mine layer and a warning, not a crash
    path.write_text(yaml.safe_dump(config | {"thresholds": {"vegetation_p90_ndvi": -1.0}}))
    snakemake(mines, *args, "masks", check=True)
    assert len(gpd.read_file(mines)) == 0
    assert "no candidate patch" in (results / "tiny" / "logs" / "candidates.log").read_text()
    # and the whole run on no mine: every stage finishes, the per-mine tables are empty, the summary says so
    proc = snakemake(*args, "masks", check=True)
    assert "region tiny: no mine identified. That is an answer, not a failure" in proc.stderr
    assert "region tiny: no mine identified" in (results / "run_summary.txt").read_text()
    out = results / "tiny"
    for table in ("restoration/mann_kendall.csv", "restoration/bsp.csv", "restoration/insar_activity.csv"):
        frame = pd.read_csv(out / table)
        assert frame.empty and "mine_id" in frame.columns, table
    assert (out / "figures" / "insar_cross.png").exists() and (out / "drivers" / "importance.csv").exists()


@pytest.mark.bad_input
def test_a_damaged_intermediate_is_named_set_aside_and_rebuilt(tiny_run, tmp_path):
    """A truncated masks/water.tif: the job that reads it fails, its log ends with the error, the file is moved
    aside and Snakemake's error names the rule that makes it; the next run rebuilds it and gives the same table."""
    out, _ = tiny_run
    results = copy_run(tiny_run, tmp_path)
    water = results / "tiny" / "masks" / "water.tif"
    water.write_bytes(water.read_bytes()[:2000])
    bsp = results / "tiny" / "restoration" / "bsp.csv"
    args = [bsp, "--configfile", TINY, "--replace-workflow-config", "--config", f"results={results}"]
    failed = snakemake(*args, "--forcerun", "bare_surface")
    assert failed.returncode != 0
    assert "masks/water.tif could not be read (damaged or truncated)" in failed.stderr
    assert "rule masks makes it again" in failed.stderr
    logs = [p.read_text().strip().splitlines() for p in (results / "tiny" / "logs").glob("*.log")]
    failing = [log for log in logs if any("the job failed: RasterioIOError" in line for line in log)]
    assert failing and all(log[-1].startswith("rasterio.errors.RasterioIOError") for log in failing)
    assert any("unreadable result set aside:" in line for log in failing for line in log)
    assert not water.exists() and water.with_name("water.tif.unreadable").exists()
    snakemake(*args, check=True)
    assert bsp.read_text() == (out / "restoration" / "bsp.csv").read_text()


def test_figures_tables_and_report(tiny_run, tmp_path):
    out, _ = tiny_run
    for name in ("study_area_masks", "mines_status", "bsp_boxplots", "restoration_rate_boxplots", "rem_boxplots",
                 "veg_imper", "mine_rem_series", "mine_series", "rsei_maps", "rsei_density", "latitude_profile", "mine_vs_region",
                 "rings_curve", "area_classes", "rf_observed_predicted", "trend_ndvi", "trend_bare", "trend_rsei",
                 "trend_rem"):
        for ext in ("png", "svg"):
            assert (out / "figures" / f"{name}.{ext}").stat().st_size > 5000, name
    for name in ("pearson_heatmap", "importance", "ranking"):
        assert (out.parent / "figures" / f"{name}.png").exists()
    for name in ("mann_kendall", "status_counts", "rsei_loadings", "accuracy", "importance"):
        assert (out / "tables" / f"{name}.csv").stat().st_size > 0
        assert "<table" in (out / "tables" / f"{name}.html").read_text()
    assert "region tiny: " in (out.parent / "run_overview.html").read_text()
    html = (out / "figures" / "map.html").read_text()  # the offline map: no script from the network
    assert "Bokeh" in html and not re.search(r"""<script[^>]*src\s*=\s*["']?(https?:)?//""", html)
    report = tmp_path / "report.html"
    snakemake("--configfile", TINY, "--replace-workflow-config", "--config", f"results={out.parent}", "--report",
              report, check=True)
    assert report.stat().st_size > 100_000


def test_second_run_has_nothing_to_do(tiny_run):
    out, _ = tiny_run
    proc = snakemake("-n", "--configfile", TINY, "--replace-workflow-config", "--config", f"results={out.parent}")
    assert proc.returncode == 0
    assert "Nothing to be done" in proc.stdout + proc.stderr
    stamp = yaml.safe_load((out.parent / ".minerestore-writer.json").read_text())  # the folder's one writer
    assert stamp["workflow"] == str(REPO) and stamp["workdir"] == str(REPO)


def test_insar_activity_recovers_the_planted_classes(tiny_run):
    """Each identified mine is matched to the truth mine it overlaps most; its InSAR class must be the planted one
    (the study's rule on the noise-free velocity) for at least 90 % of the mines; figures are drawn."""
    import geopandas as gpd
    import pandas as pd

    out, _ = tiny_run
    activity = pd.read_csv(out / "restoration" / "insar_activity.csv", dtype={"mine_id": str})
    truth = pd.read_csv(out / "synthetic" / "truth" / "insar_truth.csv").rename(
        columns={"mine_id": "truth_id", "insar_class": "planted"})
    mines = gpd.read_file(out / "mines" / "mines.gpkg")[["mine_id", "geometry"]]
    truth_mines = gpd.read_file(out / "synthetic" / "truth" / "mines_truth.gpkg")[["mine_id", "geometry"]]
    pairs = gpd.overlay(mines, truth_mines.rename(columns={"mine_id": "truth_id"}), how="intersection")
    best = pairs.assign(area=pairs.area).sort_values("area").groupby("mine_id").tail(1)[["mine_id", "truth_id"]]
    joined = activity.merge(best, on="mine_id").merge(truth, on="truth_id")
    assert len(joined) == len(activity) == len(mines) > 0
    assert (joined["insar_class"] == joined["planted"]).mean() >= 0.9
    assert {"positive", "negative", "no_change"} <= set(joined["insar_class"])
    cross = pd.read_csv(out / "restoration" / "insar_cross.csv").set_index("insar_class")
    assert cross.loc["total", "total"] == len(activity)
    for name in ("insar_velocity", "insar_classes", "insar_cross"):
        assert (out / "figures" / f"{name}.png").stat().st_size > 10000


def test_run_summary_gathers_the_warnings_of_the_job_logs(tiny_run):
    out, proc = tiny_run
    summary = out.parent / "run_summary.txt"
    n = sum(" WARNING minerestore" in line for log in (out / "logs").glob("*.log") for line in log.read_text().splitlines())
    assert summary.read_text().startswith(f"minerestore run summary: {n} warning(s)")
    assert f"see {summary}" in proc.stderr


@pytest.mark.bad_input
def test_two_runs_give_byte_identical_outputs(tiny_run, tmp_path):
    """The same config and inputs give the same bytes in every table, raster and vector (the second run is made in
    another folder, so the absolute paths that acquisitions.csv and sources.yaml list are put back first)."""
    out, _ = tiny_run
    again = tmp_path / "results"
    snakemake("--configfile", TINY, "--replace-workflow-config", "--config", f"results={again}", check=True)
    assert differing_outputs(out, again / "tiny") == []

def planned_jobs(proc) -> dict[str, int]:
    """Rule -> job count of the 'Job stats' table of a dry run."""
    lines = (proc.stdout + proc.stderr).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Job stats")) + 3
    rows = [line.split() for line in lines[start:] if line.strip()]
    return {r[0]: int(r[1]) for r in rows[: next(i for i, r in enumerate(rows) if r[0] == "total")]}


def test_changed_ring_width_reruns_only_the_ecology_statistics(tiny_run, tmp_path):
    """Params hold only the keys a rule reads: a new ring width reruns ecology_stats and what reads its tables,
    never the RSEI / REM rasters or anything upstream."""
    out, _ = tiny_run
    rings = tmp_path / "rings.yaml"
    rings.write_text(yaml.safe_dump({"ecology": {"ring_width_km": 0.5}}))
    proc = snakemake("-n", "--configfile", TINY, rings, "--replace-workflow-config", "--config", f"results={out.parent}",
                     check=True)
    # rings of all regions; the mine summary and the map show the mines' RSEI and REM, also from ecology_stats
    assert set(planned_jobs(proc)) == {"ecology_stats", "plot_region", "plot_overview", "mine_summary", "plot_webmap",
                                       "plot_mine_series", "run_overview", "all"}


def test_mock_snakemake_runs_a_script_outside_snakemake(tiny_run, tmp_path):
    """A script runs in a plain Python process with the job's inputs, params and outputs (debugging)."""
    out, _ = tiny_run
    code = f"""
import runpy, shutil
from minerestore.scripting import mock_snakemake
smk = mock_snakemake("mann_kendall", root={str(REPO)!r}, configfiles=[{str(TINY)!r}], region="tiny")
assert smk.params.min_years == 5 and smk.input.bsp.endswith("restoration/bsp.csv")
smk.input.bsp = {str(out / "restoration" / "bsp.csv")!r}
smk.input.mines = {str(out / "mines" / "mines.gpkg")!r}
smk.output.table, smk.output.counts = {str(tmp_path / "mk.csv")!r}, {str(tmp_path / "counts.csv")!r}
smk.log = [{str(tmp_path / "mk.log")!r}]
runpy.run_path("scripts/mann_kendall.py", init_globals={{"snakemake": smk}}, run_name="__main__")
"""
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, env=dict(os.environ, PYTHONPATH=str(REPO / "src")))
    assert (tmp_path / "mk.csv").read_text() == (out / "restoration" / "mann_kendall.csv").read_text()


@pytest.mark.bad_input
def test_killed_job_leaves_no_complete_looking_output(tmp_path):
    config = yaml.safe_load(TINY.read_text())
    config["regions"]["tiny"]["synthetic"].update(size_km=6, resolution_m=10)
    path = tmp_path / "big.yaml"
    path.write_text(yaml.safe_dump(config))
    results = tmp_path / "results"
    scene = results / "tiny" / "synthetic"
    exe = Path(sys.executable).with_name("snakemake")
    proc = subprocess.Popen(
        [str(exe), str(scene), "--cores", "1", "--configfile", str(path), "--replace-workflow-config", "--config",
         f"results={results}"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        env=dict(os.environ, PYTHONPATH=str(REPO / "src")),
    )
    tmp = scene.with_name(".tmp-synthetic")
    deadline = time.monotonic() + 120
    while not (tmp / "s2").exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    assert (tmp / "s2").exists(), "the scene job never started writing"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not scene.exists()
    dry = snakemake(scene, "-n", "--configfile", path, "--replace-workflow-config", "--config", f"results={results}")
    assert "synthetic_scene" in dry.stdout


@pytest.mark.bad_input
def test_raster_writer_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.tif"
    profile = {"driver": "GTiff", "width": 4, "height": 4, "dtype": "float32", "crs": "EPSG:32650",
               "transform": rasterio.transform.from_origin(400000, 3300000, 10, 10)}
    with pytest.raises(RuntimeError):
        with raster_writer(target, profile, ["a"]) as dst:
            dst.write(np.zeros((1, 4, 4), np.float32))
            raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []


def test_narrow_buffer_rsei_loadings_are_the_pca_of_study_area_pixels(tmp_path):
    """config/narrow-buffer.yaml: a 0.3 km river buffer in a 4 km tile. RSEI has values only in the study area and
    its loadings equal scikit-learn's PCA of the min-max normalised study-area pixels (issue 13)."""
    from sklearn.decomposition import PCA

    from minerestore.raster.read import read_domain_and_water
    from minerestore.raster.vector import burn_mask, read_vector

    out = tmp_path / "narrow"
    target = out / "ecology" / "rsei" / "2022_pca.csv"
    snakemake(target, "--configfile", REPO / "config" / "narrow-buffer.yaml", "--replace-workflow-config", "--config",
              f"results={tmp_path}", check=True)
    grid = Grid.read(out / "inputs" / "grid.json")
    inside = burn_mask(read_vector(out / "study_area.gpkg", grid.crs).geometry, grid)
    assert inside.mean() < 0.3
    # the later stages read the domain from the water mask: 255 exactly outside the study area's pixel centres
    np.testing.assert_array_equal(read_domain_and_water(out / "masks" / "water.tif", grid)[0], inside)
    with rasterio.open(out / "ecology" / "rsei" / "2022.tif") as src:
        d = dict(zip(src.descriptions, src.read()))
    ok = np.isfinite(d["rsei"])
    assert ok.sum() > 1000 and not (ok & ~inside).any() and np.isnan(d["ndvi"][~inside]).all()
    x = np.column_stack([d[k][ok] for k in ("ndvi", "wet", "ndbsi", "lst")]).astype(float)
    pca = PCA(4).fit((x - x.min(0)) / (x.max(0) - x.min(0)))
    ref = pca.components_[0] * np.sign(pca.components_[0][:2].sum())
    table = pd.read_csv(target)
    np.testing.assert_allclose(table["loading"], ref, atol=1e-5)
    assert table["pc1_share_pct"].iloc[0] == pytest.approx(100 * pca.explained_variance_ratio_[0], abs=1e-3)


def test_snakemake_lint_is_clean():
    proc = snakemake("--lint")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Congratulations" in proc.stdout + proc.stderr, proc.stdout + proc.stderr


def test_every_rule_declares_log_benchmark_conda_and_resources():
    import re

    text = "\n".join(p.read_text() for p in (REPO / "workflow" / "rules").glob("*.smk"))
    rules = re.split(r"\nrule ", text)[1:]
    assert rules
    for body in rules:
        name = body.split(":")[0]
        for directive in ("log:", "benchmark:", "conda:", "resources:"):
            assert directive in body, f"rule {name} lacks {directive}"


def test_every_plot_rule_runs_on_the_submitting_node():
    """On a cluster a figure job costs more in scheduling than it draws (about 5 s a SLURM job): every plot_* rule
    is a localrule of the Snakefile, as the fetch, mosaic and table rules are."""
    import re

    text = "\n".join(p.read_text() for p in (REPO / "workflow" / "rules").glob("*.smk"))
    plots = set(re.findall(r"^rule (plot_\w+):", text, flags=re.M))
    block = (REPO / "Snakefile").read_text().split("localrules:", 1)[1].split("\n\n", 1)[0]
    local = set(re.findall(r"^\s+(\w+),", block, flags=re.M))
    assert plots and plots <= local, sorted(plots - local)


@pytest.mark.bad_input
@pytest.mark.realdata
def test_real_landsat_config_end_to_end_with_report(tmp_path):
    """config/real-landsat.yaml: source local on the two real Level-1 scenes (2001 ETM+, 2013 OLI) given as {band}
    patterns, every stage, and the HTML report."""
    import pandas as pd
    from conftest import MARBURG, need

    need(MARBURG)
    results = tmp_path / "results"
    table = tmp_path / "acquisitions.csv"  # a copy with absolute paths, edited below
    rows = pd.read_csv(REPO / "config" / "real-landsat-acquisitions.csv")
    rows["path"] = [str((REPO / "config" / p).resolve()) for p in rows["path"]]
    rows.to_csv(table, index=False)
    config = yaml.safe_load((REPO / "config" / "real-landsat.yaml").read_text())
    config["regions"]["marburg"]["acquisitions"] = str(table)
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    args = ["--configfile", tmp_path / "config.yaml", "--replace-workflow-config", "--config", f"results={results}"]
    snakemake(*args, check=True)
    out = results / "marburg"
    for year in (2001, 2013):
        with rasterio.open(out / "composites" / f"{year}.vrt") as src:
            data = dict(zip(src.descriptions, src.read()))
        assert (data["n_obs"] == 1).mean() > 0.9
        assert np.nanmax(data["ndvi"]) > 0.5
        assert 280 < np.nanmedian(data["lst"]) < 320
    assert sorted(p.name for p in (out / "composites").glob("*.vrt")) == ["2001.vrt", "2013.vrt"]  # years listed
    status = pd.read_csv(out / "restoration" / "mann_kendall.csv")
    assert len(status) > 0 and (status["status"] == "insufficient").all() and (status["n"] <= 2).all()
    counts = pd.read_csv(out / "restoration" / "status_counts.csv")
    assert counts.loc[counts["subregion"] == "all", "n_mines"].sum() == len(status)
    pca = pd.read_csv(out / "ecology" / "rsei_pca.csv").dropna()
    assert set(pca["year"]) == {2001, 2013}
    assert (pca.loc[pca["indicator"] == "ndvi", "loading"] > 0).all()
    assert pd.read_csv(out / "drivers" / "rf_metrics.csv")["r2"].iloc[0] > 0
    for name in ("rsei_maps", "mines_status", "bsp_boxplots"):
        assert (out / "figures" / f"{name}.png").stat().st_size > 10000
    report = tmp_path / "report.html"
    snakemake(*args, "--report", report, check=True)
    assert report.stat().st_size > 100_000
    # a local input is a tracked input: editing the acquisitions table reruns ingest and all that depends on it
    assert "Nothing to be done" in snakemake("-n", *args).stdout
    rows.iloc[::-1].to_csv(table, index=False)
    jobs = planned_jobs(snakemake("-n", *args))
    # 41 x 41 px: both years' composites are one job (composite.batch_px)
    assert jobs["ingest"] == 1 and jobs["composite"] == 1 and jobs["ecology_year"] == 2 and jobs["drivers_model"] == 1


def test_slurm_profile_dry_run_offline(tmp_path):
    pytest.importorskip("snakemake_executor_plugin_slurm")
    proc = snakemake("-n", "--profile", "profiles/slurm", "--config", f"results={tmp_path}")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "composite" in proc.stdout


@pytest.mark.workflow
def test_jobs_import_this_checkouts_package(tmp_path):
    """A minerestore importable from elsewhere (another checkout installed in the environment, here first on
    PYTHONPATH) is not what the jobs run: Snakemake appends a script's folder to sys.path, so the workflow puts its
    own src first on the jobs' PYTHONPATH."""
    other = tmp_path / "other" / "minerestore"
    other.mkdir(parents=True)
    (other / "__init__.py").write_text("raise ImportError('the minerestore of another checkout')\n")
    results = tmp_path / "results"
    cmd = [str(Path(sys.executable).with_name("snakemake")), "--cores", "1",
           str(results / "synthetic" / "inputs" / "grid.json"), "--config", f"results={results}"]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, PYTHONPATH=str(tmp_path / "other")))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (results / "synthetic" / "inputs" / "grid.json").exists()


def test_make_run_keeps_the_terminal_to_progress_and_installs_no_deep_learning_extra():
    """`make run` (dry: `make -n`) runs Snakemake with rules and hosts quiet, and installs the package without the
    dl or test extras (make test adds them)."""
    dry = subprocess.run(["make", "-n", "-B", "run"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert "snakemake --cores 2 --quiet rules host" in dry
    assert "pip install --quiet -e .\n" in dry and "[test,dl]" not in dry

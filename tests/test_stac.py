"""STAC retrieval (issue 8): the real loading code (pystac-client + odc-stac) against a catalog built in the test
and served on a loopback HTTP server with range requests and fault injection (tests/stac_catalog.py)."""

from __future__ import annotations

import shutil
import sys
import types
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rasterio
import yaml
from conftest import MARBURG, need, snakemake
from stac_catalog import CatalogWriter, StacServer, add_marburg, build_catalog, write_cog

from minerestore.raster.grid import Grid
from minerestore.raster.read import read_on_grid
from minerestore.sources import stac
from minerestore.sources.common import FetchError
from minerestore.sources.acquisitions import Acquisition, check_acquisition, read_observation, read_table
from minerestore.sources.synthetic.scene import SyntheticParams, generate

COLLECTIONS = {"sentinel2": "sentinel-2-l2a", "landsat": "landsat-c2-l2", "dem": "cop-dem-glo-30",
               "landcover": "esa-worldcover", "water_occurrence": "jrc-gsw"}
SEASON = {"start_month": 6, "end_month": 9}


@pytest.fixture(scope="module")
def scene(tmp_path_factory) -> tuple[Path, Grid]:
    """A 1.5 km synthetic scene at 20 m, 2021–2022, 2 Sentinel-2 (+1 April) and 1 Landsat scene per year."""
    out = tmp_path_factory.mktemp("scene") / "scene"
    manifest = generate(SyntheticParams(seed=3, size_km=1.5, resolution_m=20, years=[2021, 2022], n_mines=2,
                                        s2_per_year=2, landsat_per_year=1), out)
    return out, Grid.from_bounds(manifest["crs"], tuple(manifest["bounds"]), manifest["resolution"])


@pytest.fixture
def server(scene, tmp_path):
    root = tmp_path / "catalog"
    root.mkdir()
    with StacServer(root) as srv:
        yield srv


def catalog(server, scene, api=False):
    build_catalog(scene[0], server.root, server.url, api=api).write()
    return {"catalog": f"{server.url}/catalog.json", "collections": COLLECTIONS, "max_cloud": 60, "chunk_px": 32,
            "layers": ["dem", "landcover", "water_occurrence"], "retries": 3, "backoff_s": 0.01}


def fetch_season(*args, **kwargs):
    """A year's growing season alone (no mask period), as the fetch did before the mask periods were fetched."""
    return stac.fetch_year_record(*args, periods=None, season_year=True, **kwargs)


def region(**extra):
    return {"source": "stac", "sensor": "sentinel2", "lst_sensor": "landsat", "season": SEASON, **extra}


def data_requests(server) -> list:
    return [r for r in server.requests if r[1].startswith("/data/")]


@pytest.mark.parametrize("api", [False, True], ids=["static-catalog", "stac-api"])
def test_fetched_acquisitions_equal_the_source_scenes(server, scene, tmp_path, api):
    cfg = catalog(server, scene, api)
    grid = scene[1]
    record = fetch_season(cfg, region(), grid, 2021, tmp_path / "cache")
    if api:
        assert any(r[1].startswith("/search") for r in server.requests)
    assert any(r[2] == 206 for r in data_requests(server)), "COGs must be read with range requests"
    rows = pd.DataFrame(record["rows"])
    source = pd.read_csv(scene[0] / "acquisitions.csv")
    in_season = source[(source["date"].str[:4] == "2021") & (source["date"].str[5:7] != "04")]
    # the April scene (out of season) and the 95 % cloudy item are not fetched
    assert sorted(rows["date"]) == sorted(in_season["date"])
    assert "sentinel2_l2a_pb04" in set(rows["sensor"]), "baseline 04.00 item must get the offset profile"
    for row, src in zip(rows.sort_values("date").itertuples(), in_season.sort_values("date").itertuples()):
        fetched = Acquisition(row.path, date.fromisoformat(row.date), row.sensor)
        original = Acquisition(str(scene[0] / src.path), date.fromisoformat(src.date), src.sensor)
        check_acquisition(fetched)
        a, b = (read_observation(acq, grid, conservative_scl=False) for acq in (fetched, original))
        if row.sensor.startswith("sentinel2"):  # same grid: identical values
            for name in ("red", "nir", "swir1", "clear", "snow"):
                np.testing.assert_allclose(a[name], b[name], atol=1e-6, equal_nan=True, err_msg=f"{row.path} {name}")
        else:  # 30 m onto 20 m: bilinear by GDAL's warper in both, QA by nearest
            np.testing.assert_array_equal(a["clear"], b["clear"])
            for name, dn in (("red", 2.75e-5), ("nir", 2.75e-5), ("lst", 0.0034)):
                both = a["clear"] & b["clear"]
                assert np.mean(np.abs(a[name][both] - b[name][both]) <= 2 * dn) > 0.99, name


def test_static_layers_and_provenance(server, scene, tmp_path):
    cfg = catalog(server, scene)
    grid = scene[1]
    record = stac.fetch_static_record(cfg, region(dem="local-dem.tif"), grid, tmp_path / "cache")
    assert set(record["layers"]) == {"landcover", "water_occurrence"}, "a layer given locally is not fetched"
    lc = read_on_grid(record["layers"]["landcover"], grid, resampling=rasterio.enums.Resampling.nearest)
    np.testing.assert_array_equal(lc, read_on_grid(scene[0] / "landcover.tif", grid,
                                                   resampling=rasterio.enums.Resampling.nearest))
    for rec in record["provenance"]:
        assert rec["item_ids"] and rec["hrefs"][0].startswith(server.url) and len(rec["sha256"]) == 64
        assert rec["fetched_at"].endswith("+00:00")


def test_second_fetch_reads_no_data(server, scene, tmp_path):
    cfg = catalog(server, scene)
    first = fetch_season(cfg, region(), scene[1], 2022, tmp_path / "cache")
    n = len(data_requests(server))
    assert n > 0
    second = fetch_season(cfg, region(), scene[1], 2022, tmp_path / "cache")
    assert len(data_requests(server)) == n, "cached files must not be downloaded again"
    assert second["rows"] == first["rows"]
    # a corrupted cache file fails its checksum and is fetched again
    victim = Path(first["rows"][0]["path"].format(band="B04"))
    good = victim.read_bytes()
    victim.write_bytes(good[:-10] + b"0123456789")
    fetch_season(cfg, region(), scene[1], 2022, tmp_path / "cache")
    assert victim.read_bytes() == good  # loaded again (from GDAL's in-process cache: no new request needed)


@pytest.mark.bad_input
def test_empty_search_names_collection_bbox_and_dates(server, scene, tmp_path):
    cfg = catalog(server, scene)
    with pytest.raises(stac.EmptySearchError) as err:
        fetch_season(cfg, region(), scene[1], 2019, tmp_path / "cache")
    message = str(err.value)
    assert "sentinel-2-l2a" in message and "2019-06-01/2019-09-30" in message and "bbox [" in message
    assert not list((tmp_path / "cache").glob("*.tif"))


@pytest.mark.bad_input
def test_429_is_retried(server, scene, tmp_path):
    cfg = catalog(server, scene)
    server.faults = {"/catalog.json": ["429"], "_B04.tif": ["429"]}
    record = fetch_season(cfg, region(), scene[1], 2021, tmp_path / "cache")
    statuses = [(path, status) for _, path, status in server.requests]
    assert ("/catalog.json", 429) in statuses and statuses.index(("/catalog.json", 429)) < statuses.index(
        ("/catalog.json", 200))
    b04 = [s for p, s in statuses if p.endswith("_B04.tif")]
    assert b04[0] == 429 and 206 in b04[1:]
    assert len(record["rows"]) == 3


@pytest.mark.bad_input
@pytest.mark.parametrize("api", [False, True], ids=["static-catalog", "stac-api"])
def test_a_catalog_that_keeps_failing_is_one_stac_error(server, scene, tmp_path, api):
    """Persistent HTTP 500s: one StacError naming the catalog and what was asked, with no chained cause."""
    cfg = catalog(server, scene, api)
    path = "/search" if api else "/sentinel-2-l2a/collection.json"
    server.faults = {path: ["500"] * 50}
    with pytest.raises(stac.StacError) as err:
        fetch_season(cfg, region(), scene[1], 2021, tmp_path / "cache")
    message = str(err.value)
    assert message.startswith(f"STAC catalog {server.url}/catalog.json: the search of 'sentinel-2-l2a' failed")
    assert "stac.retries" in message and err.value.__cause__ is None and err.value.__suppress_context__
    assert [s for _, p, s in server.requests if p.startswith(path)].count(500) == cfg["retries"] + 1


@pytest.mark.bad_input
def test_asset_reads_are_retried_as_stac_retries_says(server, scene, tmp_path):
    cfg = catalog(server, scene)
    server.faults = {"_B04.tif": ["500"] * 2}
    record = fetch_season(cfg, region(), scene[1], 2021, tmp_path / "ok")  # retries 3 > 2 failures
    assert len(record["rows"]) == 3
    cfg["retries"] = 1  # 2022's files: not in GDAL's cache of this process yet
    server.faults = {"_B04.tif": ["500"] * 100}
    with pytest.raises(FetchError, match=r"B04.tif.*nothing was kept"):
        fetch_season(cfg, region(), scene[1], 2022, tmp_path / "failing")
    statuses = [s for _, p, s in server.requests if p.endswith("_B04.tif")]
    assert 500 in statuses


@pytest.mark.bad_input
def test_partial_files_of_a_killed_fetch_are_removed(scene, tmp_path):
    """A killed fetch leaves ``.tmp-<pid>@<host>@<file>``; the next fetch removes it, but not a live writer's."""
    import os
    import socket
    import subprocess

    cache = stac.cache_dir(tmp_path / "cache", scene[1])
    dead = subprocess.Popen(["true"])
    dead.wait()
    host = socket.gethostname()
    leftover = cache / f".tmp-{dead.pid}@{host}@2021-06-26_sentinel2_l2a_B04.tif"
    live = cache / f".tmp-{os.getpid()}@{host}@2021-06-26_sentinel2_l2a_B08.tif"
    other_host = cache / ".tmp-1@node-17@2021-06-26_sentinel2_l2a_B11.tif"
    for path in (leftover, live, other_host):
        path.write_bytes(b"half a GeoTIFF")
    assert stac.cache_dir(tmp_path / "cache", scene[1]) == cache  # what every fetch job does first
    assert not leftover.exists() and live.exists() and other_host.exists()  # another node's: only when stale
    os.utime(other_host, (0, 0))
    stac.cache_dir(tmp_path / "cache", scene[1])
    assert not other_host.exists()


@pytest.mark.bad_input
def test_truncated_body_is_a_clear_error_and_leaves_nothing(server, scene, tmp_path):
    cfg = catalog(server, scene)
    rows = pd.read_csv(scene[0] / "acquisitions.csv")
    first = rows[rows["sensor"].str.startswith("sentinel2") & rows["date"].str.match(r"2021-0[6-9]")]["date"].min()
    server.faults = {f"S2_{first.replace('-', '')}_B08.tif": ["truncate"] * 100}
    cache = tmp_path / "cache"
    with pytest.raises(FetchError, match="B08.tif") as err:
        fetch_season(cfg, region(), scene[1], 2021, cache)
    assert "nothing was kept" in str(err.value)
    assert not list(cache.glob("*B08.tif")) and not list(cache.glob(".tmp-*"))


@pytest.mark.bad_input
def test_unknown_collection_and_missing_role(server, scene, tmp_path):
    cfg = catalog(server, scene)
    cfg["collections"] = {**COLLECTIONS, "sentinel2": "no-such-collection"}
    with pytest.raises(stac.EmptySearchError, match="no-such-collection"):
        fetch_season(cfg, region(), scene[1], 2021, tmp_path / "cache")
    cfg["collections"] = {"sentinel2": "sentinel-2-l2a"}
    with pytest.raises(stac.StacError, match="stac.collections.landsat"):
        fetch_season(cfg, region(), scene[1], 2021, tmp_path / "cache")


@pytest.mark.realdata
def test_real_landsat_level1_through_stac(tmp_path):
    marburg = need(MARBURG)
    root = tmp_path / "catalog"
    root.mkdir()
    with StacServer(root) as server:
        cat = CatalogWriter(root, server.url, api=False)
        add_marburg(cat, marburg, root)
        cat.write()
        cfg = {"catalog": f"{server.url}/catalog.json", "collections": {"landsat": "landsat-c1-l1"},
               "max_cloud": 60, "chunk_px": 16, "retries": 2, "backoff_s": 0.01}
        with rasterio.open(marburg / "DEM.TIF") as src:
            grid = Grid("EPSG:32632", src.transform, src.width, src.height)
        landsat = {"source": "stac", "sensor": "landsat", "season": SEASON}
        rows = []
        for year in (2001, 2013):
            rows += fetch_season(cfg, landsat, grid, year, tmp_path / "cache")["rows"]
    assert [r["sensor"] for r in rows] == ["landsat7_l1", "landsat8_l1"]
    table = tmp_path / "acquisitions.csv"
    pd.DataFrame(rows).assign(bands=lambda t: t["bands"].str.join(" ")).to_csv(table, index=False)
    for acq in read_table(table):
        check_acquisition(acq)
        band = "B4"
        original = next(marburg.glob(f"*{acq.date:%Y%m%d}*_{band}.TIF"))
        np.testing.assert_array_equal(read_on_grid(acq.band_file(band)[0], grid), read_on_grid(original, grid))
        obs = read_observation(acq, grid, conservative_scl=False)
        assert 0 <= np.nanmin(obs["red"]) and np.nanmax(obs["nir"]) <= 1.2
        assert 270 < np.nanmedian(obs["lst"]) < 320


def test_stac_region_runs_the_workflow_and_reruns_nothing(server, scene, tmp_path):
    """A stac region through every stage (identification by candidates), then a rerun that fetches nothing."""
    cfg = catalog(server, scene)
    rivers = tmp_path / "rivers.gpkg"
    shutil.copy(scene[0] / "rivers.gpkg", rivers)
    config = {
        "regions": {"remote": {
            "source": "stac", "sensor": "sentinel2", "lst_sensor": "landsat", "years": {"first": 2021, "last": 2022},
            "season": SEASON, "crs": scene[1].crs, "resolution": 20, "bounds": list(scene[1].bounds),
            "rivers": str(rivers), "analysis_grid_m": 100, "stac": cfg}},
        "identify": {"method": "candidates"},
        "tiles": {"size_px": 64},  # 75 x 75 px: 4 tiles, fetched apart and joined by VRT mosaics
        "drivers": {"n_estimators": 50, "min_samples": 10},
        "results": str(tmp_path / "results"),
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    proc = snakemake("--configfile", path, "--replace-workflow-config", timeout=900)
    assert proc.returncode == 0, proc.stderr[-4000:]
    out = tmp_path / "results" / "remote"
    inputs = yaml.safe_load((out / "fetch" / "inputs.yaml").read_text())
    assert {"dem", "landcover", "water_occurrence", "rivers", "bounds"} <= set(inputs)
    manifest = pd.read_csv(out / "fetch" / "manifest.csv")
    assert manifest["sha256"].str.len().eq(64).all() and manifest["item_ids"].notna().all()
    acquisitions = pd.read_csv(out / "inputs" / "acquisitions.csv", keep_default_na=False)
    # the six growing-season scenes with every band; the two April scenes for the mask periods (by default every
    # month of each analysis year for vegetation, and of all of them for snow), with red, NIR and SCL alone,
    # counted in the manifest
    season, april = acquisitions[acquisitions["in_season"]], acquisitions[~acquisitions["in_season"]]
    assert len(season) == 6 and set(season["bands"].str.split().map(len)) == {7, 8}
    assert list(april["month"]) == [4, 4] and set(april["bands"]) == {"B04 B08 SCL"}
    tiles = 4  # manifest.csv: a row per file and tile; Sentinel-2 7 files (6 bands, SCL), Landsat 8 (+ ST_B10)
    assert manifest.groupby("purpose")["file"].count().to_dict() == {"season": tiles * (4 * 7 + 2 * 8),
                                                                       "vegetation": tiles * 2 * 3}
    assert len(list((out / "fetch" / "2021").glob("r*c*.yaml"))) == 4
    with rasterio.open(out / "fetch" / "layers" / "landcover.vrt") as src:  # the tiles join without seams
        np.testing.assert_array_equal(src.read(1), read_on_grid(scene[0] / "landcover.tif", scene[1],
                                                                resampling=rasterio.enums.Resampling.nearest))
    with rasterio.open(out / "composites" / "2022.vrt") as src:
        assert src.tags()["n_acquisitions"] == "2"
    assert (out / "mines" / "mines.gpkg").exists() and (out / "ecology" / "rsei" / "2022.tif").exists()
    n = len(server.requests)
    again = snakemake("--configfile", path, "--replace-workflow-config", timeout=300)
    assert again.returncode == 0 and "Nothing to be done" in again.stdout + again.stderr
    assert len(server.requests) == n, "a rerun with the same config must not contact the catalog"


@pytest.mark.bad_input
def test_earthengine_errors_name_the_fix(monkeypatch):
    from minerestore.sources import earthengine

    monkeypatch.setitem(sys.modules, "ee", None)  # not installed
    with pytest.raises(earthengine.EarthEngineError, match=r"pip install -e '.*\[earthengine\]'"):
        earthengine.initialise(None)

    def refuse(**kwargs):
        raise RuntimeError("Please authorize access to your Earth Engine account")

    monkeypatch.setitem(sys.modules, "ee", types.SimpleNamespace(Initialize=refuse))
    monkeypatch.setitem(sys.modules, "xee", types.SimpleNamespace())
    with pytest.raises(earthengine.EarthEngineError, match="earthengine authenticate") as err:
        earthengine.initialise("my-project")
    assert "Please authorize" in str(err.value)


# --- what a date is fetched for: the growing season, or a mask period with only the bands it reads -------------

PERIODS = {"vegetation": [("2021-06-01", "2021-09-30")], "snow": [("2021-01-01", "2022-12-31")]}


def test_fetch_purposes_and_bands():
    from minerestore.sources.common import fetch_interval, fetch_purpose, fetched_bands

    season = (6, 9)
    assert fetch_purpose(date(2021, 7, 1), season, PERIODS) == "season"
    assert fetch_purpose(date(2021, 4, 15), season, PERIODS) == "snow"
    assert fetch_purpose(date(2021, 4, 15), season, None) is None  # LST roles: the season alone
    assert fetch_purpose(date(2021, 7, 1), None, {"vegetation": [("2021-06-23", "2021-12-31")]}) == "vegetation"
    assert fetch_interval(2021, season, PERIODS) == (date(2021, 1, 1), date(2021, 12, 31))
    assert fetch_interval(2015, None, {"vegetation": [("2015-06-23", "2016-06-23")]}) == (date(2015, 6, 23),
                                                                                        date(2015, 12, 31))
    assert fetch_interval(2014, None, PERIODS) is None
    assert fetched_bands("sentinel2_l2a", "snow", True) == ["SCL"]
    assert fetched_bands("sentinel2_l2a", "vegetation", True) == ["B04", "B08", "SCL"]
    assert fetched_bands("landsat8_c2l2", "snow", True) == ["QA_PIXEL"]
    assert fetched_bands("modis_mod09a1", "snow", True) == ["StateQA", "QA"]
    # Level-1C has no snow flag: the NDSI bands come too, and without QA60 the cloud detector's bands
    assert fetched_bands("sentinel2_l1c", "snow", True) == ["B03", "B08", "B11", "QA60"]
    assert set(fetched_bands("sentinel2_l1c", "snow", False)) == {"B03", "B08", "B11", "B01", "B02", "B04", "B05",
                                                                  "B8A", "B09", "B10", "B12"}


def test_snow_period_dates_are_fetched_with_their_quality_band_alone(server, scene, tmp_path):
    cfg = catalog(server, scene)
    record = stac.fetch_year_record(cfg, region(), scene[1], 2021, tmp_path / "cache", periods=PERIODS,
                                    season_year=True)
    rows = pd.DataFrame(record["rows"])
    april = rows[rows["date"].str[5:7] == "04"]
    assert len(april) == 1 and april.iloc[0]["purpose"] == "snow" and april.iloc[0]["bands"] == ["SCL"]
    assert set(rows.loc[rows["date"].str[5:7] != "04", "purpose"]) == {"season"}
    assert {p["purpose"] for p in record["provenance"] if "04-" in p["file"][5:8]} == {"snow"}
    acq = Acquisition(april.iloc[0]["path"], date.fromisoformat(april.iloc[0]["date"]), april.iloc[0]["sensor"],
                      tuple(april.iloc[0]["bands"]))
    obs = read_observation(acq, scene[1], only=("red", "nir", "ndvi"), conservative_scl=False)
    assert set(obs) == {"clear", "snow"} and obs["clear"].any()
    # a year no composite reads is fetched for the masks alone: its growing-season scenes are not
    masks_only = stac.fetch_year_record(cfg, region(), scene[1], 2021, tmp_path / "cache",
                                        periods={"snow": [("2021-04-01", "2021-04-30")]}, season_year=False)
    assert [r["purpose"] for r in masks_only["rows"]] == ["snow"]


def level1c_catalog(server, scene) -> dict:
    """The test catalog with its 2021 Sentinel-2 items in a ``sentinel-2-l1c`` collection instead (a QA60 asset
    made from their SCL: clouds 8, 9, 10 -> bit 10): a Level-2A archive that starts in 2022."""
    cat = build_catalog(scene[0], server.root, server.url, pb04_first=False)  # QA60 exists before baseline 04.00
    moved = [i for i in cat.items["sentinel-2-l2a"] if i["properties"]["datetime"].startswith("2021")]
    cat.items["sentinel-2-l2a"] = [i for i in cat.items["sentinel-2-l2a"] if i not in moved]
    for item in moved:
        scl_href = item["assets"]["SCL"]["href"]
        scl_file = server.root / scl_href.split(server.url + "/", 1)[1]
        qa_file = scl_file.with_name(scl_file.name.replace("SCL", "QA60"))
        with rasterio.open(scl_file) as src:
            write_cog(np.where(np.isin(src.read(1), (8, 9, 10)), 1 << 10, 0).astype("uint16"), src.profile, qa_file)
        assets = {k: v["href"].split(server.url + "/", 1)[1] for k, v in item["assets"].items() if k != "SCL"}
        cat.add("sentinel-2-l1c", item["id"], item["properties"]["datetime"], scene[1].crs, scene[1].bounds,
                {**assets, "QA60": str(qa_file.relative_to(server.root))},
                **{k: v for k, v in item["properties"].items() if k != "datetime"})
    cat.write()
    return {"catalog": f"{server.url}/catalog.json", "collections": {**COLLECTIONS, "sentinel2_l1c": "sentinel-2-l1c"},
            "max_cloud": 60, "chunk_px": 32, "layers": ["dem", "landcover", "water_occurrence"], "retries": 3,
            "backoff_s": 0.01}


def test_auto_level_fetches_level1c_where_level2a_does_not_cover(server, scene, tmp_path, caplog):
    cfg = level1c_catalog(server, scene)
    auto = region(sentinel2_level="auto")
    with caplog.at_level("WARNING"):
        first = stac.fetch_year_record(cfg, auto, scene[1], 2021, tmp_path / "cache", periods=None, season_year=True)
    sensors = {r["sensor"] for r in first["rows"]}
    assert sensors == {"sentinel2_l1c", "landsat8_c2l2"}
    assert "has no Level-2A item over the region before the year's end" in caplog.text
    l1c = next(r for r in first["rows"] if r["sensor"].startswith("sentinel2_l1c"))
    assert "QA60" in l1c["bands"]
    second = stac.fetch_year_record(cfg, auto, scene[1], 2022, tmp_path / "cache", periods=None, season_year=True)
    assert not any(r["sensor"].startswith("sentinel2_l1c") for r in second["rows"])
    # l1c asks for Level-1C alone; l2a (the default) finds no Sentinel-2 item in 2021
    only = stac.fetch_year_record(cfg, region(sentinel2_level="l1c"), scene[1], 2021, tmp_path / "cache",
                                  periods=None, season_year=True)
    assert {r["sensor"] for r in only["rows"]} == sensors
    with pytest.raises(FetchError, match="sentinel-2-l2a"):
        stac.fetch_year_record(cfg, region(), scene[1], 2021, tmp_path / "cache", periods=None, season_year=True)


def test_earthengine_fetches_mask_periods_and_level1c_before_level2a(monkeypatch, tmp_path):
    """Earth Engine's side, with the collections faked as xarray datasets (no account here): with
    sentinel2_level auto, COPERNICUS/S2_HARMONIZED fills the dates before COPERNICUS/S2_SR_HARMONIZED's first image
    (2017-03-28); an April image outside the season comes with its QA60 and NDSI bands alone (snow period)."""
    import xarray as xr

    from minerestore.sources import earthengine

    grid = Grid("EPSG:32650", rasterio.transform.from_origin(500000, 3000200, 20, 20), 10, 10)
    dates = {"COPERNICUS/S2_SR_HARMONIZED": ["2017-03-28", "2017-07-10"],
             "COPERNICUS/S2_HARMONIZED": ["2017-02-10", "2017-03-12"]}

    def fake_open(ee, collection, grid, start, end, chunk_px):
        times = [d for d in dates[collection] if start.isoformat() <= d <= end.isoformat()]
        if not times:
            raise earthengine.EmptySearchError(f"{collection}: nothing")
        bands = ["B2", "B3", "B4", "B8", "B11", "B12", "SCL" if "SR" in collection else "QA60"]
        data = {b: (("time", "y", "x"), np.full((len(times), 10, 10), 1000, np.uint16)) for b in bands}
        return xr.Dataset(data, coords={"time": np.array(times, dtype="datetime64[ns]")})

    monkeypatch.setattr(earthengine, "initialise", lambda project: None)
    monkeypatch.setattr(earthengine, "_open", fake_open)
    region = {"sensor": "sentinel2", "lst_sensor": "none", "season": SEASON, "sentinel2_level": "auto"}
    record = earthengine.fetch_year_record({"project": None, "collections": {}}, region, grid, 2017, tmp_path,
                                           periods={"snow": [("2017-01-01", "2017-12-31")]}, season_year=True)
    rows = {r["date"]: r for r in record["rows"]}
    assert set(rows) == {"2017-02-10", "2017-03-12", "2017-03-28", "2017-07-10"}
    assert rows["2017-02-10"]["sensor"] == "sentinel2_l1c" and rows["2017-02-10"]["purpose"] == "snow"
    assert rows["2017-02-10"]["bands"] == ["B03", "B08", "B11", "QA60"]
    assert rows["2017-03-28"]["sensor"] == "sentinel2_l2a" and rows["2017-03-28"]["bands"] == ["SCL"]
    assert rows["2017-07-10"]["purpose"] == "season" and len(rows["2017-07-10"]["bands"]) == 7
    with rasterio.open(tmp_path / "2017-02-10_sentinel2_l1c_QA60.tif") as src:
        assert src.read(1).shape == (10, 10)

"""The bad-input suite, at the workflow's door: a local region with one thing wrong stops ``snakemake -n`` before the
DAG is built, with one line naming the key or the file and what to do (no traceback, no job, no output folder).
Other cases of the suite (marked ``bad_input``) test the functions that raise these messages, or the correct result
with a warning: ``pytest -m bad_input`` runs them all."""

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
import yaml
from conftest import snakemake
from test_ingest import CRS, s2_file

from minerestore.raster.vector import read_vector

pytestmark = pytest.mark.bad_input


def lst_raster(path: Path, kelvin: float = 300.0) -> Path:
    """A constant LST raster (K) over the scenes of :func:`local_region` (Sentinel-2 has no thermal band)."""
    with rasterio.open(path, "w", driver="GTiff", width=10, height=10, count=1, dtype="float32", crs=CRS,
                       transform=rasterio.transform.from_origin(400000, 3301000, 100, 100), nodata=float("nan")) as dst:
        dst.write(np.full((1, 10, 10), kelvin, "float32"))
    return path


def local_region(tmp_path: Path) -> dict:
    """Five Sentinel-2 scenes (100 x 100 px at 10 m), a river across them, an LST raster, a drivers' analysis grid
    of 100 m (10 x 10 cells); returns the config."""
    rows = []
    for year in range(2018, 2023):
        s2_file(tmp_path / f"s{year}.tif", shape=(100, 100))
        rows.append((f"s{year}.tif", f"{year}-07-01", "sentinel2_l2a"))
    pd.DataFrame(rows, columns=["path", "date", "sensor"]).to_csv(tmp_path / "acq.csv", index=False)
    line = shapely.LineString([(400000, 3300500), (401000, 3300500)])
    gpd.GeoDataFrame(geometry=[line], crs=CRS).to_file(tmp_path / "rivers.gpkg")
    region = {"source": "local", "sensor": "sentinel2", "lst_sensor": "none", "years": {"first": 2018, "last": 2022},
              "crs": CRS, "resolution": 10, "acquisitions": str(tmp_path / "acq.csv"),
              "rivers": str(tmp_path / "rivers.gpkg"), "lst": str(lst_raster(tmp_path / "lst.tif")),
              "analysis_grid_m": 100}
    return {"regions": {"bad": region}, "identify": {"method": "candidates"}, "results": str(tmp_path / "results")}


def no_crs(tmp_path, region):
    with rasterio.open(tmp_path / "s2019.tif") as src:
        data, profile, names = src.read(), src.profile, src.descriptions
    profile.pop("crs")
    with rasterio.open(tmp_path / "s2019.tif", "w", **profile) as dst:
        dst.write(data)
        for i, name in enumerate(names, 1):
            dst.set_band_description(i, name)


def truncated(tmp_path, region):
    data = (tmp_path / "s2019.tif").read_bytes()
    (tmp_path / "s2019.tif").write_bytes(data[:3000])


def table_moved_to_a_subfolder(tmp_path, region):
    """The user's acquisitions table moved into tables/ with its relative paths unchanged (they were written for
    the working directory): they resolve from tables/."""
    (tmp_path / "tables").mkdir()
    (tmp_path / "acq.csv").rename(tmp_path / "tables" / "acq.csv")
    region["acquisitions"] = str(tmp_path / "tables" / "acq.csv")


def points(tmp_path, region):
    pts = [shapely.Point(400100, 3300500), shapely.Point(400900, 3300500)]
    gpd.GeoDataFrame(geometry=pts, crs=CRS).to_file(tmp_path / "rivers.gpkg")


def rivers_off_the_scenes(tmp_path, region):
    line = shapely.LineString([(430000, 3300500), (431000, 3300500)])
    gpd.GeoDataFrame(geometry=[line], crs=CRS).to_file(tmp_path / "rivers.gpkg")
    region["bounds"] = [400000, 3300000, 432000, 3302000]


def two_layers(tmp_path, region):
    roads = shapely.LineString([(400000, 3300100), (401000, 3300100)])
    gpd.GeoDataFrame(geometry=[roads], crs=CRS).to_file(tmp_path / "rivers.gpkg", layer="roads")
    gpd.GeoDataFrame({"name": ["Han"]}, geometry=[shapely.LineString([(400000, 3300500), (401000, 3300500)])],
                     crs=CRS).to_file(tmp_path / "rivers.gpkg", layer="rivers")


def metres_tagged_as_degrees(tmp_path, region):
    line = shapely.LineString([(400000, 3300500), (401000, 3300500)])
    gpd.GeoDataFrame(geometry=[line], crs="EPSG:4326").to_file(tmp_path / "rivers.gpkg")


def subregions_without_the_field(tmp_path, region):
    zone = shapely.box(399000, 3299000, 402000, 3302000)
    gpd.GeoDataFrame({"name": ["upper"]}, geometry=[zone], crs=CRS).to_file(tmp_path / "zones.gpkg")
    region["subregions"] = str(tmp_path / "zones.gpkg")


CASES = {
    "inverted bounds": (lambda t, r: r.update(bounds=[401000, 3300000, 400000, 3301000]),
                        r"config key regions.bad.bounds: \[401000, 3300000, 400000, 3301000\] is not \[xmin, ymin"),
    "bounds away from the rivers": (lambda t, r: r.update(bounds=[500000, 3300000, 501000, 3301000]),
                                    r"region 'bad': the study area does not meet the region grid"),
    "a 1-pixel grid": (lambda t, r: r.update(bounds=[400000, 3300490, 400010, 3300500]),
                       r"region 'bad': the region grid would be 1 x 1 px of 10 m .* at least 16 px a side"),
    "an analysis year without acquisition": (
        lambda t, r: r.update(years=[2016, 2018, 2020]),
        r"config key regions.bad.years: \[2016\] have no sentinel2 acquisition in the growing season \(months 6–9\) "
        r"in .*acq.csv; they would give empty composites. List the years that have data \(years: \[2018, 2020\]\)"),
    "years out of order": (lambda t, r: r.update(years=[2020, 2018]),
                           r"config key regions.bad.years: \[2020, 2018\] is not in increasing order"),
    "a zero-byte acquisitions CSV": (lambda t, r: (t / "acq.csv").write_text(""),
                                     r"acq.csv: the file is empty; give a header line 'path,date,sensor'"),
    "an acquisition without CRS": (no_crs, r"s2019.tif: the raster has no CRS, so it cannot be placed"),
    "a truncated acquisition": (truncated, r"s2019.tif: unreadable \(.*\); listed as a sentinel2_l2a acquisition"),
    "acquisition paths written for the working directory": (
        table_moved_to_a_subfolder, r"tables/s2018.tif: unreadable \(.*\); listed as a sentinel2_l2a acquisition of "
                                    r"2018-07-01 in .*tables/acq.csv row 2 \(a relative path there is taken from the "
                                    r"table's folder, not from the working directory\)"),
    "rivers given as points": (points, r"rivers.gpkg: the layer holds \['Point'\] geometries where lines"),
    "a Web Mercator CRS": (lambda t, r: r.update(crs="EPSG:3857", bounds=[400000, 3300000, 402000, 3302000]),
                           r"region 'bad': EPSG:3857 scales areas by up to x1.29 over the region .* Use the "
                           r"region's UTM zone \(EPSG:32631\) or an equal-area CRS"),
    "a resolution in degrees": (lambda t, r: r.update(resolution=0.00025),
                                r"region 'bad': resolution 0.00025 m is finer than 0.1 m \(the grid would be "
                                r".* was it given in degrees\?"),
    "an analysis grid finer than the pixels": (
        lambda t, r: r.update(analysis_grid_m=5),
        r"config key regions.bad.analysis_grid_m: the drivers' analysis grid of 5 m is finer than the region's 10 m"),
    "a grid across the antimeridian": (
        lambda t, r: r.update(crs="EPSG:32660", bounds=[730000, 5000000, 750000, 5020000]),
        r"region 'bad': the region crosses the antimeridian \(180°"),
    "sentinel2_level on a local region": (
        lambda t, r: r.update(sentinel2_level="l1c"),
        r"config key regions.bad.sentinel2_level: 'l1c' chooses what a stac or earthengine region fetches"),
    "rivers in a GeoPackage of two layers": (two_layers, r"config key regions.bad.rivers: .*rivers.gpkg: the file holds "
                                                         r"2 layers with geometries \['roads', 'rivers'\]; the "
                                                         r"workflow reads one: write the one meant to a file"),
    "rivers in metres tagged as degrees": (metres_tagged_as_degrees,
                                           r"rivers.gpkg: the layer's CRS \(EPSG:4326\) is in degrees but its "
                                           r"coordinates reach \(400000, 3300500, 401000, 3300500\)"),
    "sub-regions without their attribute": (subregions_without_the_field,
                                            r"config key regions.bad.subregion_field: .*zones.gpkg has no attribute "
                                            r"'subregion'; it has \['name'\]"),
    "a river_field the rivers lack": (lambda t, r: r.update(river_field="NAME"),
                                      r"config key regions.bad.river_field: .*rivers.gpkg has no attribute 'NAME'"),
    "no LST for RSEI": (lambda t, r: r.pop("lst"),
                        r"config key regions.bad.lst_sensor: lst_sensor: none gives no land-surface temperature, which "
                        r"RSEI needs; set lst_sensor to landsat or modis .* or lst to an LST raster in kelvin"),
    "an LST sensor without acquisitions": (lambda t, r: (r.pop("lst"), r.update(lst_sensor="landsat")),
                                           r"config key regions.bad.lst_sensor: landsat gives LST, but .*acq.csv has no "
                                           r"landsat acquisition in the growing season of \[2018, 2019, 2020, 2021, "
                                           r"2022\]"),
    "a drivers grid too coarse for the region": (
        lambda t, r: r.pop("analysis_grid_m"),
        r"region 'bad': the drivers' analysis grid of 1000 m has 1 x 1 cells over the 1 x 1 km region grid, fewer than "
        r"drivers.min_samples \(50\) .* Set regions.<name>.analysis_grid_m \(or drivers.grid_m\) to 140 m or less"),
    "bounds in degrees": (lambda t, r: r.update(bounds=[117.0, 29.8, 117.02, 29.82]),
                          r"config key regions.bad.bounds: \[117.0, 29.8, 117.02, 29.82\] are longitudes and latitudes "
                          r"in degrees \(they lie in the area of use of EPSG:32650\), not EPSG:32650 metres; give "
                          r"\[500000, 3296624, 501933, 3298840\]"),
    "bounds round rivers the scenes do not cover": (
        rivers_off_the_scenes, r"region 'bad': no acquisition meets the study area \(420000, 3300000, 432000, "
                               r"3302000\) .* the acquisitions cover \(400000, 3300000, 401000, 3301000\)"),
    "a top-level key inside the region": (lambda t, r: r.update(seed=3),
                                          r"config key regions.bad: 'seed' belong\(s\) at the top level of the "
                                          r"config \(beside regions:\), not inside regions.bad"),
}


@pytest.mark.workflow
@pytest.mark.parametrize("case", CASES)
def test_a_bad_region_stops_before_the_dag_with_one_line(tmp_path, case):
    config = local_region(tmp_path)
    mutate, expected = CASES[case]
    mutate(tmp_path, config["regions"]["bad"])
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    proc = snakemake("-n", "--configfile", path, "--replace-workflow-config")
    err = proc.stdout + proc.stderr
    assert proc.returncode != 0
    line = next(line for line in err.splitlines() if line.startswith("Error: "))
    assert re.search(expected, line), err[-2000:]
    assert "Traceback" not in err and "InputFunctionException" not in err
    assert not (tmp_path / "results").exists()


CONFIG_CASES = {
    "reversed FVC percentiles": (lambda c: c.update(ecology={"fvc_percentiles": [95, 5]}),
                                 r"config key ecology.fvc_percentiles: \[95, 5\] - the first \(bare soil\) must be "
                                 r"below the second"),
    "windows that overlap by their size": (
        lambda c: c.update(identify={"method": "candidates", "dl": {"patch_px": 64, "overlap_px": 64}}),
        r"config key identify.dl.overlap_px: 64 is not below identify.dl.patch_px \(64\)"),
    "an even Rao window": (lambda c: c.update(ecology={"rao_window": 4}),
                           r"config key ecology.rao_window: 4 - the moving window needs a centre pixel"),
    "reversed boxplot whiskers": (lambda c: c.update(report={"whisker_percentiles": [90, 10]}),
                                  r"config key report.whisker_percentiles: \[90, 10\] - give \[low, high\]"),
    "a global analysis grid finer than the pixels": (
        lambda c: (c.update(drivers={"grid_m": 5}), c["regions"]["bad"].pop("analysis_grid_m")),
        r"config key drivers.grid_m: the drivers' analysis grid of 5 m"),
    "river bands out of order": (
        lambda c: c["identify"].update(statistics={"river_bands_km": [5, 2, 10]}),
        r"config key identify.statistics.river_bands_km: \[5, 2, 10\] - class edges must increase"),
    "a land-use network outside the registry": (
        lambda c: (c["regions"]["bad"].update(landuse={"synthetic": {}}), c.update(landuse={"networks": ["unet+"]})),
        r"config key landuse.networks: 'unet\+' is not a segmentation network it takes; known: unet, "),
    "a land-use class code given twice": (
        lambda c: (c["regions"]["bad"].update(landuse={"synthetic": {}}),
                   c.update(landuse={"classes": [{"code": 1, "name": "a", "abbreviation": "A", "colour": "#000000"},
                                                 {"code": 1, "name": "b", "abbreviation": "B", "colour": "#ffffff"}]})),
        r"config key landuse.classes: code \[1\] given to more than one class"),
    "a composite window wider than the data": (
        lambda c: (c["regions"]["bad"].update(years=[2020, 2021]), c.update(composite={"window_years": 9})),
        r"config key regions.bad.years: 2020 and 2021 would be composited from the same growing seasons "
        r"\(\[2018, 2019, 2020, 2021, 2022\]: .* composite.window_years = 9\), so their composites, and every number of those years, "
        r"would be identical"),
    "a synthetic land-use scene smaller than a patch": (
        lambda c: c["regions"]["bad"].update(landuse={"only": True, "synthetic": {"size_px": 256}}),
        r"config key regions.bad.landuse.synthetic.size_px: the scene of 256 px is smaller than a patch of 512 px"),
}


@pytest.mark.workflow
@pytest.mark.parametrize("case", CONFIG_CASES)
def test_a_bad_option_stops_before_the_dag_with_one_line(tmp_path, case):
    config = local_region(tmp_path)
    mutate, expected = CONFIG_CASES[case]
    mutate(config)
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    proc = snakemake("-n", "--configfile", path, "--replace-workflow-config")
    err = proc.stdout + proc.stderr
    assert proc.returncode != 0
    line = next(line for line in err.splitlines() if line.startswith("Error: "))
    assert re.search(expected, line), err[-2000:]
    assert "Traceback" not in err


@pytest.mark.workflow
def test_a_region_named_by_a_year_plans(tmp_path):
    """YAML reads a region called 2019 as a number; the region is planned under the name '2019'."""
    config = local_region(tmp_path)
    config["regions"] = {2019: config["regions"]["bad"]}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    proc = snakemake("-n", "--configfile", path, "--replace-workflow-config")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "results/2019/inputs/grid.json" in proc.stdout


@pytest.mark.workflow
def test_the_good_region_plans(tmp_path):
    """The suite's base region is sound: its dry run plans every stage (so each case above fails for its fault)."""
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(local_region(tmp_path)))
    proc = snakemake("-n", "--configfile", path, "--replace-workflow-config")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "ingest" in proc.stdout and "drivers_model" in proc.stdout


def test_a_self_intersecting_aoi_is_repaired_and_named(tmp_path, caplog):
    from minerestore.raster.vector import read_vector

    bowtie = shapely.Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])
    gpd.GeoDataFrame(geometry=[bowtie], crs=CRS).to_file(tmp_path / "aoi.gpkg")
    aoi = read_vector(tmp_path / "aoi.gpkg", CRS, "polygons")
    assert aoi.geometry.iloc[0].is_valid and aoi.geometry.iloc[0].area == pytest.approx(50)
    assert "aoi.gpkg: feature 0 is invalid (Self-intersection" in caplog.text


def test_aoi_select_keeps_one_city_and_names_the_values_it_has(tmp_path):
    path = tmp_path / "cities.gpkg"
    box = shapely.box
    gpd.GeoDataFrame({"city": ["Anshan", "Handan"]}, geometry=[box(0, 0, 1, 1), box(2, 0, 3, 1)],
                     crs="EPSG:4326").to_file(path)
    one = read_vector(path, "EPSG:4326", "polygons", {"city": "Handan"})
    assert one["city"].tolist() == ["Handan"] and one.total_bounds[0] == 2
    with pytest.raises(ValueError, match=r"no feature with city = 'Tangshan'; the layer has \['Anshan', 'Handan'\]"):
        read_vector(path, "EPSG:4326", "polygons", {"city": "Tangshan"})
    with pytest.raises(ValueError, match="no attribute 'name'"):
        read_vector(path, "EPSG:4326", "polygons", {"name": "Handan"})


@pytest.mark.workflow
def test_an_epoch_whose_window_reaches_past_the_data_reports_the_years_it_used(tmp_path):
    """Scenes of 2018–2022, epochs 2019 and 2022 of 3-year windows: the 2022 epoch's window (2021–2023) reaches past
    the data; its composite uses 2021 and 2022, says so in its tags and warns in its log."""
    config = local_region(tmp_path)
    config["regions"]["bad"]["years"] = {"first": 2019, "last": 2022, "step": 3}
    config["composite"] = {"window_years": 3, "statistic": "mean"}
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(config))
    results = tmp_path / "results" / "bad"
    proc = snakemake(results / "composites" / "2019.vrt", results / "composites" / "2022.vrt",
                     "--configfile", tmp_path / "c.yaml")
    assert proc.returncode == 0, proc.stderr[-3000:]
    tags = {}
    for year in (2019, 2022):
        with rasterio.open(results / "composites" / f"{year}.vrt") as src:
            tags[year] = src.tags()
    assert (tags[2019]["window_years"], tags[2019]["years_used"]) == ("2018,2019,2020", "2018,2019,2020")
    assert (tags[2022]["window_years"], tags[2022]["years_used"]) == ("2021,2022,2023", "2021,2022")
    assert tags[2022]["statistic"] == "mean" and tags[2022]["n_acquisitions"] == "2"
    log = (results / "logs" / "composite_2019-2022_r000c000.log").read_text()  # one job for both (batch_px)
    assert "epoch 2022: the window 2021–2023 has acquisitions only in [2021, 2022]" in log


def test_a_results_folder_keeps_one_writer(tmp_path):
    from minerestore.writer import WriterError, check_writer, record_writer

    results = tmp_path / "results"
    check_writer(results, tmp_path / "a", tmp_path / "a")  # a new folder: anyone may write it
    record_writer(results, tmp_path / "a", tmp_path / "a", {"seed": 1}, "0.1.0")
    check_writer(results, tmp_path / "a", tmp_path / "a")
    for workflow_dir, workdir in ((tmp_path / "b", tmp_path / "a"), (tmp_path / "a", tmp_path / "b")):
        with pytest.raises(WriterError, match=r"is written by the workflow in .*/a run from .*/a .* this run is the "
                                              r"workflow in .* Set another results folder .* or delete"):
            check_writer(results, workflow_dir, workdir)


@pytest.mark.workflow
def test_a_results_folder_of_another_checkout_stops_before_the_dag(tmp_path):
    import json

    config = local_region(tmp_path)
    results = tmp_path / "results"
    results.mkdir()
    stamp = {"workflow": "/elsewhere/minerestore", "workdir": "/elsewhere/minerestore", "config": "0123456789ab",
             "last_run": "2026-11-30T10:00:00+00:00"}
    (results / ".minerestore-writer.json").write_text(json.dumps(stamp))
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    proc = snakemake("-n", "--configfile", path, "--replace-workflow-config")
    err = proc.stdout + proc.stderr
    line = next(line for line in err.splitlines() if line.startswith("Error: "))
    assert f"results folder {results} is written by the workflow in /elsewhere/minerestore" in line
    assert "delete" in line and "Traceback" not in err and proc.returncode != 0


@pytest.mark.workflow
def test_nested_values_given_with_config_on_the_command_line_keep_their_type(tmp_path):
    """Snakemake reads the values inside ``--config thresholds={bsp_ndvi: 0.3}`` as text: the schema refused
    "'0.3' is not of type 'number'", a message the user cannot act on (they wrote a number)."""
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(local_region(tmp_path)))
    proc = snakemake("-n", "--configfile", path, "--replace-workflow-config", "--config",
                     "thresholds={bsp_ndvi: 0.3, min_patch_m2: 500}", "composite={window_years: 3}")
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-2000:]


def test_typed_overrides_read_nested_text_as_yaml():
    from minerestore.config import typed_overrides

    given = {"thresholds": {"bsp_ndvi": "0.3", "mk_alpha": "1e-2"}, "seed": 7, "results": "2019-run",
             "masks": {"vegetation_dates": ["2015-06-23", "2015-09-30"], "period": "null"},
             "regions": {"a": {"years": ["2019", "2020"], "crs": "EPSG:32650", "aoi_select": {"city": "Ma'anshan"},
                               "sentinel2_level": "auto", "synthetic": {"city": "True"}}}}
    assert typed_overrides(given) == {
        "thresholds": {"bsp_ndvi": 0.3, "mk_alpha": 0.01}, "seed": 7, "results": "2019-run",
        "masks": {"vegetation_dates": ["2015-06-23", "2015-09-30"], "period": None},
        "regions": {"a": {"years": [2019, 2020], "crs": "EPSG:32650", "aoi_select": {"city": "Ma'anshan"},
                          "sentinel2_level": "auto", "synthetic": {"city": True}}}}

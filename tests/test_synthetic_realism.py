"""The realistic synthetic twin (synthetic.realism: realistic): real or compound mine outlines, the confusers the
studies name, and imaging defects the quality band misses; the basic twin is untouched."""

import logging

import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
import yaml
from conftest import AMAZON, REPO, need, snakemake, synthetic_landscape

from minerestore.indices import ndvi
from minerestore.sources.synthetic import landscape, realism
from minerestore.sources.synthetic.imagery import Rendered
from minerestore.sources.synthetic.scene import SyntheticParams, generate
from minerestore.sources.synthetic.spectra import BACKGROUND, CROP, REFLECTANCE, WATER

YEARS = list(range(2016, 2021))


@pytest.fixture(scope="module")
def realistic_landscape():
    """The default scene's terrain, land cover and mines with the realistic additions (no imagery)."""
    p = SyntheticParams(size_km=6, n_mines=12, years=YEARS)
    rng, grid, terr, classes, towns, mines = synthetic_landscape(p)
    fields = landscape.mine_pixel_fields(mines, grid, rng)
    extra = realism.build(classes, terr["dem"], terr["water"], terr["river_dist"], mines, fields, grid, towns, YEARS,
                          np.random.default_rng(5))
    return classes, mines, fields, extra


def vegetated_surface(shape):
    """A surface of dense grass everywhere: (6, rows, cols) reflectance and LST."""
    refl = np.broadcast_to(np.asarray(REFLECTANCE[2], np.float32)[:, None, None], (6, *shape)).copy()
    return refl, np.full(shape, 300.0, np.float32)


def test_every_confuser_type_is_placed_and_none_on_a_mine(realistic_landscape):
    classes, mines, fields, extra = realistic_landscape
    present = set(np.unique(extra.confusers)) - {0}
    assert present == set(realism.CONFUSERS)
    assert not (extra.confusers[fields["label"] > 0]).any()


def test_fallow_farmland_is_bare_in_its_fallow_years_only(realistic_landscape):
    classes, mines, fields, extra = realistic_landscape
    years_fallow = np.array([extra.fallow[y] for y in YEARS])  # (years, parcels + 1)
    parcel = int(np.flatnonzero(years_fallow.any(axis=0) & ~years_fallow.all(axis=0))[0])
    bare_year = YEARS[int(np.flatnonzero(years_fallow[:, parcel])[0])]
    green_year = YEARS[int(np.flatnonzero(~years_fallow[:, parcel])[0])]
    where = extra.parcels == parcel
    assert (classes[where] == CROP).all()  # still cropland in the truth's land cover
    values = {}
    for year in (bare_year, green_year):
        refl, lst = vegetated_surface(classes.shape)
        realism.apply_year(extra, refl, lst, year, np.zeros(classes.shape, np.float32), mines)
        values[year] = ndvi(refl[2][where], refl[3][where])
    assert values[bare_year].max() < 0.3 and values[green_year].min() > 0.6


def test_harvested_parcels_turn_bare_only_after_their_harvest(realistic_landscape):
    classes, mines, fields, extra = realistic_landscape
    year = YEARS[0]
    day = extra.harvest_day[year]
    parcel = int(np.flatnonzero(np.isfinite(day))[0])
    refl, lst = vegetated_surface(classes.shape)
    before, _ = realism.dated_surface(extra, refl, lst, year, day[parcel] - 0.01)
    after, _ = realism.dated_surface(extra, refl, lst, year, day[parcel] + 0.01)
    where = extra.parcels == parcel
    assert ndvi(before[2][where], before[3][where]).min() > 0.6
    assert ndvi(after[2][where], after[3][where]).max() < 0.3
    assert realism.dated_surface(extra, refl, lst, year, 0.0)[0] is refl  # nothing harvested yet: no copy


def test_tailings_ponds_are_water_inside_their_mines(realistic_landscape):
    classes, mines, fields, extra = realistic_landscape
    assert extra.pond.any() and (fields["label"][extra.pond] > 0).all()
    refl, lst = vegetated_surface(classes.shape)
    realism.apply_year(extra, refl, lst, YEARS[0], np.where(fields["label"] > 0, 1.0, 0).astype(np.float32), mines)
    assert ndvi(refl[2][extra.pond], refl[3][extra.pond]).max() < 0
    assert np.allclose(lst[extra.pond], 293.0)


def test_an_active_mines_bare_ground_advances_from_one_side(realistic_landscape):
    classes, mines, fields, extra = realistic_landscape
    for k, mine in enumerate(mines.itertuples()):
        inside = fields["label"] == k + 1
        ranks = np.sort(fields["core_rank"][inside])
        np.testing.assert_allclose(ranks, (np.arange(ranks.size) + 0.5) / ranks.size)  # still a rank in [0, 1]
    rows, cols = np.indices(classes.shape)
    big = int(np.argmax(mines.area_km2)) + 1
    inside = fields["label"] == big
    first = inside & (fields["core_rank"] < 0.3)
    offset = np.hypot(rows[first].mean() - rows[inside].mean(), cols[first].mean() - cols[inside].mean())
    assert offset > 0.2 * np.sqrt(inside.sum() / np.pi)  # a disc growing from the centre would have offset ~0


def test_defects_change_the_image_but_not_its_flags(realistic_landscape):
    classes, mines, fields, extra = realistic_landscape
    shape = classes.shape
    refl = np.broadcast_to(np.asarray(BACKGROUND, np.float32)[:, None, None], (6, *shape)).copy()
    refl[:, :, shape[1] // 2:] = np.asarray(REFLECTANCE[WATER], np.float32)[:, None, None]  # a sharp edge
    cloud = np.zeros(shape, np.float32)
    image = Rendered(refl, np.full(shape, 300.0, np.float32), cloud, np.zeros(shape, bool), np.zeros(shape, bool),
                     np.zeros(shape, bool))
    hazy = 0
    for seed in range(12):
        out = realism.degrade(extra, image, YEARS[0], np.random.default_rng(seed))
        assert out.cloud is image.cloud and out.shadow is image.shadow  # the quality band is not told
        middle = out.reflectance[0, shape[0] // 4: shape[0] // 2, : shape[1] // 4]
        hazy += middle.mean() > BACKGROUND[0] + 0.01  # blue brightened by haze or thin cloud
        # mixed pixels: the edge is spread over several pixels
        row = out.reflectance[3, shape[0] // 2]
        assert ((row > REFLECTANCE[WATER][3] + 0.03) & (row < BACKGROUND[3] - 0.03)).sum() >= 1
    assert 0 < hazy < 12
    # misregistration: the same acquisition (same draws) in two years moves the edge by the years' shift difference
    edges = []
    for year in YEARS[:2]:
        nir = realism.degrade(extra, image, year, np.random.default_rng(3)).reflectance[3]
        edges.append(((nir - REFLECTANCE[WATER][3]) / (BACKGROUND[3] - REFLECTANCE[WATER][3])).sum(axis=1).mean())
    expected = extra.shifts[YEARS[1]][1] - extra.shifts[YEARS[0]][1]
    assert abs(expected) > 0.3 and edges[1] - edges[0] == pytest.approx(expected, abs=0.1)  # haze: not exact


def test_generated_outlines_are_not_discs_and_have_the_asked_area():
    rng = np.random.default_rng(1)
    shapes = [realism.compound_outline(rng, 200.0) for _ in range(200)]
    compactness = np.array([4 * np.pi * s.area / s.length**2 for s in shapes])
    assert np.median(compactness) < 0.8  # a disc is 1
    np.testing.assert_allclose([s.area for s in shapes], np.pi * 200.0**2, rtol=1e-9)
    assert all(abs(s.centroid.x) < 1 and abs(s.centroid.y) < 1 for s in shapes)


@pytest.mark.realdata
def test_real_outlines_are_simplified_and_rescaled():
    path = str(need(AMAZON) / "mining_202000_simplified.geojson")
    shapes = realism.real_outlines(path, "EPSG:32650", np.random.default_rng(2), 30, radius_m=200, resolution=10)
    radius = np.sqrt(np.array([s.area for s in shapes]) / np.pi)
    assert 120 < np.median(radius) < 330 and radius.min() >= 59
    assert all(shapely.is_valid(s) and len(s.exterior.coords) < 400 for s in shapes)


def test_auto_footprints_fall_back_to_generated_outlines(monkeypatch, tmp_path, caplog):
    monkeypatch.setattr(realism, "AUTO_FOOTPRINTS", str(tmp_path / "absent.geojson"))
    with caplog.at_level(logging.WARNING):
        assert realism.resolve_footprints("auto") is None
    assert "absent.geojson" in caplog.text
    assert realism.resolve_footprints("mines.gpkg") == "mines.gpkg"  # a path of the user's is never replaced


def test_a_realistic_scene_writes_its_confuser_truth_and_a_basic_one_does_not(tmp_path):
    small = dict(size_km=3, n_mines=4, years=[2018, 2019], s2_per_year=2, landsat_per_year=1, seed=7)
    real = generate(SyntheticParams(realism="realistic", **small), tmp_path / "real")
    basic = generate(SyntheticParams(**small), tmp_path / "basic")
    assert "confusers" not in basic["truth"] and not (tmp_path / "basic" / "truth" / "confusers.tif").exists()
    with rasterio.open(tmp_path / "real" / real["truth"]["confusers"]) as src:
        codes = src.read(1)
        names = dict(item.split(" ", 1) for item in src.tags()["classes"].split(", "))
    assert {int(k): v for k, v in names.items()} == realism.CONFUSERS
    assert set(np.unique(codes)) - {0} <= set(realism.CONFUSERS) and (codes > 0).any()
    # the same terrain and rivers; the images differ
    with rasterio.open(tmp_path / "real" / "dem.tif") as a, rasterio.open(tmp_path / "basic" / "dem.tif") as b:
        np.testing.assert_array_equal(a.read(), b.read())


@pytest.mark.workflow
def test_the_tiny_workflow_runs_on_a_realistic_twin(tmp_path):
    """Every stage runs on a scene with confusers and defects (many false candidates, ponds in mines, haze)."""
    realistic = tmp_path / "realistic.yaml"
    realistic.write_text(yaml.safe_dump({"regions": {"tiny": {"synthetic": {"realism": "realistic"}}},
                                         "results": str(tmp_path / "results")}))
    snakemake("--configfile", REPO / "config" / "tiny.yaml", realistic, "--replace-workflow-config", check=True)
    region = tmp_path / "results" / "tiny"
    assert (region / "synthetic" / "truth" / "confusers.tif").exists()
    status = pd.read_csv(region / "restoration" / "mann_kendall.csv")
    assert len(status) > 0 and status["status"].isin(["abandoned", "active", "no_trend", "insufficient"]).all()


def test_an_outline_that_fits_nowhere_is_passed_over_for_the_next():
    """Before, the mine placement kept trying the first outline at every candidate and failed ('room for only 0
    of 2 mines') when it fitted nowhere; a realistic 4 km scene of 8 mines failed so."""
    from shapely.geometry import box

    from minerestore.raster.grid import Grid
    from minerestore.sources.synthetic.spectra import GRASS

    grid = Grid.from_bounds("EPSG:32650", (0, 0, 2000, 2000), 10)
    classes = np.full(grid.shape, GRASS, np.uint8)
    river_dist = np.full(grid.shape, 500.0, np.float32)
    outlines = [box(-1500, -1500, 1500, 1500), box(-60, -60, 60, 60), box(-40, -80, 40, 80), box(-50, -50, 50, 50)]
    mines = landscape.place_mines(classes, river_dist, grid, YEARS, n_mines=2, rng=np.random.default_rng(0),
                                  footprints=outlines, radius_m=200)
    assert sorted(round(a) for a in mines.geometry.area) == [12800, 14400]  # the second and third outlines
    with pytest.raises(RuntimeError, match="room for only"):
        landscape.place_mines(classes, river_dist, grid, YEARS, n_mines=2, rng=np.random.default_rng(0),
                              footprints=outlines[:2], radius_m=200)


@pytest.mark.bad_input
@pytest.mark.parametrize("case, message", [
    ("empty", "no polygon in the file"),
    ("points", "no polygon in the file"),
    ("no_crs", "the file has no CRS"),
    ("projected_without_crs", "its coordinates do not fit its CRS EPSG:4326"),
    ("too_few", r"only 3 polygons of 0.01–1.5 km²; the scene draws its mines from 12 outlines \(3 x"),
])
def test_a_bad_outline_file_is_named_with_its_key(tmp_path, case, message):
    """Before, an empty file or one without a CRS failed in pyproj or geopandas without naming the file ('NaN or
    None values are not allowed', 'crs must be set to estimate UTM CRS')."""
    import json

    import geopandas as gpd
    from shapely.geometry import Point, box

    squares = [box(500000 + i * 2000, 8000000, 500300 + i * 2000, 8000300) for i in range(3)]
    path = tmp_path / f"{case}.geojson"
    if case == "empty":
        path.write_text('{"type": "FeatureCollection", "features": []}')
    elif case == "points":
        gpd.GeoDataFrame(geometry=[Point(0, 0)], crs="EPSG:4326").to_file(path)
    elif case == "no_crs":
        path = tmp_path / "outlines.gpkg"
        gpd.GeoDataFrame(geometry=squares).to_file(path)
    else:
        gpd.GeoDataFrame(geometry=squares, crs="EPSG:32721").to_file(path)
        if case == "projected_without_crs":  # UTM coordinates in a GeoJSON without its crs member
            data = json.loads(path.read_text())
            data.pop("crs", None)
            for feature, square in zip(data["features"], squares):
                feature["geometry"] = shapely.geometry.mapping(square)
            path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=f"synthetic.footprints_file {path}: {message}"):
        landscape.real_footprints(str(path), "EPSG:32650", np.random.default_rng(0), 12)


@pytest.mark.workflow
def test_the_outline_file_is_an_input_of_the_scene(tmp_path):
    """The scene rule read synthetic.footprints_file without declaring it: a missing file failed in the job, and an
    edited one did not regenerate the scene."""
    import geopandas as gpd
    from shapely.geometry import Point

    outlines = tmp_path / "outlines.geojson"

    def write_outlines(n):
        gpd.GeoDataFrame(geometry=[Point(500000 + 3000 * i, 8000000).buffer(120) for i in range(n)],
                         crs="EPSG:32721").to_file(outlines)

    write_outlines(30)
    config = tmp_path / "outlines.yaml"
    config.write_text(yaml.safe_dump({"regions": {"tiny": {"synthetic": {"footprints_file": str(outlines)}}},
                                      "results": str(tmp_path / "results")}))
    args = ("--configfile", REPO / "config" / "tiny.yaml", config, "--replace-workflow-config")
    scene = tmp_path / "results" / "tiny" / "synthetic"
    snakemake(scene, *args, check=True)
    assert "synthetic_scene" not in snakemake(scene, "-n", *args, check=True).stdout
    write_outlines(31)  # an edited outline file regenerates the scene
    assert "synthetic_scene" in snakemake(scene, "-n", *args, check=True).stdout
    outlines.unlink()
    missing = snakemake(scene, "-n", *args)
    assert missing.returncode != 0 and "Missing input files for rule synthetic_scene" in missing.stdout + missing.stderr
    assert str(outlines) in missing.stdout + missing.stderr

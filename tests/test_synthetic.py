"""The synthetic study area: deterministic, realistic enough to check the workflow against (mines near rivers,
a river network with a main stem, the three trajectories, planted driver effects)."""

import numpy as np
import pandas as pd
import pytest
import rasterio
from conftest import AMAZON, need, synthetic_landscape

from minerestore.sources.synthetic import landscape, terrain
from minerestore.sources.synthetic.scene import SyntheticParams, _grid, _terrain, generate
from minerestore.sources.synthetic.spectra import MINE, WATER


def test_priority_flood_drains_every_cell_to_the_border():
    z = np.array([[5, 5, 5, 5], [5, 1, 2, 5], [5, 2, 1, 4], [5, 5, 5, 5]], float)
    filled, receiver, order = terrain.priority_flood(z, epsilon=0.01)
    assert (filled >= z).all()
    # the pit is filled up to its spill point (4, the lowest border cell next to it) plus epsilon steps
    assert filled[1, 1] >= 4.0 and filled[2, 2] >= 4.0
    acc = terrain.flow_accumulation(receiver, order)
    outlets = receiver < 0
    assert acc[outlets].sum() == z.size  # every cell ends at an outlet
    # the pit spills over the lowest border cell (row 2, col 3; elevation 4): it drains the 4 pit cells and itself
    assert receiver[2 * 4 + 3] == -1 and acc[2 * 4 + 3] == 5


@pytest.fixture(scope="module")
def default_landscape():
    p = SyntheticParams()
    _, grid, terr, classes, _, mines = synthetic_landscape(p)
    return p, grid, terr, classes, mines


def test_default_scene_has_thirty_mines_near_rivers(default_landscape):
    p, grid, terr, classes, mines = default_landscape
    assert len(mines) >= 30
    rivers = terr["rivers"].union_all()
    distance_km = mines.geometry.distance(rivers) / 1000
    assert (distance_km < 10).all() and (distance_km < 3.5).all()
    assert set(mines["trajectory"]) == {"restoring", "active", "stable"}
    assert mines["mine_id"].is_unique
    assert mines.union_all().area == pytest.approx(mines.geometry.area.sum())  # no two mines overlap
    assert mines["area_km2"].max() > 0.25 and mines["area_km2"].min() < 0.25


def test_river_network_has_main_stem_and_tributaries(default_landscape):
    _, grid, terr, classes, _ = default_landscape
    rivers = terr["rivers"]
    assert (rivers["kind"] == "main_stem").sum() == 1
    assert (rivers["kind"] == "tributary").sum() >= 3
    main = rivers[rivers["kind"] == "main_stem"].iloc[0]
    assert main["upstream_area_km2"] == rivers["upstream_area_km2"].max()
    assert main.geometry.length > 5000
    shares = np.bincount(classes.ravel(), minlength=10) / classes.size
    assert 0.005 < shares[WATER] < 0.15
    assert all(shares[c] > 0 for c in range(1, 9))


def test_bare_fraction_follows_trajectories(default_landscape):
    p, grid, _, _, mines = default_landscape
    fields = landscape.mine_pixel_fields(mines, grid, np.random.default_rng(0))
    share = {}
    for year in (p.years[0], p.years[-1]):
        f = landscape.bare_fraction(mines, fields, year, p.years)
        share[year] = [np.mean(f[fields["label"] == k + 1] >= 0.5) for k in range(len(mines))]
    first, last = np.array(share[p.years[0]]), np.array(share[p.years[-1]])
    kind = mines["trajectory"].to_numpy()
    assert (last[kind == "restoring"] < first[kind == "restoring"] - 0.5).all()
    assert (last[kind == "active"] > first[kind == "active"] + 0.4).all()
    np.testing.assert_allclose(last[kind == "stable"], first[kind == "stable"])


@pytest.fixture(scope="module")
def small_scene(tmp_path_factory):
    p = SyntheticParams(seed=3, size_km=2.0, resolution_m=20.0, n_mines=5, s2_per_year=3, landsat_per_year=1,
                        years=[2016, 2017, 2018])
    out = tmp_path_factory.mktemp("scene")
    return p, out, generate(p, out)


def test_generate_is_deterministic(small_scene, tmp_path):
    p, out, manifest = small_scene
    again = generate(p, tmp_path)
    assert again == manifest
    acq = pd.read_csv(out / "acquisitions.csv")
    for rel in list(acq["path"][:4]) + ["dem.tif", "water_history.tif", "drivers/precipitation.tif"]:
        with rasterio.open(out / rel) as a, rasterio.open(tmp_path / rel) as b:
            np.testing.assert_array_equal(a.read(), b.read())


def test_generated_files_follow_the_contracts(small_scene):
    p, out, manifest = small_scene
    acq = pd.read_csv(out / "acquisitions.csv")
    assert set(acq["sensor"]) == {"sentinel2_l2a", "landsat8_c2l2"}
    months = pd.to_datetime(acq["date"]).dt.month
    assert (months == 4).sum() == len(p.years)  # one out-of-season scene per year
    with rasterio.open(out / acq["path"][0]) as src:
        assert list(src.descriptions) == ["B02", "B03", "B04", "B08", "B11", "B12", "SCL"]
        assert src.dtypes[0] == "uint16" and src.crs.to_epsg() == 32650
    with rasterio.open(out / "water_history.tif") as src:
        assert src.count == 24 and set(np.unique(src.read())) <= {0, 1, 2}
    truth = pd.read_csv(out / "truth" / "effects.csv")
    order = truth.dropna(subset=["strength_rank"]).sort_values("strength_rank")["driver"].tolist()
    assert order == ["distance_to_mine", "precipitation", "night_light", "pm25"]
    assert set(truth["expected_sign"].dropna()) == {-1, 0, 1}
    assert truth.loc[truth["driver"] == "distance_to_mine", "expected_sign"].item() == 1
    bsp = pd.read_csv(out / "truth" / "bsp_truth.csv")
    assert len(bsp) == p.n_mines * len(p.years)
    with rasterio.open(out / "truth" / "classes.tif") as src:
        assert (src.read(1) == MINE).any()


@pytest.mark.realdata
def test_real_footprints_are_placed(tmp_path):
    folder = need(AMAZON)
    rng = np.random.default_rng(1)
    shapes = landscape.real_footprints(str(folder / "mining_202000_simplified.geojson"), "EPSG:32650", rng, 10)
    assert len(shapes) == 10
    for s in shapes:
        assert 0.01e6 < s.area < 1.5e6
        assert abs(s.centroid.x) < 1 and abs(s.centroid.y) < 1


@pytest.mark.bad_input
@pytest.mark.parametrize("seed", range(10))
def test_a_small_scene_still_has_a_main_stem(seed):
    """A 1.5 km scene (16 x 16 coarse cells) drains too little for the 1 km² channel threshold: before, 4 of 10
    seeds drew no river and failed with a geopandas message."""
    p = SyntheticParams(seed=seed, size_km=1.5, resolution_m=30)
    rivers = _terrain(p, _grid(p), np.random.default_rng(seed))["rivers"]
    assert (rivers["kind"] == "main_stem").sum() == 1 and rivers.length.max() > 300


@pytest.mark.bad_input
def test_a_scene_too_small_for_its_mines_says_what_to_change(tmp_path):
    p = SyntheticParams(seed=0, size_km=1, resolution_m=30, n_mines=4, years=[2020, 2021])
    with pytest.raises(RuntimeError, match=r"room for only \d of 4 mines; enlarge size_km or lower n_mines"):
        generate(p, tmp_path)


def test_a_modis_city_scene_follows_the_product_contracts(tmp_path):
    import geopandas as gpd

    from minerestore.sources.acquisitions import Acquisition, read_observation
    from minerestore.raster.grid import Grid

    p = SyntheticParams(seed=5, size_km=12, resolution_m=100, years=[2019, 2020], n_mines=6, sensor="modis",
                        city=True, mine_radius_m=500, driver_effects={"pm25": -0.15})
    manifest = generate(p, tmp_path)
    acq = pd.read_csv(tmp_path / "acquisitions.csv")
    assert acq["sensor"].value_counts().to_dict() == {"modis_mod09a1": 8, "modis_mod11a2": 8, "modis_mod13a1": 4}
    first = {s: tmp_path / acq[acq["sensor"] == s]["path"].iloc[0] for s in set(acq["sensor"])}
    with rasterio.open(first["modis_mod09a1"]) as src:
        assert list(src.descriptions) == [f"sur_refl_b0{i}" for i in range(1, 8)] + ["StateQA", "QA"]
        assert src.res == (500.0, 500.0)
    with rasterio.open(first["modis_mod11a2"]) as src:
        assert list(src.descriptions) == ["LST_Day_1km", "QC_Day"] and src.res == (1000.0, 1000.0)
    # read back through the sensor profiles: reflectance 0-1, NDVI of vegetation high, LST in kelvin
    grid = Grid.from_bounds(p.crs, tuple(manifest["bounds"]), 500.0)
    date = pd.Timestamp(acq["date"].iloc[0]).date()
    obs = {s: read_observation(Acquisition(str(f), date, s), grid, conservative_scl=False) for s, f in first.items()}
    assert 0 < np.nanmedian(obs["modis_mod09a1"]["swir1240"]) < 0.6
    assert np.nanmedian(obs["modis_mod13a1"]["ndvi"]) > 0.4
    assert 270 < np.nanmedian(obs["modis_mod11a2"]["lst"]) < 330
    # the city: its boundary is the AOI, every mine at least 1 km inside it, electricity among the drivers
    city = gpd.read_file(tmp_path / "aoi.gpkg").geometry.iloc[0]
    mines = gpd.read_file(tmp_path / "truth" / "mines_truth.gpkg")
    assert all(city.buffer(-900).contains(g) for g in mines.geometry)  # 1 km, to a 100 m pixel
    assert "electricity" in manifest["drivers"] and manifest["aoi"] == "aoi.gpkg"
    effects = pd.read_csv(tmp_path / "truth" / "effects.csv").set_index("driver")
    assert effects["strength_rank"].idxmin() == "pm25"  # the largest spread planted in vigour


@pytest.mark.parametrize("season", [(6, 9), (11, 2), (12, 1)])
def test_synthetic_dates_fall_in_the_season_of_their_year(season):
    """The scene's acquisitions of analysis year 2019 lie in its growing season, also when the season crosses the
    new year (November 2018 to February 2019)."""
    from datetime import date

    from minerestore.seasons import season_year
    from minerestore.sources.synthetic.scene import _dates

    p = SyntheticParams(season=season)
    dates = _dates(p, 2019, 6, np.random.default_rng(0), 11)
    assert [season_year(date(*d), *season) for d in dates] == [2019] * 6

"""The mining-cities design end to end on two small synthetic cities (config/synthetic-cities.yaml, shrunk): one
region per city with its own epochs, PCA and forest, MODIS-like inputs, ten grades, rings clipped to the city, and
the rankings and figures across the cities."""

import numpy as np
import pandas as pd
import pytest
import rasterio
import yaml
from conftest import REPO, snakemake

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def cities_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cities")
    config = yaml.safe_load((REPO / "config" / "synthetic-cities.yaml").read_text())
    config["regions"] = {k: v for k, v in config["regions"].items() if k in ("city_a", "city_c")}
    for region in config["regions"].values():
        region["years"] = {"first": 2019, "last": 2022, "step": 3}
        region["synthetic"].update(size_km=20, n_mines=10)
    config["drivers"]["n_estimators"] = 200
    config["results"] = str(tmp / "results")
    (tmp / "cities.yaml").write_text(yaml.safe_dump(config))
    snakemake("--configfile", tmp / "cities.yaml", check=True, timeout=900)
    return tmp / "results"


def test_every_city_has_its_own_epochs_and_pca(cities_run):
    tables = {c: pd.read_csv(cities_run / c / "ecology" / "rsei_pca.csv") for c in ("city_a", "city_c")}
    for table in tables.values():
        assert table.groupby("year")["years_used"].first().to_dict() == {2019: "2018,2019,2020",
                                                                        2022: "2021,2022,2023"}
        ndvi = table[table["indicator"] == "ndvi"]["loading"]
        assert (ndvi > 0).all()  # oriented: vegetation loads positively
    a, c = (t.set_index(["year", "indicator"])["loading"] for t in tables.values())
    assert not np.allclose(a, c)  # each city's own PCA
    with rasterio.open(cities_run / "city_a" / "composites" / "2022.vrt") as src:
        tags, names = src.tags(), list(src.descriptions)
        band5 = src.read(names.index("swir1240") + 1)
    assert tags["statistic"] == "mean" and set(tags["sensors"].split(",")) == {"modis_mod09a1", "modis_mod13a1",
                                                                                     "modis_mod11a2"}
    assert np.isfinite(band5).mean() > 0.5
    with rasterio.open(cities_run / "city_a" / "ecology" / "rsei" / "2022.tif") as src:
        grades = src.read(list(src.descriptions).index("grade") + 1)
    assert grades.max() == 10 and set(np.unique(grades)) <= set(range(11))  # ten grades of 0.1, 0 outside


def test_rings_reach_past_5_km_and_stop_at_the_city(cities_run):
    rings = pd.read_csv(cities_run / "city_a" / "ecology" / "rings.csv")
    reach = rings[(rings["index"] == "rsei") & (rings["mines"] == "all")]["ring_km"].max()
    assert 5 < reach < 20  # ring_max_km 30, but a 20 km scene's city ends first


def test_rankings_and_figures_across_cities(cities_run):
    ranking = pd.read_csv(cities_run / "ranking.csv")
    assert {"rank_city_a", "rank_city_c"} <= set(ranking.columns) and (ranking["n_regions"] == 2).all()
    assert {"precipitation", "night_light", "gdp", "electricity", "co2", "pm25", "dem", "slope", "distance_to_mine",
            "mine_share"} == set(ranking["driver"])  # the study's ten drivers
    for city in ("city_a", "city_c"):
        metrics = pd.read_csv(cities_run / city / "drivers" / "rf_metrics.csv").iloc[0]
        assert metrics["mtry"] == 3 and metrics["n_test"] / (metrics["n_train"] + metrics["n_test"]) == \
            pytest.approx(0.3, abs=0.01)
    for name in ("rings_by_region", "pc1_share", "ranking"):
        assert (cities_run / "figures" / f"{name}.png").stat().st_size > 0

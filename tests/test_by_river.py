"""Mines per river (the Yangtze study's Fig. 5) by hand, and the boxplots' whiskers."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, box

from minerestore.identify.mines import by_river, nearest_river, river_names
from minerestore.report import plots

CRS = "EPSG:32650"


def rivers():
    # a main stem along y = 0 in two pieces (one name) and a tributary along x = 5000 north of it
    return gpd.GeoDataFrame({"name": ["Yangtze", "Yangtze", "Han"], "river_id": ["R1", "R2", "R3"]},
                            geometry=[LineString([(0, 0), (4000, 0)]), LineString([(4000, 0), (10000, 0)]),
                                      LineString([(5000, 0), (5000, 8000)])], crs=CRS)


def mines():
    # A: 300 m north of the first piece; B: 200 m south of the second; C: 400 m east of the tributary, 3 km up it;
    # D: nearer the tributary (600 m) than the stem (1 km)
    return gpd.GeoDataFrame({"mine_id": ["A", "B", "C", "D"], "area_km2": [0.01, 0.04, 0.09, 0.0025]},
                            geometry=[box(900, 300, 1000, 400), box(7000, -400, 7200, -200),
                                      box(5400, 3000, 5700, 3300), box(4350, 1000, 4400, 1050)], crs=CRS)


def test_each_mine_counts_on_its_nearest_river_by_name():
    table = by_river(mines(), rivers(), river_names(rivers(), None, "rivers.gpkg"))
    # most mines first, then the larger area
    assert table.to_dict("records") == [{"river": "Han", "n_mines": 2, "area_km2": pytest.approx(0.0925)},
                                        {"river": "Yangtze", "n_mines": 2, "area_km2": pytest.approx(0.05)}]
    by_id = by_river(mines(), rivers(), river_names(rivers(), "river_id", "rivers.gpkg")).set_index("river")
    assert by_id["n_mines"].to_dict() == {"R1": 1, "R2": 1, "R3": 2}
    unnamed = rivers().drop(columns=["name", "river_id"])
    assert list(river_names(unnamed, None, "rivers.gpkg")) == ["river 1", "river 2", "river 3"]
    # a river no mine is nearest to is listed with 0
    far = by_river(mines().iloc[:1], rivers(), river_names(rivers(), None, "rivers.gpkg"))
    assert far.set_index("river")["n_mines"].to_dict() == {"Yangtze": 1, "Han": 0}


def test_each_mine_has_its_nearest_river_in_the_mines_order():
    names = river_names(rivers(), None, "rivers.gpkg")
    nearest = nearest_river(mines(), rivers(), names)
    assert nearest.to_dict("list") == {"mine_id": ["A", "B", "C", "D"], "river": ["Yangtze", "Yangtze", "Han", "Han"]}
    assert list(nearest_river(mines().iloc[:0], rivers(), names).columns) == ["mine_id", "river"]


@pytest.mark.bad_input
def test_a_river_field_the_file_lacks_is_named():
    with pytest.raises(ValueError, match=r"rivers.gpkg: no attribute 'NAME_EN' .*it has \['name', 'river_id'\]"):
        river_names(rivers(), "NAME_EN", "rivers.gpkg")


def test_boxplot_whiskers_follow_the_config():
    """[10, 90]: the whiskers reach the furthest values within the 10th and 90th percentiles (10.9 and 90.1 of
    1 … 100: the values 11 and 90; the study's Fig. 7c); None: 1.5 x IQR, which holds every value here."""
    values = np.arange(1, 101, dtype=float)
    bsp = pd.DataFrame({"mine_id": [f"M{i}" for i in range(100)], "year": 2016, "bsp_pct": values,
                        "status": "abandoned"})
    for whiskers, (low, high) in (([10, 90], (11, 90)), (None, (1, 100))):
        fig = plots.bsp_boxplots(bsp, whiskers=whiskers)
        ends = sorted({round(y, 6) for line in fig.axes[0].lines for y in line.get_ydata() if len(line.get_ydata()) == 2
                       and line.get_ydata()[0] == line.get_ydata()[1]})
        assert ends[0] == pytest.approx(low) and ends[-1] == pytest.approx(high), (whiskers, ends)

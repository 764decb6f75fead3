"""The mine summary (minerestore.report.mine_summary) from small hand-made tables: each value lands in its mine's
row and its year's column, a missing year is NaN, no mine gives a valid empty GeoPackage and CSV."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from minerestore.io import write_table, write_vector
from minerestore.report.mine_summary import by_year, mine_summary, summary_table

CRS = "EPSG:32650"
YEARS = [2016, 2017, 2018]


def mines():
    return gpd.GeoDataFrame({"mine_id": ["M0001", "M0002"], "area_km2": [0.04, 0.01],
                             "subregion": ["upstream", "downstream"], "source": "object_rf"},
                            geometry=[box(0, 0, 200, 200), box(1000, 500, 1100, 600)], crs=CRS)


def tables():
    mann_kendall = pd.DataFrame({"mine_id": ["M0002", "M0001"], "n": [3, 3], "p": [0.1, 0.2],
                                 "sen_slope": [4.0, -12.5], "p_used": [0.3, 0.01],
                                 "status": ["no_trend", "abandoned"]})  # not in the mines' order
    bsp = pd.DataFrame({"mine_id": ["M0001"] * 3 + ["M0002"] * 2, "year": [2016, 2017, 2018, 2016, 2018],
                        "bsp_pct": [90.0, 70.0, 40.0, 10.0, 20.0]})  # M0002 has no BSP in 2017
    rates = pd.DataFrame({"mine_id": ["M0001"] * 3, "year": YEARS, "rr_pct": [0.0, 22.2, 55.6]})
    ecology = pd.DataFrame({"mine_id": ["M0001", "M0001", "M0002", "M0001"], "year": [2016, 2016, 2018, 2018],
                            "index": ["rsei", "rem", "rem", "i_veg"], "mean": [0.3, 0.4, 0.6, 0.9],
                            "median": 0.0, "std": 0.0, "count": 1})
    return mann_kendall, bsp, rates, ecology


def optional():
    return {"rivers": pd.DataFrame({"mine_id": ["M0001", "M0002"], "river": ["Yangtze", "Han"]}),
            "insar": pd.DataFrame({"mine_id": ["M0002", "M0001"], "insar_class": ["positive", "no_change"],
                                   "n_pixels": [5, 9]}),
            "matches": pd.DataFrame({"mine_id": ["M0001", "M0002"], "reference_id": ["R7", None],
                                     "iou": [0.8, 0.0]})}


def test_values_land_in_their_mine_row_and_year_column():
    summary = mine_summary(mines(), *tables(), YEARS, **optional())
    assert list(summary.columns) == [
        "mine_id", "area_ha", "subregion", "river", "status", "sen_slope", "p_used",
        "bsp_2016", "bsp_2017", "bsp_2018", "rr_2016", "rr_2017", "rr_2018", "rsei_2016", "rsei_2017", "rsei_2018",
        "rem_2016", "rem_2017", "rem_2018", "insar_class", "reference_id", "iou", "geometry"]
    rows = summary.set_index("mine_id")
    assert rows.loc["M0001", "area_ha"] == pytest.approx(4.0) and rows.loc["M0002", "area_ha"] == pytest.approx(1.0)
    assert rows["status"].to_dict() == {"M0001": "abandoned", "M0002": "no_trend"}
    assert rows.loc["M0001", ["sen_slope", "p_used"]].tolist() == [-12.5, 0.01]
    assert rows.loc["M0001", ["bsp_2016", "bsp_2017", "bsp_2018"]].tolist() == [90.0, 70.0, 40.0]
    assert rows.loc["M0002", "bsp_2016"] == 10.0 and np.isnan(rows.loc["M0002", "bsp_2017"])  # a missing year
    assert rows.loc["M0001", "rr_2018"] == 55.6 and np.isnan(rows.loc["M0002", "rr_2016"])  # no RR of M0002
    assert rows.loc["M0001", "rsei_2016"] == 0.3 and rows.loc["M0001", "rem_2016"] == 0.4
    assert rows.loc["M0002", "rem_2018"] == 0.6 and np.isnan(rows.loc["M0001", "rem_2018"])  # i_veg left out
    assert rows["river"].to_dict() == {"M0001": "Yangtze", "M0002": "Han"}
    assert rows["insar_class"].to_dict() == {"M0001": "no_change", "M0002": "positive"}
    assert rows.loc["M0001", "reference_id"] == "R7" and pd.isna(rows.loc["M0002", "reference_id"])
    assert summary.crs == CRS and summary.geometry.equals(mines().geometry)


def test_a_region_without_rivers_insar_or_reference_has_no_such_columns():
    summary = mine_summary(mines(), *tables(), YEARS)
    assert not {"river", "insar_class", "reference_id", "iou"} & set(summary.columns)
    with pytest.raises(ValueError, match="unknown per-mine tables"):
        mine_summary(mines(), *tables(), YEARS, landuse=pd.DataFrame())


def test_a_mine_twice_in_one_year_is_refused():
    mann_kendall, bsp, rates, ecology = tables()
    with pytest.raises(ValueError):
        mine_summary(mines(), mann_kendall, pd.concat([bsp, bsp.iloc[:1]]), rates, ecology, YEARS)


def test_the_csv_has_the_centroids_instead_of_the_geometry():
    table = summary_table(mine_summary(mines(), *tables(), YEARS, **optional()))
    assert list(table.columns[:3]) == ["mine_id", "centroid_x_m", "centroid_y_m"] and "geometry" not in table
    assert table[["centroid_x_m", "centroid_y_m"]].to_numpy().tolist() == [[100, 100], [1050, 550]]


def test_no_mine_gives_an_empty_geopackage_and_csv_with_every_column(tmp_path):
    mann_kendall, bsp, rates, ecology = (t.iloc[:0] for t in tables())
    summary = mine_summary(mines().iloc[:0], mann_kendall, bsp, rates, ecology, YEARS,
                           **{k: t.iloc[:0] for k, t in optional().items()})
    assert len(summary) == 0 and "bsp_2018" in summary and "reference_id" in summary
    write_vector(tmp_path / "summary.gpkg", summary)
    write_table(tmp_path / "summary.csv", summary_table(summary))
    back = gpd.read_file(tmp_path / "summary.gpkg")
    assert len(back) == 0 and list(back.columns) == list(summary.columns) and back.crs == CRS
    assert list(pd.read_csv(tmp_path / "summary.csv").columns) == list(summary_table(summary).columns)


def test_by_year_has_every_year_also_one_no_mine_has():
    wide = by_year(pd.DataFrame({"mine_id": ["A"], "year": [2017], "bsp_pct": [5.0]}), "bsp_pct", "bsp", YEARS)
    assert list(wide.columns) == ["mine_id", "bsp_2016", "bsp_2017", "bsp_2018"]
    assert wide.iloc[0, 1:].tolist()[1] == 5.0 and wide.iloc[0, [1, 3]].isna().all()


@pytest.mark.bad_input
@pytest.mark.parametrize("ids", [["1.0", "2.0"], ["001", "002"]])
def test_a_table_of_other_mine_ids_is_refused_not_left_nan(ids):
    """Mines numbered 1, 2 and a table writing them 1.0 (or 001): every value of the table was silently NaN."""
    numbered = mines().assign(mine_id=[1, 2])
    mann_kendall, bsp, rates, ecology = tables()
    mann_kendall = mann_kendall.assign(mine_id=ids)
    with pytest.raises(ValueError, match=r"the mann_kendall table's mine ids \(.*\) include no mine id of the mines"):
        mine_summary(numbered, mann_kendall, bsp.iloc[:0], rates.iloc[:0], ecology.iloc[:0], YEARS)
    # numbers on both sides match as text
    summary = mine_summary(numbered, mann_kendall.assign(mine_id=[2, 1]), bsp.iloc[:0], rates.iloc[:0],
                           ecology.iloc[:0], YEARS)
    assert summary.set_index("mine_id")["status"].to_dict() == {"1": "abandoned", "2": "no_trend"}

"""Spectral indices on hand-computed pixels (methods.md §3)."""

import numpy as np
import pytest

from minerestore.indices import TASSELED_CAP, coefficients_for, mndwi, ndbsi, ndvi, tasseled_cap

PIXEL = dict(zip(("blue", "green", "red", "nir", "swir1", "swir2"), (0.05, 0.08, 0.06, 0.30, 0.20, 0.10)))


def one(d):
    return {k: np.array([v]) for k, v in d.items()}


def test_ndvi_and_mndwi_by_hand():
    assert ndvi(np.array([0.06]), np.array([0.30]))[0] == pytest.approx(0.24 / 0.36)
    assert mndwi(np.array([0.08]), np.array([0.20]))[0] == pytest.approx(-0.12 / 0.28)


def test_ndbsi_by_hand():
    b, g, r, n, s1 = 0.05, 0.08, 0.06, 0.30, 0.20
    si = ((s1 + r) - (n + b)) / ((s1 + r) + (n + b))  # (0.26 - 0.35)/0.61
    built = 2 * s1 / (s1 + n)  # 0.8
    veg_water = n / (n + r) + g / (g + s1)  # 0.8333 + 0.2857
    ibi = (built - veg_water) / (built + veg_water)
    assert ndbsi(one(PIXEL))[0] == pytest.approx((si + ibi) / 2)
    assert ndbsi(one(PIXEL))[0] == pytest.approx(-0.1569, abs=1e-4)


def test_oli_wetness_coefficients_of_methods_table():
    assert TASSELED_CAP["landsat_oli"]["wetness"] == (0.1511, 0.1973, 0.3283, 0.3407, -0.7117, -0.4559)
    assert TASSELED_CAP["landsat_etm"]["wetness"] == (0.2626, 0.2141, 0.0926, 0.0656, -0.7629, -0.5388)
    assert TASSELED_CAP["landsat_tm"]["wetness"] == (0.0315, 0.2021, 0.3102, 0.1594, -0.6806, -0.6109)
    w = 0.1511 * 0.05 + 0.1973 * 0.08 + 0.3283 * 0.06 + 0.3407 * 0.30 - 0.7117 * 0.20 - 0.4559 * 0.10
    assert tasseled_cap(one(PIXEL), "wetness", "landsat_oli")[0] == pytest.approx(w)
    with pytest.raises(KeyError, match="'spot'"):
        tasseled_cap(one(PIXEL), "wetness", "spot")


#: Lobser & Cohen (2007), IJRS 28:5079, Table 3 (as printed: MODIS bands 1 to 7).
LOBSER_COHEN = {
    "brightness": (0.4395, 0.5945, 0.2460, 0.3918, 0.3506, 0.2136, 0.2678),
    "greenness": (-0.4064, 0.5129, -0.2744, -0.2893, 0.4882, -0.0036, -0.4169),
    "wetness": (0.1147, 0.2489, 0.2408, 0.3132, -0.3122, -0.6416, -0.5087),
}
#: One MOD09A1 pixel, bands 1 to 7 (reflectance), and the canonical name of each band.
MODIS_PIXEL = (0.06, 0.30, 0.05, 0.08, 0.28, 0.20, 0.10)
MODIS_NAMES = ("red", "nir", "blue", "green", "swir1240", "swir1", "swir2")


@pytest.mark.parametrize("component", ["brightness", "greenness", "wetness"])
def test_modis_tasseled_cap_uses_all_seven_bands_as_published(component):
    expected = sum(c * b for c, b in zip(LOBSER_COHEN[component], MODIS_PIXEL))
    bands = one(dict(zip(MODIS_NAMES, MODIS_PIXEL)))
    assert tasseled_cap(bands, component, "modis")[0] == pytest.approx(expected, abs=1e-12)
    # band 5 counts: changing it alone moves the component by its coefficient
    bumped = one(dict(zip(MODIS_NAMES, MODIS_PIXEL)) | {"swir1240": 0.38})
    delta = tasseled_cap(bumped, component, "modis")[0] - tasseled_cap(bands, component, "modis")[0]
    assert delta == pytest.approx(0.1 * LOBSER_COHEN[component][4])


def test_modis_tasseled_cap_without_band_5_is_refused():
    with pytest.raises(KeyError, match="swir1240"):
        tasseled_cap(one(PIXEL), "wetness", "modis")


def test_coefficients_for():
    assert coefficients_for("auto", ["landsat7_c2l2", "landsat7_c2l2", "landsat8_c2l2"], "landsat") == "landsat_etm"
    assert coefficients_for("auto", ["sentinel2_l2a"], "sentinel2") == "landsat_oli"
    assert coefficients_for("auto", [], "modis") == "modis"
    assert coefficients_for("landsat_tm", ["landsat8_c2l2"], "landsat") == "landsat_tm"

"""Landsat Level-1 calibration: MTL parsing, TOA reflectance and brightness temperature, by hand and on the real
scenes of ../shared/data/landsat-marburg (2001 ETM+, 2013 OLI)."""

import math
from datetime import date

import numpy as np
import pytest
from conftest import MARBURG, need

from minerestore.indices import ndvi
from minerestore.raster.grid import Grid
from minerestore.sources import landsat_l1
from minerestore.sources.acquisitions import Acquisition, check_acquisition, read_observation

MTL = """GROUP = L1_METADATA_FILE
  GROUP = IMAGE_ATTRIBUTES
    SUN_ELEVATION = 30.0
  END_GROUP = IMAGE_ATTRIBUTES
  GROUP = RADIOMETRIC_RESCALING
    RADIANCE_MULT_BAND_10 = 3.3420E-04
    RADIANCE_ADD_BAND_10 = 0.10000
    REFLECTANCE_MULT_BAND_4 = 2.0000E-05
    REFLECTANCE_ADD_BAND_4 = -0.100000
  END_GROUP = RADIOMETRIC_RESCALING
  GROUP = TIRS_THERMAL_CONSTANTS
    K1_CONSTANT_BAND_10 = 774.8853
    K2_CONSTANT_BAND_10 = 1321.0789
  END_GROUP = TIRS_THERMAL_CONSTANTS
  SPACECRAFT_ID = "LANDSAT_8"
END_GROUP = L1_METADATA_FILE
END
"""

SCENES = {
    "LE07_L1TP_195025_20010730_20170204_01_T1_": ("landsat7_l1", date(2001, 7, 30)),
    "LC08_L1TP_195025_20130707_20170503_01_T1_": ("landsat8_l1", date(2013, 7, 7)),
}


def test_mtl_toa_and_bt_by_hand(tmp_path):
    path = tmp_path / "X_MTL.txt"
    path.write_text(MTL)
    mtl = landsat_l1.read_mtl(path)
    assert mtl["SPACECRAFT_ID"] == "LANDSAT_8" and mtl["SUN_ELEVATION"] == 30.0
    rho = landsat_l1.toa_reflectance(np.array([0, 15000]), mtl, "B4")
    assert np.isnan(rho[0])
    assert rho[1] == pytest.approx((15000 * 2e-5 - 0.1) / math.sin(math.radians(30)), rel=1e-6)  # 0.4
    bt = landsat_l1.brightness_temperature(np.array([30000]), mtl, "B10")
    radiance = 30000 * 3.342e-4 + 0.1
    assert bt[0] == pytest.approx(1321.0789 / math.log(774.8853 / radiance + 1), rel=1e-6)


@pytest.mark.bad_input
def test_not_an_mtl_file(tmp_path):
    path = tmp_path / "notes_MTL.txt"
    path.write_text("hello\n")
    with pytest.raises(ValueError, match="notes_MTL.txt: not a Landsat MTL"):
        landsat_l1.read_mtl(path)


@pytest.mark.realdata
@pytest.mark.parametrize("prefix", list(SCENES))
def test_real_scene_toa_ndvi_and_brightness_temperature(prefix):
    folder = need(MARBURG)
    sensor, when = SCENES[prefix]
    acq = Acquisition(str(folder / f"{prefix}{{band}}.TIF"), when, sensor)
    check_acquisition(acq)
    import rasterio

    with rasterio.open(folder / f"{prefix}B4.TIF") as src:
        grid = Grid.from_bounds(str(src.crs), tuple(src.bounds), 30.0)
    obs = read_observation(acq, grid, conservative_scl=False)
    assert obs["clear"].mean() > 0.9
    for band in ("blue", "green", "red", "nir", "swir1", "swir2"):
        values = obs[band][obs["clear"]]
        assert np.all((values >= 0) & (values <= 1.2)), band
    v = ndvi(obs["red"], obs["nir"])
    assert np.nanmax(v) > 0.5
    bt = obs["lst"][obs["clear"]]
    assert np.all((bt > 280) & (bt < 320)), (bt.min(), bt.max())

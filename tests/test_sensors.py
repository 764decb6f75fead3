"""Quality masks and scaling of each product, on hand-built bit patterns (methods.md §1.1)."""

import numpy as np
import pytest

from minerestore.sources import sensors


def test_scl_masks_classes():
    scl = np.arange(12)
    clear, snow = sensors.scl_masks(scl, conservative=False)
    assert clear.tolist() == [False, False, True, False, True, True, True, True, False, False, False, False]
    assert snow.tolist() == [c == 11 for c in range(12)]
    clear_c, _ = sensors.scl_masks(scl, conservative=True)
    assert not clear_c[2] and not clear_c[7] and clear_c[4]


def test_qa_pixel_bits():
    clear_bit, water = 1 << 6, 1 << 7
    qa = np.array([clear_bit, clear_bit | water, 1, 1 << 1, 1 << 2, 1 << 3, 1 << 4, 1 << 5, (1 << 5) | (1 << 3)])
    clear, snow = sensors.qa_pixel_masks(qa)
    assert clear.tolist() == [True, True, False, False, False, False, False, False, False]
    assert snow.tolist() == [False, False, False, False, False, False, False, True, False]


def test_bqa_c1_real_values_are_clear():
    # values found in the real Landsat 7 / 8 Collection 1 BQA bands of ../shared/data/landsat-marburg
    clear, snow = sensors.bqa_c1_masks(np.array([672, 2720]))
    assert clear.all() and not snow.any()
    cloud = 672 | (1 << 4)
    high_snow = 672 | (3 << 9)
    clear, snow = sensors.bqa_c1_masks(np.array([1, cloud, high_snow]))
    assert clear.tolist() == [False, False, False]
    assert snow.tolist() == [False, False, True]


def test_state_qa_rule():
    ok = 0b01 << 3  # land, clear
    cases = {
        ok: (True, False),
        ok | 0b11: (True, False),  # cloud state 'not set, assumed clear'
        ok | 0b01: (False, False),  # cloudy
        ok | 0b10: (False, False),  # mixed
        ok | (1 << 2): (False, False),  # shadow
        ok | (1 << 10): (False, False),  # internal cloud flag
        ok | (1 << 13): (False, False),  # adjacent to cloud
        ok | (1 << 12): (False, True),  # MOD35 snow
        ok | (1 << 15): (False, True),  # internal snow
    }
    clear, snow = sensors.state_qa_masks(np.array(list(cases)))
    assert clear.tolist() == [v[0] for v in cases.values()]
    assert snow.tolist() == [v[1] for v in cases.values()]
    strict, _ = sensors.state_qa_masks(np.array([ok | (2 << 8)]), strict_cirrus=True)
    assert not strict[0]


def test_mod11_qc():
    qc = np.array([0, 1, 2, 3, 1 | (1 << 6), 1 | (3 << 6)])
    assert sensors.mod11_qc_masks(qc)[0].tolist() == [True, False, False, False, False, False]
    clear, _ = sensors.mod11_qc_masks(qc, accept_unreliable=True)
    assert clear.tolist() == [True, True, False, False, True, False]


def test_landsat_c2_scaling():
    p = sensors.get_profile("landsat8_c2l2")
    values, clear = sensors.scale_level2({"red": np.array([0, 7273, 43636, 7273]),
                                          "lst": np.array([44000, 44000, 44000, 44000])}, p,
                                         np.array([True, True, True, False]))
    refl, lst = values["red"], values["lst"]
    assert refl.dtype == lst.dtype == np.float32
    assert clear.tolist() == [False, True, True, False]  # fill DN in one band, or the quality mask, drops the pixel
    assert np.isnan(refl[[0, 3]]).all() and np.isnan(lst[[0, 3]]).all()
    assert refl[1] == pytest.approx(7273 * 2.75e-5 - 0.2, abs=1e-6)
    assert refl[2] == pytest.approx(1.0, abs=1e-4)
    assert lst[1] == pytest.approx(44000 * 0.00341802 + 149.0, abs=1e-3)


def test_level2_scaling_without_quality_mask_and_float_dn():
    p = sensors.get_profile("sentinel2_l2a")
    dn = np.array([[0.0, 1200.0], [np.nan, 10000.0]], np.float32)
    clear_in = np.ones((2, 2), bool)
    values, clear = sensors.scale_level2({"nir": dn}, p, clear_in)
    assert clear.tolist() == [[False, True], [False, True]]  # fill DN 0 and a NaN DN are not clear
    assert clear_in.all()  # the caller's mask is left as it was
    np.testing.assert_allclose(values["nir"], [[np.nan, 0.12], [np.nan, 1.0]], rtol=1e-6)
    assert sensors.scale_level2({"nir": dn}, p)[1].tolist() == clear.tolist()
    with pytest.raises(ValueError, match="no band given for the sentinel2 product"):
        sensors.scale_level2({}, p)


@pytest.mark.bad_input
def test_unknown_sensor_names_where():
    with pytest.raises(KeyError, match="table.csv row 3.*spot7"):
        sensors.get_profile("spot7", where="table.csv row 3")


def test_mod09a1_qc_500m_removes_uncorrected_and_low_quality_pixels():
    state_clear = 1 << 3  # land, clear
    qc_ideal = 0
    qc_less_than_ideal = 0b01
    qc_not_produced_cloud = 0b10
    qc_band3_noisy = 0b0111 << (2 + 4 * 2)  # band 3 quality 7 (noisy detector)
    qc_band7_dead = 0b1000 << (2 + 4 * 6)  # band 7 quality 8 (dead detector), bits 26-29
    qc = np.array([qc_ideal, qc_less_than_ideal, qc_not_produced_cloud, qc_band3_noisy, qc_band7_dead])
    clear, _ = sensors.state_qa_masks(np.full(5, state_clear), qc)
    assert clear.tolist() == [True, True, False, False, False]
    # the 32-bit QC word read from an int32 file (sign bit set by bit 31, adjacency correction)
    signed = np.array([np.int32(-(1 << 31))])
    assert sensors.state_qa_masks(np.array([state_clear]), signed)[0].tolist() == [True]
    # without the QC band, StateQA alone decides
    assert sensors.state_qa_masks(np.full(5, state_clear))[0].all()


def test_mod13a1_vi_quality_rule():
    good, check_other, cloudy, not_produced = 0b00, 0b01, 0b10, 0b11
    adjacent, mixed, snow, shadow = 1 << 8, 1 << 10, 1 << 14, 1 << 15
    cases = [good, check_other, cloudy, not_produced, good | adjacent, good | mixed, good | snow, good | shadow]
    clear, snowy = sensors.vi_quality_masks(np.array(cases))
    assert clear.tolist() == [True, True, False, False, False, False, False, False]
    assert snowy.tolist() == [False] * 6 + [True, False]


def test_modis_profiles_read_band_5_and_both_quality_bands():
    mod09 = sensors.get_profile("modis_mod09a1")
    assert mod09.bands["swir1240"] == "sur_refl_b05"
    assert mod09.quality_bands == ["StateQA", "QA"]
    assert sorted(mod09.native_bands) == sorted([f"sur_refl_b0{i}" for i in range(1, 8)] + ["StateQA", "QA"])
    mod13 = sensors.get_profile("modis_mod13a1")
    assert mod13.bands == {"ndvi": "NDVI"} and mod13.qa_kind == "vi_quality"
    ndvi = sensors.scale_level2({"ndvi": np.array([8000, -3000])}, mod13)[0]["ndvi"]
    assert ndvi[0] == pytest.approx(0.8) and np.isnan(ndvi[1])

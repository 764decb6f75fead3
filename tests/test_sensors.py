"""Quality masks and scaling of each product, on hand-built bit patterns (methods.md §1.1, §3.2)."""

import numpy as np
import pytest

from minerestore.sources import sensors


def test_scl_masks_classes():
    scl = np.arange(12)
    clear, snow = sensors.scl_masks(scl)
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
    refl = sensors.scale_reflectance(np.array([0, 7273, 43636]), p)
    assert np.isnan(refl[0])
    assert refl[1] == pytest.approx(7273 * 2.75e-5 - 0.2, abs=1e-6)
    assert refl[2] == pytest.approx(1.0, abs=1e-4)
    lst = sensors.scale_lst(np.array([44000]), p)
    assert lst[0] == pytest.approx(44000 * 0.00341802 + 149.0, abs=1e-3)


@pytest.mark.bad_input
def test_unknown_sensor_names_where():
    with pytest.raises(KeyError, match="table.csv row 3.*spot7"):
        sensors.get_profile("spot7", where="table.csv row 3")

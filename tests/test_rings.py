"""Distance rings and size classes."""

import numpy as np
import pandas as pd

from minerestore.ecology.rings import area_class, ring_stats, ring_zones


def test_rings_by_hand_and_overlap_rule():
    group = np.zeros((1, 8), bool)
    group[0, 0] = True
    other = np.zeros((1, 8), bool)
    other[0, 3] = True
    rings = ring_zones(group, group | other, resolution=500, width_km=1, max_km=3)
    # distances 0, 0.5, 1.0, 1.5 (other mine: left out), 2.0, 2.5, 3.0, 3.5 km
    assert rings[0].tolist() == [0, 1, 1, -1, 2, 3, 3, -1]


def test_ring_stats():
    rings = np.array([[0, 0, 1, 1, 2, -1]])
    values = np.array([[0.1, 0.3, 0.5, np.nan, 0.9, 5.0]])
    table = ring_stats({"rsei": values}, rings, width_km=1).set_index("ring")
    assert table.loc[0, "mean"] == 0.2 and table.loc[0, "n_px"] == 2
    assert table.loc[1, "mean"] == 0.5 and table.loc[1, "n_px"] == 1
    assert table.loc[2, "ring_km"] == 2 and -1 not in table.index


def test_area_classes():
    labels = area_class(pd.Series([0.1, 0.25, 0.6, 0.99, 1.0, 3.0]))
    assert labels.tolist() == ["<0.25", "0.25-0.5", "0.5-0.75", "0.75-1", ">=1", ">=1"]

"""The registries of the extension points (methods, networks, trend indices, drivers) are the only lists: the schema
holds no copy, the config check, the Snakefile's wildcards and the report's captions follow them; and the config
accessor gives a region's own value only where the user wrote one."""

import copy

import numpy as np
import pytest
import yaml
from conftest import REPO, snakemake
from test_config import load_default, validated

from minerestore.config import ConfigError, setting
from minerestore.drivers.catalogue import DRIVERS
from minerestore.identify.methods import METHODS
from minerestore.identify.networks import NETWORKS
from minerestore.registry import Registry, wildcard_pattern
from minerestore.restoration.trend_indices import (
    SPECTRAL_CAPTION,
    TREND_INDICES,
    inputs_bands,
    spectral_index,
    trend_index,
)

SCHEMA = yaml.safe_load((REPO / "workflow" / "schemas" / "config.schema.yaml").read_text())


def with_changes(change):
    config = load_default()
    change(config)
    return config


def test_registry_refuses_a_name_twice_and_names_the_known_ones():
    class Entry:
        def __init__(self, name):
            self.name = name

    registry = Registry("thing")
    registry.add(Entry("a"))
    registry.add(Entry("bb"))
    with pytest.raises(ValueError, match="thing 'a' is registered twice"):
        registry.add(Entry("a"))
    with pytest.raises(ValueError, match="letters, digits and _"):
        registry.add(Entry("a-b"))
    with pytest.raises(KeyError, match="'c' is not a thing; known: a, bb"):
        registry["c"]
    with pytest.raises(ValueError, match="config key x.y: 'c' is not a thing it takes; known: a, bb"):
        registry.check(["a", "c"], "x.y")
    assert wildcard_pattern(["a", "abc", "ab"]) == "abc|ab|a"


def test_the_schema_holds_no_copy_of_a_registry():
    """identify.method, identify.compare and restoration.trend_indices are checked against the registries, not by
    enums that would have to be kept equal to them."""
    props = SCHEMA["properties"]
    assert "enum" not in props["identify"]["properties"]["method"]
    assert "enum" not in props["identify"]["properties"]["compare"]["items"]
    assert "enum" not in props["restoration"]["properties"]["trend_indices"]["items"]


@pytest.mark.parametrize("method", list(METHODS))
def test_every_method_is_accepted(method):
    config = validated(with_changes(lambda c: c.setdefault("identify", {}).update(method=method)))
    assert config["identify"]["method"] == method


def test_every_network_is_a_comparable_method_of_the_segment_rule():
    assert set(NETWORKS) <= set(METHODS.names(rule="segment", comparable=True))
    assert METHODS.names(comparable=False) == ["reference"]


@pytest.mark.bad_input
@pytest.mark.parametrize("change, words", [
    (lambda c: c.setdefault("identify", {}).update(method="unett"),
     ["identify.method", "'unett'", "known: object_rf, candidates, reference, unet"]),
    (lambda c: c.setdefault("identify", {}).update(compare=["object_rf", "reference"]),
     ["identify.compare", "'reference'"]),
    (lambda c: c["regions"]["synthetic"].update(drivers={"rainfall": "config.yaml"}),
     ["regions.synthetic.drivers", "'rainfall'", "precipitation"]),
    (lambda c: c["regions"]["synthetic"].update(drivers={"slope": "config.yaml"}),
     ["regions.synthetic.drivers", "'slope'"]),
    (lambda c: c.setdefault("restoration", {}).update(trend_indices=["ndvi", "NDREI"]),
     ["restoration.trend_indices", "NDREI", "RE1", "Red Edge", "the composites do not have"]),
    (lambda c: c.setdefault("restoration", {}).update(trend_indices=["NDVI"]),
     ["restoration.trend_indices", "'NDVI' differs from the trend index 'ndvi' only by case"]),
    (lambda c: c.setdefault("restoration", {}).update(trend_indices=["greenness"]),
     ["restoration.trend_indices", "'greenness' is neither a trend index of our own", "Awesome Spectral Indices"]),
])
def test_names_outside_the_registries_are_refused_with_the_known_ones(change, words):
    with pytest.raises(ConfigError) as err:
        validated(with_changes(change))
    for word in words:
        assert word in str(err.value)


def test_spectral_indices_follow_the_catalogue_formula():
    rng = np.random.default_rng(0)
    bands = {b: rng.uniform(0.02, 0.5, (2, 3, 4)).astype(np.float32)
             for b in ("blue", "green", "red", "nir", "swir1", "swir2")}
    water = np.zeros((3, 4), bool)
    ndmi = trend_index("NDMI")
    assert (ndmi.input, ndmi.bands, ndmi.caption) == ("composites", ("nir", "swir1"), SPECTRAL_CAPTION)
    n, s1, r, b = bands["nir"], bands["swir1"], bands["red"], bands["blue"]
    np.testing.assert_allclose(ndmi.layer(bands, water, 0.4), (n - s1) / (n + s1), rtol=1e-6)
    evi = spectral_index("EVI")  # g (N - R) / (N + C1 R - C2 B + L), g 2.5, C1 6, C2 7.5, L 1 (the catalogue's)
    np.testing.assert_allclose(evi.layer(bands, water, 0.4), 2.5 * (n - r) / (n + 6 * r - 7.5 * b + 1), rtol=1e-5)
    zero = {k: np.zeros((1, 3, 4), np.float32) for k in bands}
    assert np.isnan(ndmi.layer(zero, water, 0.4)).all()  # 0/0 is no data, not a value


def test_own_trend_layers():
    ndvi = np.array([[[0.1, 0.5], [np.nan, 0.3]]], np.float32)
    water = np.array([[False, False], [False, True]])
    np.testing.assert_array_equal(trend_index("ndvi").layer({"ndvi": ndvi}, water, 0.4), ndvi)
    np.testing.assert_array_equal(trend_index("bare").layer({"ndvi": ndvi}, water, 0.4),
                                  [[[1, 0], [np.nan, np.nan]]])
    assert inputs_bands(["bare", "rsei", "ndvi", "NDMI"]) == {"composites": ["ndvi", "nir", "swir1"],
                                                              "rsei": ["rsei"]}


def test_every_trend_caption_belongs_to_an_index():
    captions = {p.stem for p in (REPO / "workflow" / "report").glob("trend_*.rst")}
    assert captions == {i.caption for i in TREND_INDICES.values()} | {SPECTRAL_CAPTION}


def test_drivers_from_files_and_derived_ones():
    assert DRIVERS.names(source="dem") == ["dem", "slope"]
    assert DRIVERS.names(source="mines") == ["distance_to_mine", "mine_share"]
    assert all(d.label and d.units for d in DRIVERS.values())


def planned_rules(proc):
    lines = (proc.stdout + proc.stderr).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Job stats")) + 3
    return {line.split()[0] for line in lines[start:] if line.strip() and not line.startswith("total")}


def dry_run(tmp_path, config):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return snakemake("-n", "--configfile", path, "--config", f"results={tmp_path}/results")


def tiny():
    return yaml.safe_load((REPO / "config" / "tiny.yaml").read_text())


@pytest.mark.workflow
def test_the_wildcards_take_every_network_and_a_spectral_index(tmp_path):
    """A dry run plans the segment job of each registered network (the {network} wildcard follows the registry)
    and the trend maps of a spectral index (the {index} wildcard follows the configured list)."""
    config = tiny()
    config["identify"] = {"compare": list(NETWORKS)}
    config["restoration"] = {"trend_indices": ["bare", "NDMI"]}
    proc = dry_run(tmp_path, config)
    assert proc.returncode == 0, proc.stderr[-2000:]
    text = proc.stdout + proc.stderr
    for network in NETWORKS:
        assert f"mines/model_{network}.pt" in text
    assert "restoration/trend_NDMI.vrt" in text and "figures/trend_NDMI.png" in text
    assert "restoration/trend_ndvi.vrt" not in text


@pytest.mark.bad_input
def test_a_global_threshold_applies_to_a_region_with_its_own_thresholds():
    """The schema fills defaults into the global thresholds only: a region's block holds what the user wrote, so
    a global value is not overridden by a default filled into the region (the issue's case: bsp_ndvi 0.3)."""
    config = validated(with_changes(lambda c: (c.update(thresholds={"bsp_ndvi": 0.3}),
                                               c["regions"]["synthetic"].update(thresholds={"buffer_km": 5}))))
    assert config["regions"]["synthetic"]["thresholds"] == {"buffer_km": 5}
    assert setting(config, "thresholds.bsp_ndvi", "synthetic") == 0.3
    assert setting(config, "thresholds.buffer_km", "synthetic") == 5
    assert setting(config, "thresholds.buffer_km") == 10
    merged = setting(config, "thresholds", "synthetic")
    assert merged["buffer_km"] == 5 and merged["bsp_ndvi"] == 0.3 and merged["mk_alpha"] == 0.05


def test_the_accessor_reads_region_keys_and_the_analysis_grid():
    config = copy.deepcopy(validated(load_default()))
    assert setting(config, "region.sensor", "synthetic") == "sentinel2"
    assert setting(config, "drivers.grid_m", "synthetic") == 100  # the region's analysis_grid_m
    assert setting(config, "drivers.grid_m") == 1000
    with pytest.raises(KeyError, match="config key region.dem is not set"):
        setting(config, "region.dem", "synthetic")
    with pytest.raises(KeyError, match="config key identify.nonsense is not set"):
        setting(config, "identify.nonsense")

"""Config validation: the schema (through snakemake.utils.validate, as the Snakefile does) and the semantic checks;
each bad config gives a message naming the key, the value and what is expected."""

import copy
import re

import pytest
import yaml
from conftest import REPO, snakemake
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from minerestore.config import (
    ConfigError,
    analysis_years,
    check_config,
    check_config_files,
    explain_validation_failure,
    region_slug,
    split_regions,
)
from minerestore.sources.contract import lst_family

SCHEMA = str(REPO / "workflow" / "schemas" / "config.schema.yaml")


def load_default():
    return yaml.safe_load((REPO / "config.yaml").read_text())


def validated(config, base=REPO):
    """Validate like workflow/rules/common.smk: schema (defaults filled), then semantic checks."""
    try:
        validate(config, SCHEMA)
    except WorkflowError as err:
        raise ConfigError(explain_validation_failure(err)) from err
    check_config(config, base)
    return config


def test_default_config_is_valid_and_gets_defaults():
    config = validated(load_default())
    region = config["regions"]["synthetic"]
    assert config["thresholds"]["bsp_ndvi"] == 0.4
    assert config["thresholds"]["buffer_km"] == 10
    assert config["thresholds"]["water_buffer_m"] == 60
    assert region["season"] == {"start_month": 6, "end_month": 9}
    assert region["synthetic"]["n_mines"] == 36
    assert config["composite"]["ndvi_percentile"] == 90
    # the object-based mine mapping study's forest (methods.md §5.2) and REM's 0/1 I_imper (Yangtze study, Eq. 5)
    rf = config["identify"]["rf"]
    assert (rf["n_estimators"], rf["cv_folds"], rf["importance"]) == (1000, 10, "oob")
    assert rf["param_grid"] == {"max_features": ["log2"], "min_samples_leaf": [10], "min_samples_split": [60],
                                "criterion": ["entropy"]}
    assert config["ecology"]["imper_mode"] == "binary" and config["ecology"]["rem_mode"] == "per_year"


def _region(config):
    return config["regions"]["synthetic"]


BAD = {
    "missing key (sensor)": (lambda c: _region(c).pop("sensor"), ["sensor", "required"]),
    "wrong type (resolution as text)": (lambda c: _region(c).update(resolution="ten"), ["resolution", "'ten'"]),
    "unknown sensor": (lambda c: _region(c).update(sensor="spot7"), ["sensor", "spot7"]),
    "unknown source": (lambda c: _region(c).update(source="ftp"), ["source", "ftp"]),
    "years reversed": (lambda c: _region(c).update(years={"first": 2022, "last": 2016}), ["years", "2022", "2016"]),
    "season month 13": (lambda c: _region(c).update(season={"start_month": 6, "end_month": 13}), ["end_month", "13"]),
    "file that does not exist": (lambda c: _region(c).update(dem="no/such/dem.tif"), ["dem", "no/such/dem.tif", "does not exist"]),
    "CRS not projected": (lambda c: _region(c).update(crs="EPSG:4326"), ["crs", "EPSG:4326", "not projected"]),
    "negative buffer": (lambda c: c.setdefault("thresholds", {}).update(buffer_km=-5), ["buffer_km", "-5"]),
    "unknown key": (lambda c: _region(c).update(sensr="landsat"), ["sensr"]),
    "local region without acquisitions": (
        lambda c: _region(c).update(source="local", rivers="config.yaml"), ["acquisitions", "local"]),
    "threshold out of range": (lambda c: c.setdefault("thresholds", {}).update(bsp_ndvi=1.5), ["bsp_ndvi", "1.5"]),
    "years step not dividing the span": (
        lambda c: _region(c).update(years={"first": 2016, "last": 2022, "step": 4}), ["years", "step=4", "2020"]),
    "earthengine without its packages": (
        lambda c: _region(c).update(source="earthengine", rivers="config.yaml"),
        ["source", "earthengine", f"pip install -e '{REPO}[earthengine]'", "earthengine authenticate"]),
    "one reference mine for the object forest": (
        lambda c: _region(c).setdefault("synthetic", {}).update(n_mines=1),
        ["identify.train_fraction", "of the 1 reference mines", "synthetic.n_mines", "trains on 0 and tests on 1"]),
    "base year outside the analysis years": (
        lambda c: c.setdefault("restoration", {}).update(base_year=2010), ["restoration.base_year", "2010", "2016–2022"]),
    "drivers year outside the analysis years": (
        lambda c: c.setdefault("drivers", {}).update(year=2030), ["drivers.year", "2030", "synthetic"]),
    "sentinel2_level on a local region": (
        lambda c: _region(c).update(sentinel2_level="auto"),
        ["sentinel2_level", "'auto'", "stac or earthengine", "sentinel2_l1c"]),
    "whiskers reversed": (
        lambda c: c.setdefault("report", {}).update(whisker_percentiles=[90, 10]),
        ["report.whisker_percentiles", "[90, 10]", "low < high"]),
    "unknown stac role": (
        lambda c: _region(c).update(source="stac", rivers="config.yaml", stac={"collections": {"sar": "s1"}}),
        ["stac.collections", "sar"]),
}


@pytest.mark.bad_input
@pytest.mark.parametrize("case", list(BAD))
def test_bad_config_names_key_and_value(case):
    mutate, words = BAD[case]
    config = copy.deepcopy(load_default())
    mutate(config)
    with pytest.raises(ConfigError) as err:
        validated(config)
    message = str(err.value)
    for word in words:
        assert word in message, f"{case}: {word!r} not in {message!r}"


@pytest.mark.bad_input
def test_duplicate_region_names_rejected(tmp_path):
    text = (REPO / "config.yaml").read_text()
    body = text.split("regions:\n", 1)[1].split("\nidentify:", 1)[0] + "\n"  # the regions block alone
    path = tmp_path / "dup.yaml"
    path.write_text("regions:\n" + body + body)
    with pytest.raises(ConfigError, match=r"dup.yaml.*'synthetic' appears twice"):
        check_config_files([path])


def test_lst_family_defaults():
    assert lst_family({"sensor": "landsat", "source": "local"}) == "landsat"
    assert lst_family({"sensor": "sentinel2", "source": "local"}) == "none"
    assert lst_family({"sensor": "sentinel2", "source": "synthetic"}) == "landsat"
    assert lst_family({"sensor": "sentinel2", "source": "local", "lst_sensor": "modis"}) == "modis"



def test_analysis_years_from_a_span_or_a_list():
    assert analysis_years({"first": 2001, "last": 2007, "step": 3}) == [2001, 2004, 2007]
    assert analysis_years({"first": 2016, "last": 2018}) == [2016, 2017, 2018]
    assert analysis_years([2001, 2013]) == [2001, 2013]
    with pytest.raises(ConfigError, match=r"config key r.years: \[2001, 2002, 2005\] are not evenly spaced "
                                          r"\(steps \[1, 3\]\)"):
        analysis_years([2001, 2002, 2005], "r.years")
    with pytest.raises(ConfigError, match="last - first = 5 is not a multiple of step=3"):
        analysis_years({"first": 2001, "last": 2006, "step": 3})

@pytest.mark.bad_input
@pytest.mark.workflow
@pytest.mark.parametrize("mutation,expected", [
    ({"sensor": "spot7"}, "regions.synthetic.sensor"),
    ({"years": {"first": 2022, "last": 2016}}, "first=2022 is after last=2016"),
])
def test_snakemake_stops_before_any_job(tmp_path, mutation, expected):
    config = load_default()
    _region(config).update(mutation)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(config))
    proc = snakemake("-n", "--configfile", path, "--replace-workflow-config", "--config", f"results={tmp_path / 'r'}")
    assert proc.returncode != 0
    assert expected in proc.stdout + proc.stderr
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("name, counts", [
    # Yangtze: 248 of 1,032 tiles of 4096 px (41 km) meet the 10 km buffer of the main stem and tributaries; 7 years
    # and 2015, which only the study's vegetation window (from 2015-06-23) reaches: fetched for the masks
    ("yangtze", {"fetch_static": 248, "fetch_year": 8 * 248, "composite": 7 * 248, "composite_mosaic": 7,
                 "ecology_year": 7, "mines_by_river": 1}),
    # mining cities: seven regions (one per city), each one tile of less than 1 MP, so one composite job computes
    # a city's 8 epochs 2001, 2004, …, 2022 (composite.batch_px), whose 3-year windows fetch 24 years (2000–2023);
    # one ranking across the cities
    ("mining-cities", {"fetch_static": 7, "fetch_year": 7 * 24, "composite": 7, "composite_mosaic": 7 * 8,
                       "ecology_year": 7 * 8, "drivers_model": 7,
                       "ranking": 1})])
def test_example_remote_configs_dry_run_offline(name, counts, tmp_path):
    """The example STAC configs validate and plan their DAG without network; only their own region is planned
    (the default synthetic region is not merged in)."""
    proc = snakemake("-n", "--configfile", f"config/{name}.yaml", "--config", f"results={tmp_path}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    stats = dict(re.findall(r"^(\w+)\s+(\d+)$", proc.stdout, flags=re.M))
    print(name, stats)
    for rule, count in counts.items():
        assert int(stats[rule]) == count, (rule, stats)
    assert "synthetic_scene" not in stats and "fetch_static" in stats
    if name == "mining-cities":
        planned = set(re.findall(rf"{tmp_path}/(\w+)/inputs/grid.json", proc.stdout))
        assert planned == {"panzhihua", "tangshan", "handan", "anshan", "maanshan", "huangshi", "changjiang"}


def cities_file(tmp_path, names=("Panzhihua", "Ma'anshan")):
    import geopandas as gpd
    from shapely.geometry import box

    path = tmp_path / "cities.gpkg"
    frame = gpd.GeoDataFrame({"city": list(names)}, geometry=[box(i, 0, i + 1, 1) for i in range(len(names))],
                             crs="EPSG:4326")
    frame.to_file(path)
    return path


def test_split_aoi_by_makes_one_region_per_city(tmp_path):
    path = cities_file(tmp_path)
    config = {"regions": {"cities": {"source": "stac", "aoi": str(path), "years": {"first": 2001, "last": 2004},
                                     "split_aoi_by": {"field": "city", "overrides": {"Ma'anshan": {"resolution": 250}}},
                                     "resolution": 500},
                          "other": {"source": "synthetic"}}}
    split_regions(config, tmp_path)
    assert list(config["regions"]) == ["panzhihua", "maanshan", "other"]
    pan, maa = config["regions"]["panzhihua"], config["regions"]["maanshan"]
    assert pan["aoi_select"] == {"city": "Panzhihua"} and maa["aoi_select"] == {"city": "Ma'anshan"}
    assert "split_aoi_by" not in pan and pan["resolution"] == 500 and maa["resolution"] == 250
    assert pan["years"] is not maa["years"]  # copies, not shared objects


@pytest.mark.parametrize("split, message", [
    ({"field": "name"}, "no attribute 'name'"),
    ({"field": "city", "overrides": {"Handan": {}}}, r"\['Handan'\] are not values of 'city'"),
    ("city", "expected {field"),
])
def test_split_aoi_by_errors_name_the_key(tmp_path, split, message):
    path = cities_file(tmp_path)
    config = {"regions": {"cities": {"aoi": str(path), "split_aoi_by": split}}}
    with pytest.raises(ConfigError, match=message) as err:
        split_regions(config, tmp_path)
    assert "regions.cities.split_aoi_by" in str(err.value)


def test_split_aoi_by_refuses_a_name_another_region_has(tmp_path):
    path = cities_file(tmp_path, ("Panzhihua",))
    config = {"regions": {"cities": {"aoi": str(path), "split_aoi_by": {"field": "city"}}, "panzhihua": {}}}
    with pytest.raises(ConfigError, match="'panzhihua' made for city = 'Panzhihua' exists already"):
        split_regions(config, tmp_path)


def test_region_slug():
    assert region_slug("Ma'anshan") == "maanshan"
    assert region_slug("Huang Shi (Hubei)") == "huang_shi_hubei"
    assert region_slug("Zürich") == "zurich"
    assert region_slug("攀枝花") == ""


def test_a_configfile_replaces_the_default_config_whole(tmp_path):
    """--configfile without --replace-workflow-config: none of config.yaml's keys merge in (the demo leaves out the
    sensitivity analysis; config/tiny.yaml keeps the schema's default and plans it). Jobs on a cluster are started
    without --replace-workflow-config, so a merged key reached only them."""
    assert yaml.safe_load((REPO / "config.yaml").read_text())["identify"]["sensitivity"]["scales"] == []
    proc = snakemake("-n", "--configfile", "config/tiny.yaml", "--config", f"results={tmp_path}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    stats = dict(re.findall(r"^(\w+)\s+(\d+)$", proc.stdout, flags=re.M))
    assert stats.get("sensitivity") == "1" and "synthetic_scene" in stats
    assert f"{tmp_path}/synthetic/" not in proc.stdout  # nor the demo's region

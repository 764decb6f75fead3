"""The minerestore command: ``init`` writes a commented config that validates, refuses unusable arguments naming
the flag; ``check`` prints the planned regions, grids and jobs of a good config and the error naming the key of a
bad one; the Marburg scenes go from init to a planned run without editing the config."""

import os
import subprocess
import sys
from datetime import date

import geopandas as gpd
import pytest
import yaml
from conftest import MARBURG, REPO, need
from shapely.geometry import LineString
from snakemake.utils import validate

from minerestore.cli import main
from minerestore.config import check_config

SCHEMA = str(REPO / "workflow" / "schemas" / "config.schema.yaml")
AOI = "config/marburg_aoi.geojson"


@pytest.fixture(autouse=True)
def in_repository(monkeypatch):
    """The commands run from the repository root, where the configs' paths are taken from."""
    monkeypatch.chdir(REPO)


def init(*args):
    """``minerestore init`` with ``args``; its exit status."""
    return main(["init", *map(str, args)])


def written(path):
    """A written config, checked as the workflow checks it (schema with defaults, then the config checks)."""
    text = path.read_text()
    config = yaml.safe_load(text)
    validate(config, SCHEMA)
    check_config(config, REPO)
    return text, config


@pytest.mark.parametrize("args", [["--help"], ["init", "--help"], ["check", "--help"]])
def test_help(args, capsys):
    with pytest.raises(SystemExit) as stop:
        main(args)
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert "usage: minerestore" in out and ("--aoi" in out if "init" in args else "CONFIG" in out if "check" in args
                                           else "minerestore check config/NAME.yaml" in out)


def test_python_m_minerestore_runs_the_command():
    proc = subprocess.run([sys.executable, "-m", "minerestore", "--help"], capture_output=True, text=True, cwd=REPO,
                          env=dict(os.environ, PYTHONPATH=str(REPO / "src")))
    assert proc.returncode == 0 and "{init,check}" in proc.stdout


def test_init_writes_a_commented_config_that_validates(tmp_path):
    out = tmp_path / "area.yaml"
    assert init("area", "--aoi", AOI, "--source", "stac", "--years", "2018-2022", "--out", out) == 0
    text, config = written(out)
    region = config["regions"]["area"]
    # the UTM zone of Marburg, Landsat's pixel, the northern season, a drivers' grid the 1.2 km AOI can fill
    assert (region["crs"], region["resolution"], region["season"]) == ("EPSG:32632", 30,
                                                                       {"start_month": 6, "end_month": 9})
    assert region["years"] == {"first": 2018, "last": 2022} and region["analysis_grid_m"] == 60
    assert config["identify"]["method"] == "candidates" and config["results"] == "results/area"
    lines = text.splitlines()
    keys = [i for i, line in enumerate(lines) if not line.lstrip().startswith("#")]
    assert all(lines[i - 1].lstrip().startswith("#") for i in keys[1:])  # a comment above every key
    assert "paths inside an acquisitions CSV from the CSV's own folder" in " ".join(lines[:6]).replace("# ", "")
    assert "# dem: path/to/dem.tif" in text and "# reference_mines: path/to/mines.gpkg" in text


def test_init_rivers_in_the_south_with_sentinel2(tmp_path):
    rivers = tmp_path / "rivers.gpkg"
    gpd.GeoDataFrame(geometry=[LineString([(-60.0, -3.2), (-59.8, -3.1)])], crs="EPSG:4326").to_file(rivers)
    out = tmp_path / "amazon.yaml"
    assert init("amazon", "--rivers", rivers, "--source", "stac", "--sensor", "sentinel2", "--years", "2019-2023",
                "--out", out) == 0
    region = written(out)[1]["regions"]["amazon"]
    assert (region["crs"], region["resolution"], region["lst_sensor"]) == ("EPSG:32721", 10, "landsat")
    assert region["season"] == {"start_month": 12, "end_month": 3}  # the southern summer
    assert "analysis_grid_m" not in region  # the 10 km buffer holds enough 1 km cells


@pytest.mark.parametrize("args, flag", [
    (["area", "--source", "stac"], "one of the arguments --aoi --rivers is required"),
    (["area", "--aoi", "missing.geojson", "--source", "stac"], "argument --aoi: file 'missing.geojson' does not exist"),
    (["area", "--aoi", AOI, "--source", "local"], "argument --acquisitions"),
    (["area", "--aoi", AOI, "--source", "stac", "--years", "2013-2001"], "argument --years"),
    (["a/b", "--aoi", AOI, "--source", "stac"], "argument NAME"),
    (["area", "--aoi", "config/tiny.yaml", "--source", "stac"], "argument --aoi"),  # not a vector file
])
def test_init_refuses_bad_arguments_naming_the_flag(args, flag, tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        init(*args, "--out", tmp_path / "area.yaml")
    assert stop.value.code == 2 and flag in capsys.readouterr().err
    assert not (tmp_path / "area.yaml").exists()


def test_init_refuses_an_existing_config_unless_forced(tmp_path, capsys):
    out = tmp_path / "area.yaml"
    out.write_text("mine")
    with pytest.raises(SystemExit):
        init("area", "--aoi", AOI, "--source", "stac", "--out", out)
    assert "argument --out" in capsys.readouterr().err and out.read_text() == "mine"
    assert init("area", "--aoi", AOI, "--source", "stac", "--out", out, "--force") == 0
    assert "regions:" in out.read_text()


def test_check_prints_regions_grid_and_jobs(tmp_path, capsys):
    assert main(["check", "config/tiny.yaml", "--config", f"results={tmp_path}"]) == 0
    out = capsys.readouterr().out
    assert "region tiny: sentinel2 imagery, source synthetic" in out
    assert "200 rows x 201 cols = 40,200 px of 15 m = 9.04 km² (EPSG:32650)" in out
    assert "tiles  4 of the grid's 4 (128 px a side)" in out and "years  2016-2022 (7 years)" in out
    jobs = dict(line.split() for line in out.split("jobs: ")[1].splitlines()[1:] if not line.startswith("run it"))
    assert (jobs["composite"], jobs["composite_mosaic"], jobs["ecology_year"], jobs["all"]) == ("4", "7", "7", "1")
    assert f"jobs: {sum(map(int, jobs.values()))}" in out
    assert not list(tmp_path.iterdir())  # nothing was run


@pytest.mark.parametrize("change, key", [
    ({"analysis_grid_m": 5}, "config key regions.tiny.analysis_grid_m: the drivers' analysis grid of 5 m is finer"),
    ({"colour": "red"}, "config key regions.tiny: Additional properties are not allowed ('colour' was unexpected)"),
])
def test_check_fails_naming_the_key(change, key, tmp_path, capsys):
    config = yaml.safe_load((REPO / "config" / "tiny.yaml").read_text())
    config["regions"]["tiny"].update(change)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(config))
    assert main(["check", str(path), "--config", f"results={tmp_path / 'r'}"]) == 1
    assert key in capsys.readouterr().err


def test_check_shows_snakemake_s_own_error(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text("- area\n")  # YAML, but no keys at its top level
    assert main(["check", str(path)]) == 1
    assert "Config file must be given as JSON or YAML with keys at top level" in capsys.readouterr().err


@pytest.mark.realdata
def test_marburg_from_init_to_a_planned_run(tmp_path, capsys):
    """The real Landsat scenes: init's years (those with a scene), grid and analysis grid plan a run as written."""
    need(MARBURG)
    out = tmp_path / "marburg.yaml"
    assert init("marburg", "--aoi", AOI, "--source", "local", "--sensor", "landsat", "--years", "2001-2013",
                "--acquisitions", "config/real-landsat-acquisitions.csv", "--out", out) == 0
    region = yaml.safe_load(out.read_text())["regions"]["marburg"]
    # the years with a scene, and the DEM beside the scenes (without it every driver of a mine-free area is constant)
    assert region["years"] == [2001, 2013] and region["dem"].endswith("landsat-marburg/DEM.TIF")
    assert main(["check", str(out), "--config", f"results={tmp_path / 'r'}"]) == 0
    report = capsys.readouterr().out
    assert "region marburg: landsat imagery, source local" in report and "years  2001, 2013 (2 years)" in report
    assert "ingest" in report and "drivers_model" in report


def box_aoi(path, *boxes, crs="EPSG:4326"):
    """A GeoJSON study area of lon/lat boxes (xmin, ymin, xmax, ymax)."""
    from shapely.geometry import box

    gpd.GeoDataFrame(geometry=[box(*b) for b in boxes], crs=crs).to_file(path)
    return path


@pytest.mark.bad_input
def test_init_refuses_an_aoi_across_the_antimeridian(tmp_path, capsys):
    """Split at 180° (two polygons) the AOI's centre is at 0° (a Greenwich UTM zone was written); drawn past 180° its
    longitudes are not 'another CRS'."""
    split = box_aoi(tmp_path / "fiji.geojson", (179.9, -16.8, 180.0, -16.7), (-180.0, -16.8, -179.9, -16.7))
    past = tmp_path / "past.geojson"
    past.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": '
                    '{"type": "Polygon", "coordinates": [[[179.9, -16.8], [180.1, -16.8], [180.1, -16.7], '
                    '[179.9, -16.7], [179.9, -16.8]]]}}]}')
    for aoi in (split, past):
        with pytest.raises(SystemExit):
            init("fiji", "--aoi", aoi, "--source", "stac", "--out", tmp_path / "fiji.yaml")
        err = capsys.readouterr().err
        assert "argument --aoi" in err and "antimeridian" in err and "another CRS" not in err, err
    assert not (tmp_path / "fiji.yaml").exists()


@pytest.mark.bad_input
@pytest.mark.parametrize("years", ["1850-1860", "2090-2095", f"{date.today().year + 1}"])
def test_init_refuses_years_without_imagery_naming_the_flag(years, tmp_path, capsys):
    """Before the first Landsat a schema error's traceback; after this year a config that check called valid."""
    with pytest.raises(SystemExit) as stop:
        init("area", "--aoi", AOI, "--source", "stac", "--years", years, "--out", tmp_path / "area.yaml")
    assert stop.value.code == 2 and "argument --years" in capsys.readouterr().err


@pytest.mark.bad_input
@pytest.mark.parametrize("name", ["yes", "null", "007", "0x1F", "on"])
def test_init_quotes_a_region_name_yaml_would_read_as_another_value(name, tmp_path):
    out = tmp_path / "area.yaml"
    assert init(name, "--aoi", AOI, "--source", "stac", "--years", "2018-2022", "--out", out) == 0
    config = written(out)[1]
    assert list(config["regions"]) == [name]


@pytest.mark.bad_input
def test_check_refuses_a_region_name_yaml_renames(tmp_path, capsys):
    config = yaml.safe_load((REPO / "config" / "tiny.yaml").read_text())
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(config).replace("  tiny:", "  007:"))
    assert main(["check", str(path), "--config", f"results={tmp_path / 'r'}"]) == 1
    assert "key 007 (line" in capsys.readouterr().err


@pytest.mark.bad_input
def test_init_refuses_acquisitions_a_remote_source_would_ignore(tmp_path, capsys):
    table = tmp_path / "scenes.csv"
    table.write_text("path,date,sensor\nscene_{band}.TIF,2019-07-01,landsat8_l1\n")
    with pytest.raises(SystemExit):
        init("area", "--aoi", AOI, "--source", "stac", "--acquisitions", table, "--out", tmp_path / "area.yaml")
    assert "argument --acquisitions: only --source local" in capsys.readouterr().err


@pytest.mark.bad_input
@pytest.mark.parametrize("where", ["folder", "under a file", "folder forced"])
def test_init_refuses_an_out_it_cannot_write_naming_the_flag(where, tmp_path, capsys):
    """Tracebacks before (IsADirectoryError, FileExistsError), or 'exists; pass --force' for a folder."""
    (tmp_path / "file").write_text("")
    out = {"folder": tmp_path, "folder forced": tmp_path, "under a file": tmp_path / "file" / "area.yaml"}[where]
    force = ["--force"] if where == "folder forced" else []
    with pytest.raises(SystemExit) as stop:
        init("area", "--aoi", AOI, "--source", "stac", "--out", out, *force)
    err = capsys.readouterr().err
    assert stop.value.code == 2 and "argument --out" in err and ("is a folder" in err or "is a file" in err), err


@pytest.mark.bad_input
def test_init_refuses_a_table_without_geometries_as_aoi(tmp_path, capsys):
    """A CSV of coordinates was an AttributeError traceback ('DataFrame' object has no attribute 'crs')."""
    table = tmp_path / "points.csv"
    table.write_text("name,lon,lat\nA,8.7,50.8\n")
    with pytest.raises(SystemExit):
        init("area", "--aoi", table, "--source", "stac", "--out", tmp_path / "area.yaml")
    assert "argument --aoi" in (err := capsys.readouterr().err) and "no geometries" in err


def test_init_takes_a_file_geodatabase_folder_as_aoi(tmp_path):
    """An ESRI file geodatabase is a folder; the workflow reads it, so init takes it."""
    gdb = tmp_path / "aoi.gdb"
    area = gpd.read_file(REPO / AOI)
    area.to_file(gdb, driver="OpenFileGDB", layer="aoi")
    out = tmp_path / "area.yaml"
    assert init("area", "--aoi", gdb, "--source", "stac", "--years", "2018-2022", "--out", out) == 0
    assert written(out)[1]["regions"]["area"]["crs"] == "EPSG:32632"


@pytest.mark.bad_input
def test_commands_to_copy_quote_a_path_with_spaces(tmp_path, capsys):
    out = tmp_path / "my configs" / "área.yaml"
    assert init("area", "--aoi", AOI, "--source", "stac", "--years", "2018-2022", "--out", out) == 0
    assert f"minerestore check '{out}'" in capsys.readouterr().out
    assert f"--configfile '{out}'" in out.read_text().replace("\n# ", " ")


@pytest.mark.bad_input
def test_check_names_the_line_of_a_yaml_syntax_error(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text("regions:\n  area:\n\tsource: stac\n")
    assert main(["check", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path} is not valid YAML" in err and "line 3, column 1" in err


@pytest.mark.bad_input
def test_check_of_a_folder_says_it_is_a_folder(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["check", str(tmp_path)])
    assert "is a folder" in capsys.readouterr().err


@pytest.mark.bad_input
@pytest.mark.parametrize("regions", ["[area]", "\n  - area:\n      source: stac", "3"])
def test_check_refuses_regions_that_are_not_a_mapping(regions, tmp_path, capsys):
    """A list of regions was an AttributeError traceback from the Snakefile."""
    path = tmp_path / "bad.yaml"
    path.write_text(f"regions: {regions}\n")
    assert main(["check", str(path)]) == 1
    err = capsys.readouterr().err
    assert "config key regions: expected each region's name with its keys under it" in err and "Traceback" not in err


@pytest.mark.bad_input
def test_check_refuses_future_years_of_a_remote_region(tmp_path, capsys):
    out = tmp_path / "area.yaml"
    assert init("area", "--aoi", AOI, "--source", "stac", "--years", "2018-2022", "--out", out) == 0
    out.write_text(out.read_text().replace("years: {first: 2018, last: 2022}", "years: {first: 2090, last: 2095}"))
    assert main(["check", str(out), "--config", f"results={tmp_path / 'r'}"]) == 1
    assert "config key regions.area.years: 2095 is after this year" in capsys.readouterr().err


@pytest.mark.bad_input
def test_check_warns_that_one_year_gives_no_trend(tmp_path, capsys):
    """One analysis year plans and runs, every mine 'insufficient': check says so."""
    config = yaml.safe_load((REPO / "config" / "tiny.yaml").read_text())
    config["regions"]["tiny"]["years"] = {"first": 2016, "last": 2016}
    path = tmp_path / "one.yaml"
    path.write_text(yaml.safe_dump(config))
    assert main(["check", str(path), "--config", f"results={tmp_path / 'r'}"]) == 0
    captured = capsys.readouterr()
    assert "1 analysis year(s), fewer than restoration.min_years (5)" in captured.err
    assert "years  2016-2016 (1 year)" in captured.out

"""Tiles of the region grid, virtual mosaics and windows (minerestore.raster.mosaic), and statistics that add up over tiles
(minerestore.ecology.rings.moments / summary)."""

import os

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from shapely.geometry import box

from minerestore.ecology.rings import ring_moments, ring_stats, ring_summary, ring_zones
from minerestore.raster.grid import Grid
from minerestore.raster.mosaic import write_vrt
from minerestore.raster.read import lazy_on_grid
from minerestore.raster.tiles import halo_windows, polygon_windows, stream_chunk, tile_grid, tile_windows
from minerestore.raster.write import write_raster
from minerestore.sources.plan import planned_grid, study_area_tiles


def grid_of(width, height, res=10.0):
    return Grid("EPSG:32650", rasterio.transform.from_origin(500000, 3300000, res, res), width, height)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 300), st.integers(1, 300), st.integers(64, 128), st.integers(0, 20))
def test_tiles_partition_the_grid_and_halos_hold_them(width, height, size, halo):
    grid = grid_of(width, height)
    cover = np.zeros(grid.shape, int)
    for window in tile_windows(grid, size).values():
        cover[window.toslices()] += 1
        assert window.width <= size and window.height <= size
    assert (cover == 1).all()
    for window, padded, inner in halo_windows(grid, size, halo):
        r0, c0 = int(padded.row_off), int(padded.col_off)
        assert r0 + inner[0].start == window.row_off and c0 + inner[1].start == window.col_off
        assert inner[0].stop - inner[0].start == window.height and padded.row_off + padded.height <= grid.height
        assert window.row_off - padded.row_off == min(halo, window.row_off)


@pytest.mark.parametrize("width, height, size, whole, expected", [
    (200, 200, 128, 4_194_304, None),  # the tiny config: 4 tiles, 40,000 px, whole arrays
    (200, 200, 128, 39_999, 128),  # one pixel over the limit: streamed
    (200, 200, 128, 40_000, None),  # at the limit: whole
    (200, 200, 128, 0, 128),  # 0 streams every region of several tiles
    (200, 200, 256, 0, None),  # ... but a region within one tile is always whole
    (5000, 100, 2048, 400_000, 2048),  # a long river corridor: 500,000 px over 3 tiles
])
def test_stream_chunk_streams_regions_above_whole_region_px_that_span_tiles(width, height, size, whole, expected):
    assert stream_chunk(grid_of(width, height), size, whole) == expected


def test_vrt_mosaic_of_tiles_equals_the_raster(tmp_path):
    grid = grid_of(150, 110)
    data = np.random.default_rng(1).normal(size=(2, *grid.shape)).astype(np.float32)
    tiles = {}
    for tile_id, window in tile_windows(grid, 64).items():
        path = tmp_path / "t" / f"{tile_id}.tif"
        write_raster(path, data[(slice(None), *window.toslices())], tile_grid(grid, window).profile(2), ["a", "b"])
        tiles[tile_id] = path
    del tiles["r001c001"]  # a tile that misses the study area: read as nodata
    write_vrt(tmp_path / "m.vrt", grid, tiles, size_px=64, band_names=["a", "b"], dtype="float32", nodata=float("nan"),
              tags={"year": 2020})
    with rasterio.open(tmp_path / "m.vrt") as src:
        assert src.descriptions == ("a", "b") and src.tags()["year"] == "2020" and src.shape == grid.shape
        assert src.transform == grid.transform
        out = src.read()
    expected = data.copy()
    expected[:, 64:110, 64:128] = np.nan
    np.testing.assert_array_equal(out, expected)
    lazy = lazy_on_grid(tmp_path / "m.vrt", grid, "b", 50)
    np.testing.assert_array_equal(lazy.compute(), expected[1])


def test_polygon_windows_hold_their_polygons():
    grid = grid_of(300, 200)
    x0, y1 = grid.transform.c, grid.transform.f
    polys = gpd.GeoDataFrame({"mine_id": list("abc")}, crs=grid.crs, geometry=[
        box(x0 + 15, y1 - 95, x0 + 55, y1 - 45), box(x0 + 2000, y1 - 1500, x0 + 2900, y1 - 1003),
        box(x0 + 2010, y1 - 1990, x0 + 2200, y1 - 1800)])
    groups = polygon_windows(polys, grid, 100)
    assert sorted(i for members, _ in groups for i in members) == [0, 1, 2]
    for members, window in groups:
        bounds = box(*rasterio.windows.bounds(window, grid.transform))
        assert all(bounds.contains(polys.geometry.iloc[i]) for i in members)
        assert window.row_off + window.height <= grid.height and window.col_off + window.width <= grid.width
    assert len(groups) == 2  # b and c share a tile


def test_ring_statistics_add_up_over_tiles():
    rng = np.random.default_rng(4)
    group = np.zeros((60, 60), bool)
    group[20:25, 30:36] = True
    rings = ring_zones(group, group, 100, 1, 3)
    values = rng.normal(0.5, 0.2, rings.shape)
    values[rng.uniform(size=rings.shape) < 0.1] = np.nan
    whole = ring_stats({"rsei": values}, rings, 1)
    parts = [ring_moments({"rsei": values[r:r + 17]}, rings[r:r + 17]) for r in range(0, 60, 17)]
    tiled = ring_summary(parts, 1)
    pd.testing.assert_frame_equal(tiled, whole, check_exact=False, atol=1e-12)
    ok = np.isfinite(values) & (rings == 2)
    assert tiled.set_index("ring").loc[2, "std"] == pytest.approx(np.std(values[ok], ddof=1))


def test_planned_grid_and_study_area_tiles(tmp_path):
    rivers = gpd.GeoDataFrame(geometry=[box(500000, 3200000, 500010, 3300000).boundary], crs="EPSG:32650")
    rivers.to_file(tmp_path / "rivers.gpkg")
    region = {"source": "stac", "crs": "EPSG:32650", "resolution": 100, "rivers": "rivers.gpkg"}
    grid = planned_grid(region, 10, tmp_path)
    assert grid.bounds == (490000, 3190000, 510100, 3310000)  # the rivers grown by the 10 km buffer
    aoi = gpd.GeoDataFrame(geometry=[box(490000, 3305000, 495000, 3310000)], crs="EPSG:32650")
    aoi.to_file(tmp_path / "aoi.gpkg")
    tiles = study_area_tiles({**region, "aoi": "aoi.gpkg"}, grid, 64, 10, tmp_path)
    assert tiles == ["r000c000"]  # only the north-west tile meets the AOI
    skipped = set(tile_windows(grid, 64)) - set(study_area_tiles(region, grid, 64, 10, tmp_path))
    assert skipped == {"r018c003"}  # the far corner beyond the round end of the river buffer


def test_tile_of_names_a_missing_tile():
    from affine import Affine

    from minerestore.raster.grid import Grid
    from minerestore.raster.tiles import tile_of

    grid = Grid("EPSG:32650", Affine(10, 0, 0, 0, -10, 1000), 100, 70)
    t = tile_of(grid, 64, "r001c001")
    assert (t.width, t.height) == (36, 6) and t.transform.c == 640 and t.transform.f == 1000 - 640
    with pytest.raises(KeyError, match="r005c000.*100 x 70 px.*64 px"):
        tile_of(grid, 64, "r005c000")


def test_read_on_grid_reprojects_a_window_as_the_whole_grid_and_fills_outside_the_source(tmp_path):
    """A 30 m integer raster read onto a 10 m grid that reaches past it: a window equals that part of the whole
    read; the fill marks the pixels outside the source, and a NaN fill turns the integers into float32."""
    from rasterio.transform import from_origin
    from rasterio.windows import Window

    from minerestore.raster.grid import Grid
    from minerestore.raster.read import read_on_grid

    data = np.arange(100, dtype="uint16").reshape(10, 10) + 1
    with rasterio.open(tmp_path / "coarse.tif", "w", driver="GTiff", width=10, height=10, count=1, dtype="uint16",
                       crs="EPSG:32650", transform=from_origin(400000, 3301000, 30, 30)) as dst:
        dst.write(data, 1)
    grid = Grid.from_bounds("EPSG:32650", (400000, 3300700, 400330, 3301000), 10)  # 30 px past the source
    whole = read_on_grid(tmp_path / "coarse.tif", grid, 1, resampling=rasterio.enums.Resampling.nearest, fill=0)
    assert whole.dtype == np.uint16 and (whole[:, :30] == np.repeat(np.repeat(data, 3, 0), 3, 1)).all()
    assert (whole[:, 30:] == 0).all()
    window = Window(20, 5, 13, 7)
    part = read_on_grid(tmp_path / "coarse.tif", grid, 1, window, resampling=rasterio.enums.Resampling.nearest, fill=0)
    np.testing.assert_array_equal(part, whole[5:12, 20:33])
    as_float = read_on_grid(tmp_path / "coarse.tif", grid, 1, resampling=rasterio.enums.Resampling.nearest,
                            fill=np.nan)
    assert as_float.dtype == np.float32 and np.isnan(as_float[:, 30:]).all()
    np.testing.assert_array_equal(as_float[:, :30], whole[:, :30])


def test_read_on_grid_takes_one_resampling_per_band(tmp_path):
    """Two bands re-projected with a method each equal each band read alone; an aligned file gives its bands as
    stored whatever the methods; a list of the wrong length is refused, naming the file."""
    from rasterio.enums import Resampling
    from rasterio.transform import from_origin

    from minerestore.raster.grid import Grid
    from minerestore.raster.read import read_on_grid

    rng = np.random.default_rng(3)
    data = rng.integers(1, 5000, (2, 10, 10)).astype("uint16")
    for name, res in (("coarse.tif", 30), ("aligned.tif", 10)):
        with rasterio.open(tmp_path / name, "w", driver="GTiff", width=10, height=10, count=2, dtype="uint16",
                           crs="EPSG:32650", transform=from_origin(400000, 3301000, res, res)) as dst:
            dst.write(data)
    grid = Grid.from_bounds("EPSG:32650", (400000, 3300700, 400300, 3301000), 10)
    methods = [Resampling.nearest, Resampling.bilinear]
    both = read_on_grid(tmp_path / "coarse.tif", grid, [1, 2], resampling=methods, fill=np.nan)
    for band, method in ((1, methods[0]), (2, methods[1])):
        np.testing.assert_array_equal(both[band - 1], read_on_grid(tmp_path / "coarse.tif", grid, band,
                                                                   resampling=method, fill=np.nan))
    assert not np.array_equal(both[0], both[1])  # the bands differ, so a swap would show
    small = Grid.from_bounds("EPSG:32650", (400000, 3300900, 400100, 3301000), 10)
    np.testing.assert_array_equal(read_on_grid(tmp_path / "aligned.tif", small, [2, 1], resampling=methods),
                                  data[::-1])
    with pytest.raises(ValueError, match="coarse.tif: 1 resampling methods for 2 bands"):
        read_on_grid(tmp_path / "coarse.tif", grid, [1, 2], resampling=[Resampling.nearest])


@pytest.mark.parametrize("holes", [False, True])
@pytest.mark.parametrize("method", ["nearest", "bilinear", "cubic", "average"])
@pytest.mark.parametrize("crs", ["EPSG:32650", "EPSG:32649"])
def test_read_on_grid_equals_the_masked_warp_of_the_whole_file(tmp_path, monkeypatch, holes, method, crs):
    """Windows that reach past the source, cross it or lie inside it, on a finer grid (and a coarser one for
    ``average``), in the source CRS or another: read_on_grid gives what GDAL's no-data-masked warp of the whole
    file gives, whether the source window holds no-data pixels (masked) or none (warped without the mask)."""
    import minerestore.raster.read as read

    masks = []
    warp = read.reproject
    monkeypatch.setattr(read, "reproject", lambda *a, **k: masks.append(k["src_nodata"]) or warp(*a, **k))
    from rasterio.enums import Resampling
    from rasterio.transform import from_origin
    from rasterio.warp import reproject
    from rasterio.windows import Window
    from rasterio.windows import transform as window_transform

    from minerestore.raster.read import read_on_grid

    rng = np.random.default_rng(5)
    data = rng.integers(1, 5000, (40, 40)).astype("uint16")
    if holes:
        data[4:8, 14:26] = 0  # no-data inside the file, among the source pixels of every window below
    with rasterio.open(tmp_path / "src.tif", "w", driver="GTiff", width=40, height=40, count=1, dtype="uint16",
                       crs="EPSG:32650", transform=from_origin(400000, 3301200, 30, 30), nodata=0) as dst:
        dst.write(data, 1)
    res = 90 if method == "average" else 10
    bounds = (400000 - 300, 3300000 - 300, 401200 + 300, 3301200 + 300)
    if crs != "EPSG:32650":
        bounds = rasterio.warp.transform_bounds("EPSG:32650", crs, *bounds)
    grid = Grid.from_bounds(crs, bounds, res)
    resampling = Resampling[method]
    n = grid.height // 4
    for window in (Window(0, 0, grid.width, n), Window(0, n, grid.width, grid.height - n),
                   Window(grid.width // 3, grid.height // 3, grid.width // 3, grid.height // 3)):
        expected = np.zeros((1, int(window.height), int(window.width)), "uint16")
        with rasterio.open(tmp_path / "src.tif") as src:
            reproject(rasterio.band(src, [1]), expected, src_nodata=0, dst_nodata=0, resampling=resampling,
                      dst_transform=window_transform(window, grid.transform), dst_crs=grid.crs)
        got = read_on_grid(tmp_path / "src.tif", grid, 1, window, resampling=resampling, fill=0)
        np.testing.assert_array_equal(got, expected[0])
        assert (got > 0).any()
    masked = method == "cubic" or holes  # the holes lie in every window's source pixels
    if method == "nearest" and crs == "EPSG:32650":  # the grid is the source's 30 m divided by 3: no warp at all
        assert masks == []
    else:
        assert masks == [0] * 3 if masked else masks == [None] * 3


@settings(max_examples=60, deadline=None)
@given(fy=st.integers(1, 4), fx=st.integers(1, 4), size=st.tuples(st.integers(1, 12), st.integers(1, 12)),
       shift=st.tuples(st.integers(-6, 20), st.integers(-6, 20)),
       span=st.tuples(st.integers(1, 40), st.integers(1, 40)), holes=st.booleans(), fill=st.sampled_from([0, 7, np.nan]), data=st.data())
def test_nearest_read_of_a_whole_factor_coarser_source_equals_gdal_warp(tmp_path_factory, fy, fx, size, shift, span,
                                                                         holes, fill, data):
    """A source whose pixels are fy x fx grid pixels, its edges on grid pixel edges (a Landsat band under a
    Sentinel-2 grid), is read by index (no GDAL warp) for nearest neighbour: the values equal GDAL's no-data-masked
    warp for any window, inside, across or outside the source, with or without no-data pixels, whatever the fill."""
    from rasterio.enums import Resampling
    from rasterio.transform import from_origin
    from rasterio.warp import reproject
    from rasterio.windows import Window
    from rasterio.windows import transform as window_transform

    import minerestore.raster.read as read

    path = tmp_path_factory.mktemp("nearest") / "src.tif"
    rows, cols = size
    values = data.draw(arrays(np.uint16, size, elements=st.integers(1 if not holes else 0, 9)))
    with rasterio.open(path, "w", driver="GTiff", width=cols, height=rows, count=1, dtype="uint16",
                       crs="EPSG:32650", transform=from_origin(400000, 3301200, 10 * fx, 10 * fy), nodata=0) as dst:
        dst.write(values, 1)
    grid = Grid("EPSG:32650", from_origin(400000 - 10 * shift[1], 3301200 + 10 * shift[0], 10, 10), span[1], span[0])
    window = Window(data.draw(st.integers(0, span[1] - 1)), data.draw(st.integers(0, span[0] - 1)), 0, 0)
    window = Window(window.col_off, window.row_off, span[1] - window.col_off, span[0] - window.row_off)
    dtype = "float32" if np.isnan(fill) else "uint16"
    expected = np.full((1, int(window.height), int(window.width)), fill, dtype)
    with rasterio.open(path) as src:
        assert read._nearest_indices(src, grid, window) is not None
        reproject(rasterio.band(src, [1]), expected, src_nodata=0, dst_nodata=fill, resampling=Resampling.nearest,
                  dst_transform=window_transform(window, grid.transform), dst_crs=grid.crs)
    got = read.read_on_grid(path, grid, 1, window, resampling=Resampling.nearest, fill=fill)
    with rasterio.open(path) as src:
        assert got.dtype == (src.dtypes[0] if read._aligned(src, grid) else expected.dtype)  # as stored on the grid
    np.testing.assert_array_equal(got, expected[0])


def test_nearest_read_by_index_only_for_whole_factors_on_grid_edges(tmp_path):
    """A source at 25 m under a 10 m grid, one shifted by half a grid pixel, and one in another CRS are warped."""
    from rasterio.transform import from_origin
    from rasterio.windows import Window

    from minerestore.raster.read import _nearest_indices

    grid = Grid("EPSG:32650", from_origin(400000, 3301200, 10, 10), 30, 30)
    cases = {("EPSG:32650", from_origin(400000, 3301200, 30, 30)): True,
             ("EPSG:32650", from_origin(400000, 3301200, 25, 25)): False,
             ("EPSG:32650", from_origin(400005, 3301200, 30, 30)): False,
             ("EPSG:32649", from_origin(400000, 3301200, 30, 30)): False}
    for (crs, transform), by_index in cases.items():
        with rasterio.open(tmp_path / "s.tif", "w", driver="GTiff", width=5, height=5, count=1, dtype="uint8",
                           crs=crs, transform=transform) as dst:
            dst.write(np.ones((1, 5, 5), "uint8"))
        with rasterio.open(tmp_path / "s.tif") as src:
            assert (_nearest_indices(src, grid, Window(0, 0, 30, 30)) is not None) == by_index, (crs, transform)


def test_read_on_grid_keeps_a_file_open_until_it_changes(tmp_path, monkeypatch):
    """With keep_open (as the dask streams read), windows of one file read one after another open it once; a file rewritten under the same name (a new
    inode, as the workflow's atomic writes give) is opened again and read anew; at most KEEP_OPEN files stay open
    per thread, the least recently read closed first."""
    from rasterio.transform import from_origin
    from rasterio.windows import Window

    import minerestore.raster.read as read
    from minerestore.raster.grid import Grid

    def write(path, value):
        with rasterio.open(tmp_path / "tmp.tif", "w", driver="GTiff", width=8, height=8, count=1, dtype="uint8",
                           crs="EPSG:32650", transform=from_origin(400000, 3301000, 10, 10)) as dst:
            dst.write(np.full((1, 8, 8), value, "uint8"))
        (tmp_path / "tmp.tif").rename(path)

    opened = []
    real_open = rasterio.open

    def counted_open(path, mode="r", **kwargs):
        if mode == "r":
            opened.append(str(path))
        return real_open(path, mode, **kwargs)

    monkeypatch.setattr(read.rasterio, "open", counted_open)
    monkeypatch.setattr(read, "KEEP_OPEN", 2)
    grid = Grid.from_bounds("EPSG:32650", (400000, 3300920, 400080, 3301000), 10)
    write(tmp_path / "a.tif", 1)
    def read_kept(name, window=None):
        return read.read_on_grid(tmp_path / name, grid, 1, window, keep_open=True)

    assert [read_kept("a.tif", Window(c, 0, 4, 8)).max() for c in (0, 4)] == [1, 1]
    assert opened == [str(tmp_path / "a.tif")]
    write(tmp_path / "a.tif", 7)
    assert read_kept("a.tif").max() == 7 and len(opened) == 2
    for name in ("b.tif", "c.tif"):
        write(tmp_path / name, 3)
        read_kept(name)
    kept = read._kept.files
    assert [p.rsplit("/", 1)[-1] for p in kept] == ["b.tif", "c.tif"]  # a.tif, read least recently, was closed
    read_kept("a.tif")
    assert len(opened) == 5  # a.tif opened again
    read.read_on_grid(tmp_path / "a.tif", grid)
    read.read_on_grid(tmp_path / "a.tif", grid)
    assert len(opened) == 7  # without keep_open every read opens the file


def test_jobs_bound_gdal_block_cache_unless_the_user_set_it(tmp_path, monkeypatch):
    """The block cache the kept files fill is bounded to 128 MB in every job (scripting.configure); a value the
    user exported wins."""
    from minerestore.scripting import configure

    monkeypatch.delenv("GDAL_CACHEMAX", raising=False)
    configure(str(tmp_path / "a.log"))
    assert os.environ["GDAL_CACHEMAX"] == "128"
    monkeypatch.setenv("GDAL_CACHEMAX", "2048")
    configure(str(tmp_path / "b.log"))
    assert os.environ["GDAL_CACHEMAX"] == "2048"


def test_jobs_keep_at_most_16_tiles_of_a_mosaic_open(tmp_path, monkeypatch):
    """A VRT mosaic keeps its tiles open (GDAL's default: 100), each holding a block of every band; after
    scripting.configure a job streaming a 40-tile mosaic tile by tile has at most 16 of them open, and reads the
    same values. In a fresh process, as a job is: GDAL sizes its pool of open files once, when first used."""
    import subprocess
    import sys

    from minerestore.raster.mosaic import mosaic_tiles

    grid = grid_of(8 * 40, 8)
    tiles = {}
    for k, (tile, window) in enumerate(tile_windows(grid, 8).items()):
        tiles[tile] = tmp_path / f"{tile}.tif"
        data = np.full((2, 8, 8), k, np.float32) + np.array([0, 0.5], np.float32)[:, None, None]
        write_raster(tiles[tile], data, tile_grid(grid, window).profile(2), ["a", "b"])
    mosaic_tiles(tmp_path / "mosaic.vrt", grid, tiles, 8)
    job = f"""
import os, psutil, rasterio
from rasterio.windows import Window
from minerestore.scripting import configure
configure(None)
with rasterio.open({str(tmp_path / "mosaic.vrt")!r}) as src:
    values = [src.read(window=Window(8 * k, 0, 8, 8))[:, 0, 0].tolist() for k in range(40)]
    held = [f for f in psutil.Process().open_files() if f.path.endswith(".tif")]
print(os.environ["GDAL_MAX_DATASET_POOL_SIZE"], len(held), values == [[k, k + 0.5] for k in range(40)])
"""
    monkeypatch.delenv("GDAL_MAX_DATASET_POOL_SIZE", raising=False)
    out = subprocess.run([sys.executable, "-c", job], capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == "16" and 0 < int(out[1]) <= 16 and out[2] == "True", out


@pytest.mark.parametrize("width, expected", [(1400, 1400), (1500, 1500), (1501, 751), (4600, 1150)])
def test_map_previews_are_decimated_by_a_whole_factor_to_at_most_1500_px(width, expected, tmp_path):
    """Maps in figures (read_preview): full resolution up to MAP_PX a side, else decimated (nearest: the pixel under
    each preview pixel's centre) by the smallest whole factor that brings the longer side under MAP_PX."""
    from minerestore.raster.read import MAP_PX, read_preview

    assert MAP_PX == 1500
    data = np.tile(np.arange(width, dtype=np.float32), (2, 1))[None]
    write_raster(tmp_path / "a.tif", data, grid_of(width, 2).profile(1), ["v"])
    preview = read_preview(tmp_path / "a.tif", "v")
    assert preview.shape[1] == expected
    centres = np.floor((np.arange(expected) + 0.5) * width / expected)
    assert np.array_equal(preview[0], centres.astype(np.float32))


def test_every_job_logs_its_peak_memory_at_exit(tmp_path):
    """scripting.configure: the job's log ends with its peak RSS from the kernel (once, however often configured),
    which benchmarks/scaling.py reads; a job that held 200 MB says so, whatever its parent held (pytest, here)."""
    import subprocess
    import sys

    from minerestore.scripting import PEAK_MEMORY

    log = tmp_path / "job.log"
    job = (f"from minerestore.scripting import configure\nimport numpy as np\nconfigure({str(log)!r})\n"
           f"configure({str(log)!r})\na = np.ones(200 * 2**20 // 8)\n")
    parent = np.ones(400 * 2**20 // 8)  # a parent bigger than the job, as Snakemake's process can be
    subprocess.run([sys.executable, "-c", job], check=True)
    del parent
    lines = [ln for ln in log.read_text().splitlines() if PEAK_MEMORY in ln]
    assert len(lines) == 1 and log.read_text().splitlines()[-1] == lines[0]
    assert 200 < float(lines[0].split(PEAK_MEMORY)[1].split()[0]) < 350

"""Composite throughput vs merely reading the same bytes with rasterio, vs the xarray code a user would otherwise
write, and peak memory, at two scene sizes.

Usage:  .venv/bin/python benchmarks/composite_throughput.py [--sizes 5 10] [--repeat 5] [--out benchmarks/results]

For each size (km, at 10 m) a synthetic scene is generated once; then, each in a fresh process (so peak RSS is
that step's own), one growing season (Sentinel-2 reflectance, Landsat LST) is
(a) ``read``: read band by band with rasterio (every band of every acquisition used, whole file);
(b) ``composite``: composited with minerestore (quality masks, scaling, warping, medians, percentile);
(c) ``xarray``: the peer - each acquisition opened with rioxarray, masked with the same quality rules, Landsat
    reprojected onto the Sentinel-2 grid (``rio.reproject_match``), stacked along ``time`` and reduced with
    ``.median("time")`` and, for NDVI, ``.quantile(0.9, "time")``.
``read`` and ``composite`` run ``--repeat`` times (5), interleaved, and their median time is taken: one run of
each swung the ratio by a quarter on a shared machine; ``xarray`` runs once.
Throughput is output megapixels per second on one core; ``composite_to_read_ratio`` says how close compositing
is to I/O speed, ``composite_to_xarray_ratio`` how it compares with the peer (> 1: faster). The composite and the
peer must give the same values: the largest absolute difference of every layer is reported (``max_abs_diff``)
and the run fails when a layer differs by more than 1e-5 (reflectance, NDVI) or 0.01 K (LST) or has NaN in
other places. Results are printed as a table and written to composite_throughput.csv.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

YEAR = 2016


def season(scene: Path):

    from minerestore.sources.acquisitions import read_table
    from minerestore.seasons import in_season

    acqs = [a for a in read_table(scene / "acquisitions.csv") if a.date.year == YEAR and in_season(a.date.month, 6, 9)]
    return [a for a in acqs if a.sensor.startswith("sentinel2")], [a for a in acqs if a.sensor.startswith("landsat")]


#: Layers the composite and the peer are compared on, with the largest absolute difference allowed.
COMPARED = {**{b: 1e-5 for b in ("blue", "green", "red", "nir", "swir1", "swir2", "ndvi", "ndvi_p90")}, "lst": 0.01}


def peer_composite(s2, landsat, grid) -> dict:
    """The season composited the way a user would write it with rioxarray and xarray (same quality rules)."""
    import numpy as np
    import rioxarray
    import xarray as xr
    from rasterio.enums import Resampling

    from minerestore.sources.sensors import qa_pixel_masks, scl_masks

    bands = {"blue": "B02", "green": "B03", "red": "B04", "nir": "B08", "swir1": "B11", "swir2": "B12"}
    scenes, ndvis = [], []
    for acq in s2:
        da = rioxarray.open_rasterio(acq.path)
        da = da.assign_coords(band=list(da.attrs["long_name"]))
        clear = xr.DataArray(scl_masks(da.sel(band="SCL").values, conservative=False)[0], dims=("y", "x"))
        dn = da.sel(band=list(bands.values()))
        refl = (dn.astype("float32") * np.float32(1e-4)).where(clear & (dn != 0))
        refl = refl.assign_coords(band=list(bands))
        scenes.append(refl)
        ndvis.append((refl.sel(band="nir") - refl.sel(band="red")) / (refl.sel(band="nir") + refl.sel(band="red")))
    stack = xr.concat(scenes, dim="time")
    out = {b: stack.sel(band=b).median("time").values for b in bands}
    ndvi = xr.concat(ndvis, dim="time")
    out["ndvi"] = ndvi.median("time").values
    out["ndvi_p90"] = ndvi.quantile(0.9, "time").values
    like = scenes[0].isel(band=0)
    lsts = []
    for acq in landsat:
        da = rioxarray.open_rasterio(acq.path)
        da = da.assign_coords(band=list(da.attrs["long_name"]))
        st = da.sel(band="ST_B10").rio.write_nodata(0).rio.reproject_match(like, resampling=Resampling.bilinear)
        qa = da.sel(band="QA_PIXEL").rio.write_nodata(1).rio.reproject_match(like, resampling=Resampling.nearest)
        clear = qa_pixel_masks(qa.values)[0] & (st.values != 0)
        lsts.append(xr.DataArray(np.where(clear, st.values.astype("float32") * np.float32(0.00341802)
                                          + np.float32(149.0), np.nan), dims=("y", "x")))
    out["lst"] = xr.concat(lsts, dim="time").median("time").values
    return out


def step(kind: str, scene: Path) -> dict:
    import numpy as np
    import rasterio
    import yaml

    from minerestore.composite.season import composite_blocks
    from minerestore.raster.grid import Grid

    manifest = yaml.safe_load((scene / "inputs.yaml").read_text())
    grid = Grid.from_bounds(manifest["crs"], tuple(manifest["bounds"]), manifest["resolution"])
    s2, landsat = season(scene)
    start = time.perf_counter()
    if kind == "read":
        total = 0.0
        for acq in s2 + landsat:
            with rasterio.open(acq.path) as src:
                for band in range(1, src.count + 1):
                    total += float(src.read(band).sum())
    elif kind == "xarray":
        out = peer_composite(s2, landsat, grid)
    else:
        out = {k: np.full((grid.height, grid.width), np.nan, np.float32) for k in COMPARED}
        # the schema's defaults (composite.block_rows, ndvi_percentile, scl_conservative, statistic)
        for window, bands in composite_blocks(s2, landsat, grid, block_rows=512, percentile=90.0,
                                              conservative_scl=False, statistic="median"):
            rows = slice(int(window.row_off), int(window.row_off + window.height))
            for k in COMPARED:
                out[k][rows] = bands[k]
    seconds = time.perf_counter() - start
    if kind != "read":
        np.savez(scene / f"{kind}.npz", **{k: out[k] for k in COMPARED})
    return {"seconds": seconds, "megapixels": grid.width * grid.height / 1e6,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def differences(scene: Path) -> dict:
    """Largest absolute difference per layer between the composite and the peer.

    Raises
    ------
    AssertionError
        When a layer has NaN in other places or differs by more than :data:`COMPARED` allows.
    """
    import numpy as np

    ours, peer = np.load(scene / "composite.npz"), np.load(scene / "xarray.npz")
    out = {}
    for layer, tolerance in COMPARED.items():
        a, b = ours[layer], peer[layer]
        assert np.array_equal(np.isnan(a), np.isnan(b)), f"{layer}: NaN in other places than the peer's"
        out[layer] = float(np.nanmax(np.abs(a - b))) if np.isfinite(a).any() else 0.0
        assert out[layer] <= tolerance, f"{layer}: differs from the peer by {out[layer]:g} (> {tolerance:g})"
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[5.0, 10.0])
    parser.add_argument("--repeat", type=int, default=5, help="fresh-process runs of read and composite (median)")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results")
    parser.add_argument("--step", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--generate", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        from minerestore.sources.synthetic.scene import SyntheticParams, generate

        size = float(args.generate[0])
        generate(SyntheticParams(size_km=size, years=[YEAR], n_mines=max(4, int(size * size / 3))), Path(args.generate[1]))
        return
    if args.step:
        print(json.dumps(step(args.step[0], Path(args.step[1]))))
        return
    import pandas as pd

    rows = []
    for size in args.sizes:
        scene = args.out / f"scene_{size:g}km"
        if not (scene / "inputs.yaml").exists():  # in its own process: Linux keeps ru_maxrss across fork/exec
            subprocess.run([sys.executable, __file__, "--generate", str(size), str(scene)], check=True)
        runs = {kind: [] for kind in ("read", "composite", "xarray")}
        for i in range(args.repeat):  # interleaved, so that a slow spell of the machine hits every step alike
            for kind in runs:
                if kind == "xarray" and i:
                    continue  # the peer is 100x slower: one run says enough
                proc = subprocess.run([sys.executable, __file__, "--step", kind, str(scene)], capture_output=True,
                                      text=True, check=True)
                runs[kind].append(json.loads(proc.stdout.strip().splitlines()[-1]))
        result = {kind: {"seconds": statistics.median(r["seconds"] for r in rs),
                         "megapixels": rs[0]["megapixels"], "peak_rss_mb": max(r["peak_rss_mb"] for r in rs)}
                  for kind, rs in runs.items()}
        mp = result["composite"]["megapixels"]
        rows.append({
            "size_km": size, "megapixels": mp,
            "read_mp_per_s": mp / result["read"]["seconds"],
            "composite_mp_per_s": mp / result["composite"]["seconds"],
            "xarray_mp_per_s": mp / result["xarray"]["seconds"],
            "composite_to_read_ratio": result["read"]["seconds"] / result["composite"]["seconds"],
            "composite_to_xarray_ratio": result["xarray"]["seconds"] / result["composite"]["seconds"],
            "read_peak_rss_mb": result["read"]["peak_rss_mb"],
            "composite_peak_rss_mb": result["composite"]["peak_rss_mb"],
            "xarray_peak_rss_mb": result["xarray"]["peak_rss_mb"],
            "max_abs_diff": json.dumps({k: float(f"{v:.3g}") for k, v in differences(scene).items()}),
        })
    frame = pd.DataFrame(rows)
    args.out.mkdir(parents=True, exist_ok=True)
    frame.to_csv(args.out / "composite_throughput.csv", index=False)
    print(frame.to_string(index=False, float_format=lambda v: f"{v:.2f}"))


if __name__ == "__main__":
    main()

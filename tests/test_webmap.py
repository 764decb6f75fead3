"""The interactive map (minerestore.report.webmap) of a tiny hand-made region: one mine patch per row of the
summary, coloured and labelled by status, a tooltip of the BSP and REM series, overlays read decimated, an HTML file
that loads no script from the network; and, in headless Chromium, that bokeh builds the plot from it."""

import json
import os
import re
import shutil
import subprocess

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from matplotlib.colors import to_hex
from shapely.geometry import box

from minerestore.raster.grid import Grid
from minerestore.raster.read import read_preview
from minerestore.report.plots import STATUS_COLOURS
from minerestore.report.webmap import WEB_PX, rsei_overlay, series_text, trend_overlay, web_map, write_map

CRS = "EPSG:32650"
BOUNDS = (500000.0, 3000000.0, 503000.0, 3002000.0)


def study_area():
    xmin, ymin, xmax, ymax = BOUNDS
    middle = (xmin + xmax) / 2
    return gpd.GeoDataFrame({"subregion": ["upstream", "downstream"], "area_km2": [3.0, 3.0]},
                            geometry=[box(xmin, ymin, middle, ymax), box(middle, ymin, xmax, ymax)], crs=CRS)


def summary():
    x, y = BOUNDS[:2]
    return gpd.GeoDataFrame({
        "mine_id": ["M0001", "M0002", "M0003"], "area_ha": [16.0, 9.0, 25.0],
        "status": ["abandoned", "active", "abandoned"], "sen_slope": [-8.0, 6.5, -3.0],
        "bsp_2016": [90.0, 20.0, 60.0], "bsp_2017": [70.0, np.nan, 50.0],
        "rem_2016": [0.2, 0.5, 0.3], "rem_2017": [0.4, 0.45, 0.35]},
        geometry=[box(x + 300, y + 300, x + 700, y + 700), box(x + 1800, y + 1200, x + 2100, y + 1500),
                  box(x + 2300, y + 300, x + 2800, y + 800).difference(box(x + 2500, y + 500, x + 2600, y + 600))],
        crs=CRS)


@pytest.fixture
def rsei_raster(tmp_path):
    """An RSEI raster of 2400 x 1600 px on BOUNDS (1.25 m), a band named rsei, NaN on its western tenth."""
    grid = Grid.from_bounds(CRS, BOUNDS, 1.25)
    values = np.tile(np.linspace(0, 1, grid.width, dtype=np.float32), (grid.height, 1))
    values[:, : grid.width // 10] = np.nan
    path = tmp_path / "rsei.tif"
    with rasterio.open(path, "w", **grid.profile(1)) as dst:
        dst.write(values, 1)
        dst.set_band_description(1, "rsei")
    return path


@pytest.fixture
def map_html(tmp_path, rsei_raster):
    rsei = read_preview(rsei_raster, "rsei", WEB_PX)
    slope = np.linspace(-2, 2, 20 * 30, dtype=np.float32).reshape(20, 30)
    layout = web_map(study_area(), summary(), [rsei_overlay(rsei, 2017), trend_overlay(slope, "bare")], BOUNDS,
                     region="tiny", crs=CRS)
    path = tmp_path / "map.html"
    write_map(path, layout, "minerestore: tiny")
    return path, layout


def mine_renderers(layout):
    return [r for r in layout.renderers if (r.name or "").startswith("mines: ")]


def test_one_patch_per_mine_coloured_and_labelled_by_status(map_html):
    _, layout = map_html
    renderers = mine_renderers(layout)
    assert sum(len(r.data_source.data["mine_id"]) for r in renderers) == len(summary())
    colours = {r.name: r.glyph.fill_color for r in renderers}
    assert colours == {"mines: abandoned": to_hex(STATUS_COLOURS["abandoned"]),
                       "mines: active": to_hex(STATUS_COLOURS["active"])}
    legend = [item.label.value for item in layout.legend[0].items]
    assert "abandoned (restoring) (2)" in legend and "active (1)" in legend
    assert {"RSEI 2017", "trend of bare (Sen's slope per year)", "sub-region: upstream", "study area"} <= set(legend)
    assert layout.legend[0].click_policy == "hide"
    assert "EPSG:32650" in layout.title.text and "3 mines" in layout.title.text
    abandoned = next(r for r in renderers if r.name == "mines: abandoned").data_source.data
    assert abandoned["mine_id"] == ["M0001", "M0003"] and abandoned["status_label"][0] == "abandoned (restoring)"
    assert abandoned["bsp_series"][0] == "2016: 90.0, 2017: 70.0"
    assert abandoned["rem_series"][1] == "2016: 0.30, 2017: 0.35"
    assert len(abandoned["xs"][1][0]) == 2  # the third mine's exterior and its hole


def test_series_show_a_missing_year_as_a_dash():
    assert series_text(summary(), "bsp", ".1f")[1] == "2016: 20.0, 2017: –"


def test_overlays_are_decimated_and_only_the_rsei_is_shown_at_first(map_html):
    _, layout = map_html
    images = {r.name: r for r in layout.renderers if (r.name or "").startswith("overlay: ")}
    assert list(images) == ["overlay: RSEI 2017", "overlay: trend of bare (Sen's slope per year)"]
    rsei = images["overlay: RSEI 2017"].data_source.data["image"][0]
    assert max(rsei.shape) <= WEB_PX and rsei.shape == (534, 800)  # 1600 x 2400 px read by a factor of 3
    assert np.isnan(rsei[:, 0]).all() and rsei[0, -1] == pytest.approx(1, abs=0.01)
    trend = images["overlay: trend of bare (Sen's slope per year)"]
    assert images["overlay: RSEI 2017"].visible and not trend.visible
    mapper = trend.glyph.color_mapper
    assert mapper.low == -mapper.high and mapper.nan_color == "rgba(0, 0, 0, 0)"


def test_no_mine_gives_a_map_of_the_study_area(tmp_path):
    layout = web_map(study_area(), summary().iloc[:0], [], BOUNDS, region="tiny", crs=CRS)
    assert mine_renderers(layout) == [] and "0 mines" in layout.title.text
    write_map(tmp_path / "map.html", layout, "empty")
    assert (tmp_path / "map.html").stat().st_size > 100_000


def test_the_html_loads_no_script_from_the_network(map_html):
    html = map_html[0].read_text()
    tags = re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", html)
    assert tags and not [t for t in tags if re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", t)]
    assert "Bokeh" in html and len(html) > 500_000  # bokeh's JavaScript is inlined


#: Appended to a copy of the map: once bokeh has drawn it, writes into the page what it built (bk-Figure elements
#: and canvases, inside bokeh's shadow roots; the mine patches of each renderer; the pixels of each status colour).
PROBE = """<script>
(function () {
  function walk(root, out) {
    for (const el of root.querySelectorAll('*')) {
      if (el.tagName === 'CANVAS') out.canvases.push(el);
      if (el.classList.contains('bk-Figure')) out.figures++;
      if (el.shadowRoot) walk(el.shadowRoot, out);
    }
    return out;
  }
  function pixels(canvases, colours) {
    const counts = {};
    for (const hex of colours) counts[hex] = 0;
    for (const canvas of canvases) {
      if (!canvas.width || !canvas.height) continue;
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 0; i < data.length; i += 4) {
        const hex = '#' + [data[i], data[i + 1], data[i + 2]].map(v => v.toString(16).padStart(2, '0')).join('');
        if (hex in counts && data[i + 3] === 255) counts[hex]++;
      }
    }
    return counts;
  }
  function probe(tries) {
    const docs = (window.Bokeh && window.Bokeh.documents) || [];
    const found = walk(document, {canvases: [], figures: 0});
    if ((!docs.length || !found.canvases.length) && tries < 200) { setTimeout(() => probe(tries + 1), 50); return; }
    const models = docs.length ? Array.from(docs[0].all_models) : [];
    const mines = {};
    for (const m of models) if (m.name && m.name.startsWith('mines: ')) mines[m.name] = m.data_source.get_length();
    const out = {figures: found.figures, canvases: found.canvases.length, mines: mines,
                 pixels: pixels(found.canvases, COLOURS)};
    const pre = document.createElement('pre');
    pre.id = 'probe';
    pre.textContent = JSON.stringify(out);
    document.body.appendChild(pre);
  }
  window.addEventListener('load', () => setTimeout(() => probe(0), 200));
})();
</script>"""


def chromium() -> str:
    """Debian's chromium: found on PATH, or installed with apt-get when running as root; else the test skips."""
    found = shutil.which("chromium")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.skip("no chromium on PATH (Debian: apt-get install chromium, as root)")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "--no-install-recommends", "chromium"]
    if subprocess.run(install, capture_output=True, env=env, timeout=900).returncode != 0:
        subprocess.run(["apt-get", "update"], capture_output=True, env=env, timeout=600)
        done = subprocess.run(install, capture_output=True, text=True, env=env, timeout=900)
        if done.returncode != 0:
            pytest.skip(f"apt-get install chromium failed: {done.stderr.strip()[-300:]}")
    return shutil.which("chromium") or pytest.skip("chromium installed but not on PATH")


def test_chromium_renders_every_mine_patch(map_html, tmp_path):
    path, layout = map_html
    colours = sorted({to_hex(STATUS_COLOURS[s]) for s in ("abandoned", "active")})
    probed = tmp_path / "probed.html"
    probe = PROBE.replace("COLOURS", json.dumps(colours))
    probed.write_text(path.read_text().replace("</body>", probe + "</body>"))
    run = subprocess.run([chromium(), "--headless", "--disable-gpu", "--no-sandbox", "--window-size=1200,900",
                          "--virtual-time-budget=15000", "--dump-dom", probed.as_uri()],
                         capture_output=True, text=True, timeout=120)
    found = re.search(r'<pre id="probe">(.*?)</pre>', run.stdout)
    assert found, f"bokeh drew nothing in chromium:\n{run.stderr[-2000:]}"
    built = json.loads(found.group(1))
    assert built["figures"] >= 1 and built["canvases"] >= 1
    assert built["mines"] == {"mines: abandoned": 2, "mines: active": 1}
    assert sum(built["mines"].values()) == len(summary())
    assert all(n > 100 for n in built["pixels"].values()), built["pixels"]  # both status colours on screen

"""Terrain and rivers of the synthetic study area.

- Fractal surface by spectral synthesis (power spectrum ~ f^-beta; beta ~ 2–3 gives natural-looking relief,
  Saupe 1988, "Algorithms for random fractals", in The Science of Fractal Images, §2.4).
- Depression filling and flow directions by priority-flood with an epsilon gradient (Barnes, Lehman & Mulla 2014,
  Computers & Geosciences 62:117–127, Algorithm 3): every cell drains to the cell it was flooded from, so flats
  and pits drain without a separate flat-resolution pass. Flow accumulation sums cells down that tree.

Flow routing here only shapes a test scene on a coarse (~100 x 100) grid; pysheds/richdem would add a compiled
dependency to the workflow for that, so the ~30 lines live here.
"""

from __future__ import annotations

import heapq

import numpy as np
from shapely.geometry import LineString

_NEIGHBOURS = [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)]


def fractal_surface(shape: tuple[int, int], beta: float, rng: np.random.Generator) -> np.ndarray:
    """Fractal (1/f^beta) random surface scaled to [0, 1], float64 of ``shape``."""
    rows, cols = shape
    fy = np.fft.fftfreq(rows)[:, None]
    fx = np.fft.rfftfreq(cols)[None, :]
    f = np.sqrt(fx**2 + fy**2)
    f[0, 0] = 1.0
    amplitude = f ** (-beta / 2.0)
    amplitude[0, 0] = 0.0
    phase = rng.uniform(0, 2 * np.pi, amplitude.shape)
    noise = rng.normal(size=amplitude.shape)
    surface = np.fft.irfft2(amplitude * noise * np.exp(1j * phase), s=shape)
    surface -= surface.min()
    return surface / max(surface.max(), 1e-12)


def priority_flood(z: np.ndarray, epsilon: float = 1e-3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fill depressions and route flow (Barnes et al. 2014, priority-flood + epsilon).

    Parameters
    ----------
    z : ndarray (rows, cols) of float
        Elevation in metres; all border cells are outlets.
    epsilon : float
        Minimum drop (m) imposed along filled flats.

    Returns
    -------
    filled : ndarray (rows, cols)
        Depression-filled elevation.
    receiver : ndarray (rows*cols,) of int
        Flat index of the downstream cell, -1 for outlets.
    order : ndarray (rows*cols,) of int
        Cells in the order they were flooded (upstream cells come after their receivers).
    """
    rows, cols = z.shape
    filled = z.astype(np.float64).copy()
    receiver = np.full(rows * cols, -1, np.int64)
    closed = np.zeros((rows, cols), bool)
    heap: list = []
    counter = 0
    for r in range(rows):
        for c in range(cols):
            if r in (0, rows - 1) or c in (0, cols - 1):
                heapq.heappush(heap, (filled[r, c], counter, r, c))
                counter += 1
                closed[r, c] = True
    order = []
    while heap:
        h, _, r, c = heapq.heappop(heap)
        order.append(r * cols + c)
        for dr, dc in _NEIGHBOURS:
            nr, nc = r + dr, c + dc
            if 0 <= nr < rows and 0 <= nc < cols and not closed[nr, nc]:
                closed[nr, nc] = True
                filled[nr, nc] = max(filled[nr, nc], h + epsilon)
                receiver[nr * cols + nc] = r * cols + c
                heapq.heappush(heap, (filled[nr, nc], counter, nr, nc))
                counter += 1
    return filled, receiver, np.asarray(order)


def flow_accumulation(receiver: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Number of cells draining through each cell (itself included), flat array like ``receiver``."""
    acc = np.ones(receiver.size, np.float64)
    for cell in order[::-1]:
        down = receiver[cell]
        if down >= 0:
            acc[down] += acc[cell]
    return acc


def river_lines(
    acc: np.ndarray,
    receiver: np.ndarray,
    shape: tuple[int, int],
    transform,
    min_cells: int,
) -> list[dict]:
    """River centre lines from flow accumulation: the main stem and its tributaries.

    A cell is a channel when at least ``min_cells`` cells drain through it. The main stem is traced from the
    outlet with the largest accumulation upstream along the largest donor; each remaining channel head is
    walked downstream until it meets a river already drawn, so tributaries end on their confluence.

    Returns
    -------
    list of dict with ``geometry`` (LineString, map coordinates, upstream to downstream), ``kind``
    (``main_stem`` / ``tributary``) and ``upstream_area_cells``.
    """
    rows, cols = shape
    channel = acc >= min_cells
    donors: dict[int, list[int]] = {}
    for cell in np.flatnonzero(channel):
        down = receiver[cell]
        if down >= 0:
            donors.setdefault(int(down), []).append(int(cell))

    def centre(cell: int) -> tuple[float, float]:
        r, c = divmod(int(cell), cols)
        x, y = transform @ (c + 0.5, r + 0.5)
        return (x, y)

    outlet = int(np.argmax(np.where(receiver < 0, acc, -1)))
    main = [outlet]
    while main[-1] in donors:
        main.append(max(donors[main[-1]], key=lambda d: acc[d]))
    drawn = set(main)
    lines = [{"cells": main[::-1], "kind": "main_stem"}]
    heads = [int(c) for c in np.flatnonzero(channel) if int(c) not in donors and int(c) not in drawn]
    for head in sorted(heads, key=lambda c: -acc[c]):
        path = [head]
        while path[-1] not in drawn and receiver[path[-1]] >= 0:
            path.append(int(receiver[path[-1]]))
        drawn.update(path)
        if len(path) >= 3:
            lines.append({"cells": path, "kind": "tributary"})
    out = []
    for line in (ln for ln in lines if len(ln["cells"]) >= 2):  # an outlet without donors draws no line
        pts = [centre(c) for c in line["cells"]]
        out.append(
            {
                "geometry": LineString(chaikin(pts, 2)),
                "kind": line["kind"],
                "upstream_area_cells": float(acc[line["cells"][-1]]),
            }
        )
    return out


def chaikin(points: list[tuple[float, float]], iterations: int) -> list[tuple[float, float]]:
    """Chaikin corner cutting (Chaikin 1974) keeping both end points: smooths the D8 staircase of a river."""
    pts = np.asarray(points, float)
    for _ in range(iterations):
        if len(pts) < 3:
            break
        q = 0.75 * pts[:-1] + 0.25 * pts[1:]
        r = 0.25 * pts[:-1] + 0.75 * pts[1:]
        mid = np.empty((2 * len(q), 2))
        mid[0::2], mid[1::2] = q, r
        pts = np.vstack([pts[:1], mid, pts[-1:]])
    return [tuple(p) for p in pts]

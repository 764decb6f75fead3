"""Figures of the land-use stage, as the U-Net+ study shows its results (Chen et al. 2022; docs/methods.md,
"Land-use mapping of an open-pit mining area"): the maps of the networks beside the labels (its Figs. 9-10), OA,
kappa and mIoU as bars (its Fig. 11) and the per-class PA, UA and IoU as a heat map (its Table II). Each function
takes arrays or the ``metrics.csv`` table and returns a matplotlib Figure; :func:`minerestore.report.plots.save`
writes it."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch

from minerestore.landuse.classes import LandUseClass, index_lookup
from minerestore.report.plots import PALETTE


def class_maps(labels: np.ndarray, maps: dict[str, np.ndarray], table: list[LandUseClass], bounds,
               validation: list[tuple[float, float, float, float]]) -> plt.Figure:
    """The labels and each network's map side by side, in the class table's colours, no data white; the
    validation patches (their bounds) outlined on the labels.

    Parameters
    ----------
    labels, maps : float32 (rows, cols) class codes (NaN no data), all of one shape; maps by network label.
    bounds : (xmin, ymin, xmax, ymax) of the image, in its CRS units.
    """
    panels = {"labels": labels, **maps}
    cols = min(4, len(panels) + 1)
    rows = math.ceil((len(panels) + 1) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 3.2 * rows), squeeze=False)
    cmap = ListedColormap([c.colour for c in table])
    lut = index_lookup(table).astype(float)
    lut[lut == 255] = np.nan
    extent = [bounds[0], bounds[2], bounds[1], bounds[3]]
    for ax, (title, codes) in zip(axes.flat, panels.items()):
        index = np.where(np.isnan(codes), np.nan, lut[np.nan_to_num(codes, nan=255).astype(int)])
        ax.imshow(index, cmap=cmap, vmin=-0.5, vmax=len(table) - 0.5, interpolation="nearest", extent=extent)
        ax.set_title(title)
        ax.set_xticks([])
        ax.set_yticks([])
    for x0, y0, x1, y1 in validation:
        axes.flat[0].add_patch(plt.Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, lw=0.6, ec="black"))
    for ax in list(axes.flat)[len(panels):]:
        ax.set_axis_off()
    handles = [Patch(color=c.colour, label=f"{c.abbreviation} ({c.name})") for c in table]
    handles.append(Patch(fill=False, ec="black", label="validation patch"))
    list(axes.flat)[len(panels)].legend(handles=handles, loc="center", frameon=False, fontsize=8)
    fig.suptitle("Land-use maps of the networks beside the labels")
    fig.tight_layout()
    return fig


def overall_bars(metrics: pd.DataFrame, labels: dict[str, str]) -> plt.Figure:
    """OA, kappa and mIoU of each network on the validation patches (``metrics.csv`` rows of class ``all``);
    ``labels``: network name -> label."""
    overall = metrics[metrics["class"] == "all"].melt(id_vars="network", value_vars=["oa", "kappa", "miou"],
                                                      var_name="score", value_name="value")
    overall["network"] = overall["network"].map(labels)
    overall["score"] = overall["score"].map({"oa": "OA", "kappa": "kappa", "miou": "mIoU"})
    fig, ax = plt.subplots(figsize=(7, 3.6))
    sns.barplot(data=overall, x="score", y="value", hue="network", palette=PALETTE, ax=ax)
    low = overall["value"].min()
    ax.set_ylim(max(0.0, math.floor((low if np.isfinite(low) else 0) * 10) / 10 - 0.1), 1)
    ax.set_xlabel("")
    ax.set_ylabel("Score on the validation patches")
    ax.set_title("Overall accuracy, kappa and mIoU of the networks")
    ax.legend(fontsize=7, title=None, ncols=3)
    return fig


def class_heatmap(metrics: pd.DataFrame, labels: dict[str, str], table: list[LandUseClass]) -> plt.Figure:
    """Per-class PA, UA and IoU (%) of every network, one row per network, a column per class and score, as the
    study's Table II; NaN (a class absent from labels and map) left blank."""
    rows = metrics[metrics["class"] != "all"]
    wide = rows.pivot(index="network", columns="class", values=["pa", "ua", "iou"])
    order = [(s, c.abbreviation) for c in table for s in ("pa", "ua", "iou")]
    wide = wide.reindex(columns=order).reindex(list(dict.fromkeys(rows["network"]))) * 100
    wide.index = [labels[n] for n in wide.index]
    wide.columns = [f"{c} {s.upper()}" for s, c in wide.columns]
    fig, ax = plt.subplots(figsize=(1.0 + 0.55 * wide.shape[1], 1.2 + 0.45 * wide.shape[0]))
    sns.heatmap(wide, annot=True, fmt=".1f", cmap="viridis", vmin=max(0, np.nanmin(wide.to_numpy()) - 5)
                if np.isfinite(wide.to_numpy()).any() else 0, vmax=100, cbar_kws={"label": "%"},
                annot_kws={"fontsize": 6}, ax=ax)
    ax.set_title("Producer's (PA) and user's (UA) accuracy and IoU of each class, %")
    ax.set_ylabel("")
    return fig

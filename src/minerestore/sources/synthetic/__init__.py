"""The embedded synthetic study area (``source: synthetic``): a seeded, deterministic scene with terrain, a river
network, land cover, open-pit mines with known trajectories, Sentinel-2 / Landsat-like acquisitions, water
history, land cover and driver rasters, and the ground truth to check the workflow against.

Modules: :mod:`.terrain` (fractal DEM, flow routing, river centre lines), :mod:`.spectra` (per-class spectra and
temperatures), :mod:`.landscape` (land cover, mines, drivers), :mod:`.acquisitions` (per-date imagery and quality
bands), :mod:`.scene` (putting it together and writing files).
"""

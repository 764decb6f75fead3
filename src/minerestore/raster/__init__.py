"""Raster I/O on the region grid: the grid, tiles, reading (one band lookup, re-projection, lazy reads),
writing (atomic, block by block), virtual mosaics, vectors on the grid and zonal statistics."""

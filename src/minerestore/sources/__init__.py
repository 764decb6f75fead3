"""The fetch stage: where a region's data come from (synthetic, local files, STAC, Earth Engine), the products
they deliver (sensor profiles, acquisitions), the planned region grid and the inputs contract later stages read."""

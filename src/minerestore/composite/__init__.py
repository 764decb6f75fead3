"""The composite stage: growing-season composites per region, year and tile."""

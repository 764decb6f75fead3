"""The mask stage: study area and sub-regions, masks of water, vegetation, snow and built-up land, candidate
patches."""

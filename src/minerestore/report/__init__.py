"""The report stage: paper figures and tables."""

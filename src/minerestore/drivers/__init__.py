"""The drivers stage: the driver stack on the analysis grid, correlation, random forest with R-style
importance, ranking across regions."""

"""The identify stage: mine polygons (object-based random forest, candidate rules, digitised reference) and
their accuracy."""

"""Input functions and helpers of the drivers rules (workflow/rules/drivers.smk), which include this file."""


def drivers_year(region):
    """The year whose RSEI the drivers explain (drivers.year, else the region's last analysis year)."""
    return value("drivers.year") or years(region)[-1]


def driver_rsei(wildcards):
    return for_job(rules.ecology_year.output.rsei, wildcards, year=drivers_year(wildcards.region))

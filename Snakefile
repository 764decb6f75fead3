"""minerestore: open-pit mines along rivers, their restoration, ecological quality and its drivers.

Sets up config and validation, then includes one rules file per stage (workflow/rules/*.smk).
"""

from snakemake.utils import min_version

min_version("8.10")


configfile: "config.yaml"


include: "workflow/rules/common.smk"


wildcard_constraints:
    region="|".join(REGIONS),
    year=r"\d{4}",


include: "workflow/rules/fetch.smk"
include: "workflow/rules/composite.smk"


rule all:
    default_target: True
    input:
        all_targets(),

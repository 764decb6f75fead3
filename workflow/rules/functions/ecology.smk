"""Input functions and helpers of the ecology rules (workflow/rules/ecology.smk), which include this file."""


def pooled_models(wildcards):
    """Input function: the pooled model of RSEI and of REM (``rsei_model``, ``rem_model``) for the index pooled
    over the years (ecology.rsei_mode / rem_mode), nothing for an index fitted per year."""
    return {
        f"{index}_model": for_job(rules.pooled_model.output.model, wildcards, index=index)
        for index in ("rsei", "rem")
        if value(f"ecology.{index}_mode") == "pooled"
    }

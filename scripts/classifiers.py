"""The classifier comparison of the object-based study (its Fig. 8; minerestore.identify.classifiers): logistic
regression, SVM, decision tree and random forest with default parameters on the object forest's training objects,
scored on its test objects; the table, the ROC points and the figure."""

import pandas as pd

from minerestore.identify import classifiers
from minerestore.io import write_table
from minerestore.report import plots
from minerestore.scripting import configure, run


def main(smk) -> None:
    log = configure(smk.log[0])
    features = pd.read_csv(smk.input.features).set_index("object")
    roles = pd.read_csv(smk.input.objects).set_index("object")
    train, test = (roles[(roles["role"] == role) & (roles["y"] >= 0)] for role in ("train", "test"))
    problem = classifiers.missing_class(train["y"].to_numpy(), test["y"].to_numpy())
    if problem:  # a side analysis: the mines stand, the comparison is left empty and said so
        log.warning("%s; the comparison is left empty", problem)
        table = pd.DataFrame(columns=["classifier", "label", "auc", "f1", "oa", "kappa"])
        roc = pd.DataFrame(columns=["classifier", "fpr", "tpr", "threshold"])
    else:
        table, roc = classifiers.compare(features.loc[train.index], train["y"].to_numpy(), features.loc[test.index],
                                         test["y"].to_numpy(), seed=smk.params.seed)
        log.info("classifiers on %d test objects (trained on %d):\n%s", len(test), len(train),
                 table[["classifier", "auc", "f1", "oa", "kappa"]].to_string(index=False))
    write_table(smk.output.table, table)
    write_table(smk.output.roc, roc)
    plots.save(plots.classifiers_roc(table, roc), smk.output.figure.removesuffix(".png"))


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake

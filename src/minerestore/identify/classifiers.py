"""The classifier comparison of the Yili River basin study (its Fig. 8): logistic regression, a support vector
machine, a decision tree and a random forest from scikit-learn, with their default parameters, trained on the
object forest's training objects and scored on its test objects (ROC curve and AUC, F1, overall accuracy, kappa;
docs/methods.md, classifier comparison).

Logistic regression and the SVM see the features standardised (scikit-learn ``StandardScaler``, fitted on the
training objects): the features span square metres to unit ratios, and both models are scale-dependent (with raw
features the default logistic regression does not converge). The trees need no scaling.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: The four classifiers, in the study's order: name -> label.
CLASSIFIERS = {"logistic_regression": "logistic regression", "svm": "support vector machine",
               "decision_tree": "decision tree", "random_forest": "random forest"}


def classifier(name: str, seed: int):
    """A scikit-learn classifier of :data:`CLASSIFIERS` with default parameters (seeded where it draws at
    random)."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC
    from sklearn.tree import DecisionTreeClassifier

    return {"logistic_regression": lambda: make_pipeline(StandardScaler(), LogisticRegression()),
            "svm": lambda: make_pipeline(StandardScaler(), SVC(random_state=seed)),
            "decision_tree": lambda: DecisionTreeClassifier(random_state=seed),
            "random_forest": lambda: RandomForestClassifier(random_state=seed)}[name]()


def missing_class(y_train: np.ndarray, y_test: np.ndarray) -> str | None:
    """Why the classifiers cannot be compared (the training or the test objects lack a class, which AUC and the
    fits need), naming the counts and what to do; None when both sets hold both classes."""
    for name, y in (("training", y_train), ("test", y_test)):
        counts = np.bincount(np.asarray(y, int), minlength=2)
        if (counts == 0).any():
            return (f"classifier comparison: the {name} objects hold {counts[1]} mine and {counts[0]} other objects; "
                    "both classes are needed (give more reference mines, or change identify.train_fraction)")
    return None


def compare(x_train: pd.DataFrame, y_train: np.ndarray, x_test: pd.DataFrame, y_test: np.ndarray, *,
            seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fit each classifier of :data:`CLASSIFIERS` on the training objects and score it on the test objects.

    Parameters
    ----------
    x_train, x_test : features (objects x features, the object forest's); y_train, y_test : int (n,) 0/1.

    Returns
    -------
    (table: classifier, label, auc, f1, oa, kappa, precision, recall (AUC from the class-1 probability, or the
    SVM's decision function; the others from the predicted class, :func:`minerestore.identify.accuracy.
    confusion_metrics`); roc: classifier, fpr, tpr, threshold, the points of each ROC curve).

    Raises
    ------
    ValueError
        When the training or the test objects lack a class (AUC needs both; names the counts).
    """
    from sklearn.metrics import roc_auc_score, roc_curve

    from minerestore.identify.accuracy import confusion_metrics

    problem = missing_class(y_train, y_test)
    if problem:
        raise ValueError(problem)
    rows, curves = [], []
    for name, label in CLASSIFIERS.items():
        model = classifier(name, seed).fit(x_train, y_train)
        score = model.decision_function(x_test) if name == "svm" else model.predict_proba(x_test)[:, 1]
        predicted = model.predict(x_test).astype(bool)
        truth = np.asarray(y_test) == 1
        counts = {"tp": int(np.sum(predicted & truth)), "fp": int(np.sum(predicted & ~truth)),
                  "fn": int(np.sum(~predicted & truth)), "tn": int(np.sum(~predicted & ~truth))}
        metrics = confusion_metrics(**counts)
        rows.append({"classifier": name, "label": label, "auc": roc_auc_score(truth, score), "f1": metrics["f1"],
                     "oa": metrics["oa"], "kappa": metrics["kappa"], "precision": metrics["precision"],
                     "recall": metrics["recall"], **counts})
        fpr, tpr, thresholds = roc_curve(truth, score)
        curves.append(pd.DataFrame({"classifier": name, "fpr": fpr, "tpr": tpr, "threshold": thresholds}))
    return pd.DataFrame(rows), pd.concat(curves, ignore_index=True)

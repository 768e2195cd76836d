"""What the two frameworks are measured against, in the same run.

- scikit-learn's MLPClassifier: the same hidden sizes, Adam lr, ε, batch size and epochs on the
  same sparse features (the peer a reader would otherwise reach for).
- A linear baseline for the accuracy table: a linear support vector machine on the same tf-idf
  features, the strongest linear model on this split in scikit-learn's own 20 Newsgroups examples.
- The optimizer-memory floor: an Adam step must read param, grad, m and v and write param, m and
  v, seven float32 passes over every parameter, whatever else it does. We time element-wise
  passes over four arrays of that size (split over the same threads the frameworks get), scale
  to seven passes, and call steps × that time the floor an epoch cannot beat on this machine.
"""

import time
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.svm import LinearSVC
from sklearn.neural_network import MLPClassifier


def mlp_classifier(hp, seed):
    # alpha=0: no L2 penalty, like the two networks (it has no dropout); one partial_fit call is one epoch.
    return MLPClassifier(hidden_layer_sizes=(hp.hidden, hp.hidden), activation="relu", solver="adam",
                         learning_rate_init=hp.lr, epsilon=hp.adam_eps, batch_size=hp.batch_size, alpha=0.0,
                         shuffle=True, random_state=seed)


def mlp_epoch(classifier, batches):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        classifier.partial_fit(batches.features.train, batches.train_labels, classes=np.arange(batches.n_classes))
    return classifier


def mlp_accuracy(classifier, batches):
    return float(classifier.score(batches.features.test, batches.test_labels))


def linear_baseline(batches):
    """LinearSVC on the batches' own features (the clean recipe's tf-idf): (test accuracy, fitted model)."""
    model = LinearSVC(C=1.0).fit(batches.features.train, batches.train_labels)
    return float(model.score(batches.features.test, batches.test_labels)), model


def n_parameters(vocab_size, hidden, n_classes):
    return vocab_size * hidden + hidden + hidden * hidden + hidden + hidden * n_classes + n_classes


def adam_floor_seconds(n_params, steps, threads, repeats=5):
    """Seconds `steps` Adam updates need at least for memory traffic alone (see the module doc)."""
    p, g, m, v = (np.full(n_params, 1e-3, dtype=np.float32) for _ in range(4))
    chunks = [slice(i * n_params // threads, (i + 1) * n_params // threads) for i in range(threads)]

    def passes(s):  # m += g, v += g, p += m: nine float32 passes (two reads and a write each)
        np.add(m[s], g[s], out=m[s])
        np.add(v[s], g[s], out=v[s])
        np.add(p[s], m[s], out=p[s])
    with ThreadPoolExecutor(threads) as pool:
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            list(pool.map(passes, chunks))
            best = min(best, time.perf_counter() - start)
    return steps * best * 7 / 9

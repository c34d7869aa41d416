"""A scikit-learn baseline on this pipeline's own train/eval split.

  python -m bench.sklearn_baseline PIPELINE_OUTPUT_DIR

Reads the newest version of every span that the pipeline's CSV ExampleGen
wrote under PIPELINE_OUTPUT_DIR (its train and eval splits, as the Trainer
and Evaluator see them with the default window of every span), fits a
`ColumnTransformer` + `HistGradientBoostingClassifier` on the raw columns,
and prints one line `metrics: {...}` (AUC and accuracy on the eval split,
training seconds) for the benchmark to collect.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Dict, List

from bench.systems import PIPELINE
from components.features import LABEL, RAW_FEATURES, LabelSource, RawType
from pipeline import node_ids
from pipeline.metadata import span_artifacts

METRICS_PREFIX = "metrics: "
# Every raw column but the one the label is built from.
FEATURES = [f for f in RAW_FEATURES if not isinstance(f.encoding, LabelSource)]
BATCH_SIZE = 10_000


def split_files(output_dir: Path, split: str) -> List[str]:
    where = PIPELINE.metadata(output_dir)
    spans = where.path.exists() and span_artifacts(
        where.path, where.pipeline_name, node_ids.CSV_EXAMPLE_GEN, "examples"
    )
    if not spans:
        raise FileNotFoundError(f"no examples of {node_ids.CSV_EXAMPLE_GEN} in {output_dir}")
    return sorted(
        str(path) for span in spans for path in Path(span["uri"]).glob(f"Split-{split}/*")
    )


def read_split(output_dir: Path, split: str):
    """The split as a pandas frame of the raw columns (NaN, or None for
    text, where a cell is empty) and the label, computed as the pipeline's
    Transform does."""
    import numpy as np
    import pandas as pd
    import tensorflow as tf

    dtypes = {RawType.INT: tf.int64, RawType.FLOAT: tf.float32, RawType.BYTES: tf.string}
    spec = {f.name: tf.io.VarLenFeature(dtypes[f.raw_type]) for f in RAW_FEATURES}
    columns: Dict[str, list] = {f.name: [] for f in RAW_FEATURES}
    records = tf.data.TFRecordDataset(split_files(output_dir, split), compression_type="GZIP")
    for batch in records.batch(BATCH_SIZE):
        parsed = tf.io.parse_example(batch, spec)
        for feature in RAW_FEATURES:
            values = parsed[feature.name]
            # One value or none per row: the missing ones stay missing.
            rows = values.indices[:, 0].numpy()
            if feature.raw_type is RawType.BYTES:
                cells = np.full(int(values.dense_shape[0]), None, dtype=object)
                cells[rows] = [value.decode() for value in values.values.numpy()]
            else:
                cells = np.full(int(values.dense_shape[0]), np.nan)
                cells[rows] = values.values.numpy()
            columns[feature.name].append(cells)
    frame = pd.DataFrame({name: np.concatenate(parts) for name, parts in columns.items()})
    # As components/transform/preprocessing.py: empty counts as 0, in float32.
    tips = frame[LABEL.tips].fillna(0).to_numpy(np.float32)
    fare = frame[LABEL.fare].fillna(0).to_numpy(np.float32)
    return frame[[f.name for f in FEATURES]], (tips > np.float32(LABEL.tip_fraction) * fare)


def model():
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OrdinalEncoder

    categorical = [f.name for f in FEATURES if f.raw_type is RawType.BYTES]
    numeric = [f.name for f in FEATURES if f.raw_type is not RawType.BYTES]
    encode = ColumnTransformer(
        [
            (
                "categorical",
                # Rare values share one code: the classifier takes at most 255 per column.
                OrdinalEncoder(
                    handle_unknown="use_encoded_value",
                    unknown_value=-1,
                    encoded_missing_value=-1,
                    max_categories=254,
                ),
                categorical,
            ),
            ("numeric", "passthrough", numeric),  # The classifier takes NaN as missing.
        ]
    )
    classifier = HistGradientBoostingClassifier(
        categorical_features=list(range(len(categorical))), random_state=0
    )
    return Pipeline([("encode", encode), ("classify", classifier)])


def evaluate(output_dir: Path) -> Dict[str, float]:
    from sklearn.metrics import accuracy_score, roc_auc_score

    train_x, train_y = read_split(output_dir, "train")
    eval_x, eval_y = read_split(output_dir, "eval")
    fitted = model()
    started = time.monotonic()
    fitted.fit(train_x, train_y)
    training_seconds = time.monotonic() - started
    probabilities = fitted.predict_proba(eval_x)[:, 1]
    return {
        "auc": float(roc_auc_score(eval_y, probabilities)),
        "binary_accuracy": float(accuracy_score(eval_y, probabilities > 0.5)),
        "training_seconds": training_seconds,
        "train_examples": len(train_y),
        "eval_examples": len(eval_y),
    }


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m bench.sklearn_baseline PIPELINE_OUTPUT_DIR", file=sys.stderr)
        return 2
    try:
        metrics = evaluate(Path(argv[0]))
    except FileNotFoundError as error:
        print(f"error: {error}; run the pipeline first in the same repeat", file=sys.stderr)
        return 1
    print(METRICS_PREFIX + json.dumps(metrics))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Statistics of two runs compared: the same counts and histograms, float
sums equal to rounding (rows summed in another order)."""

from pathlib import Path

import pytest
from google.protobuf import json_format

from components.artifact_files import STATISTICS_FILE, split_dir


def span_statistics(outputs, node: str, split: str, span: str):
    """(examples, [feature statistics as dicts, by name]) of `node`'s
    statistics of one span's split, from ML Metadata's latest outputs."""
    import tensorflow_data_validation as tfdv

    [statistics] = [
        a for a in outputs[node]["outputs"]["statistics"] if a["properties"]["span_name"] == span
    ]
    stats = tfdv.load_stats_binary(
        str(Path(statistics["uri"]) / split_dir(split) / STATISTICS_FILE)
    )
    features = sorted(stats.datasets[0].features, key=lambda f: f.path.step[0])
    return stats.datasets[0].num_examples, [json_format.MessageToDict(f) for f in features]


def same(ours, theirs, where="") -> None:
    """Equal, but for floating-point sums taken in another row order."""
    if isinstance(ours, dict):
        assert sorted(ours) == sorted(theirs), where
        for key in ours:
            same(ours[key], theirs[key], f"{where}.{key}")
    elif isinstance(ours, list):
        assert len(ours) == len(theirs), where
        for index, (a, b) in enumerate(zip(ours, theirs)):
            same(a, b, f"{where}[{index}]")
    elif isinstance(ours, float):
        assert ours == pytest.approx(theirs, rel=1e-9), where
    else:
        assert ours == theirs, where

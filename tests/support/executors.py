"""Running an executor directly: execution properties as its component would
pass them, span artifacts to hand it, and what it hands TFX's executor."""

import json


def database_example_gen_properties(url: str, query: str, read_partitions: int) -> dict:
    """DatabaseExampleGen's, with the pipeline's 4:1 train/eval split."""
    from tfx.proto import example_gen_pb2

    from components.database import span_query
    from components.db_ingest import executor

    return {
        "input_base": url,
        executor.KEY_COLUMN_KEY: span_query.KEY_COLUMN,
        executor.READ_PARTITIONS_KEY: read_partitions,
        "input_config": json.dumps({"splits": [{"name": "all", "pattern": query}]}),
        "output_config": json.dumps(
            {
                "split_config": {
                    "splits": [
                        {"name": "train", "hash_buckets": 4},
                        {"name": "eval", "hash_buckets": 1},
                    ]
                }
            }
        ),
        "output_data_format": example_gen_pb2.FORMAT_TF_EXAMPLE,
        "output_file_format": example_gen_pb2.FORMAT_TFRECORDS_GZIP,
    }


def handed_inputs(monkeypatch, tfx_executor_class) -> dict:
    """Records the input dict `tfx_executor_class.Do` is handed (it then
    does nothing): what one of ours passes on to TFX's executor."""
    seen = {}
    monkeypatch.setattr(
        tfx_executor_class, "Do", lambda self, inputs, outputs, properties: seen.update(inputs)
    )
    return seen


def span_examples(root, names, splits=("train", "eval")) -> list:
    """Examples artifacts under `root`, one per span name, each split
    folder holding one file whose content is "NAME/SPLIT"."""
    from tfx.types import artifact_utils, standard_artifacts

    spans = []
    for name in names:
        span = standard_artifacts.Examples()
        span.uri = str(root / name)
        span.split_names = artifact_utils.encode_split_names(list(splits))
        for split in splits:
            (root / name / f"Split-{split}").mkdir(parents=True)
            (root / name / f"Split-{split}" / "data.gz").write_text(f"{name}/{split}")
        spans.append(span)
    return spans

"""Execution properties for running an executor directly, as its component
would pass them."""

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

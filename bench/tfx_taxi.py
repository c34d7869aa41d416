"""Run TFX's own Chicago taxi example, unchanged, on a benchmark dataset.

`python -m bench.tfx_taxi DATA_DIR OUTPUT_DIR` builds the pipeline with the
`_create_pipeline` of the installed `tfx` package's
`examples/chicago_taxi_pipeline/taxi_pipeline_native_keras.py`, with its own
module file and Beam arguments, and runs it with BeamDagRunner as its
`__main__` does; only the locations are ours. DATA_DIR holds the CSVs
directly, as the example's `data/simple/` does.
"""

from __future__ import annotations

import sys
from pathlib import Path

PIPELINE_NAME = "chicago_taxi_native_keras"
EXAMPLE_MODULE = "tfx.examples.chicago_taxi_pipeline.taxi_pipeline_native_keras"


def metadata_path(output_dir: Path) -> Path:
    return output_dir / "metadata.db"


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print("usage: python -m bench.tfx_taxi DATA_DIR OUTPUT_DIR", file=sys.stderr)
        return 2
    data_dir, output_dir = (Path(arg).resolve() for arg in argv)
    import importlib

    from absl import logging
    from tfx.orchestration.beam.beam_dag_runner import BeamDagRunner

    example = importlib.import_module(EXAMPLE_MODULE)
    logging.set_verbosity(logging.INFO)
    BeamDagRunner().run(
        example._create_pipeline(  # pylint: disable=protected-access
            pipeline_name=PIPELINE_NAME,
            pipeline_root=str(output_dir / "pipeline"),
            data_root=str(data_dir),
            module_file=str(Path(example.__file__).with_name("taxi_utils_native_keras.py")),
            serving_model_dir=str(output_dir / "serving"),
            metadata_path=str(metadata_path(output_dir)),
            beam_pipeline_args=example._beam_pipeline_args,
        )
    )  # pylint: disable=protected-access
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

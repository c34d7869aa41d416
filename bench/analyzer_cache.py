"""What Transform's analyzer cache costs and saves, on a finished run's spans.

  python -m bench.analyzer_cache RUN_OUTPUT_DIR [--work DIR] [--beam-arg ARG ...]

Runs TFX's Transform executor (this pipeline's preprocessing_fn and curated
schema) over the span artifacts the run ingested, three ways, each in its
own process, and prints wall seconds and the peak RSS of its process tree:

- `no-cache`: the whole window analyzed as it is by default;
- `build-cache`: the whole window, writing an analyzer cache (a cold run
  with `--analyzer-cache`);
- `add-newest`: that cache without the newest span's entry, so only that
  span is analyzed (the run after a quarter landed).

The run must have ingested at least two spans. Beam runs with one worker
process per core, as the CLI picks from 250,000 rows; for smaller runs pass
--beam-arg=--direct_running_mode=in_memory --beam-arg=--direct_num_workers=1.
Wall seconds include each process's imports.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import List

from bench import measure
from pipeline import node_ids
from pipeline.config import PipelineConfig, default_beam_args

MODES = ("no-cache", "build-cache", "add-newest")


def _span_examples(run_dir: Path) -> List[dict]:
    from pipeline.metadata import span_artifacts

    config = PipelineConfig(output_dir=run_dir)
    spans = span_artifacts(
        Path(config.metadata_path), config.pipeline_name, node_ids.CSV_EXAMPLE_GEN, "examples"
    )
    if len(spans) < 2:
        raise SystemExit(f"error: {run_dir} holds {len(spans)} span(s); at least 2 are needed")
    return spans


def transform(spans_file: Path, work: Path, mode: str, beam_args: List[str]) -> None:
    """Transform's executor over the spans in `spans_file`, as `mode` says."""
    from tfx.components.transform import executor
    from tfx.types import standard_artifacts

    from pipeline.pipeline import PREPROCESSING_FN

    examples = []
    for span in json.loads(spans_file.read_text()):
        artifact = standard_artifacts.Examples()
        artifact.uri, artifact.id = span["uri"], span["id"]
        artifact.split_names = span["properties"]["split_names"]
        examples.append(artifact)
    schema = standard_artifacts.Schema()
    schema.uri = str(Path(PipelineConfig().schema_path).parent)
    graph = standard_artifacts.TransformGraph()
    graph.uri = str(work / mode / "graph")
    inputs = {"examples": examples, "schema": [schema]}
    outputs = {"transform_graph": [graph]}
    built = standard_artifacts.TransformCache()
    built.uri = str(work / "build-cache" / "cache")
    if mode == "build-cache":
        outputs["updated_analyzer_cache"] = [built]
    if mode == "add-newest":
        inputs["analyzer_cache"] = [built]
    context = executor.Executor.Context(
        beam_pipeline_args=beam_args, tmp_dir=str(work / mode / "tmp"), unique_id=mode
    )
    executor.Executor(context).Do(
        inputs,
        outputs,
        {
            "preprocessing_fn": PREPROCESSING_FN,
            "force_tf_compat_v1": 0,
            "disable_statistics": 1,
            "custom_config": "{}",
            **({"disable_analyzer_cache": 1} if mode == "no-cache" else {}),
        },
    )


def _drop_newest_entry(work: Path, newest_uri: str) -> None:
    """The newest span's entry out of the built cache: TFT names an entry
    after its dataset, the span artifact's folder path."""
    cache = work / "build-cache" / "cache"
    stem = "-".join(Path(newest_uri).parts[-3:])
    [entry] = [p for p in cache.iterdir() if stem in p.name]
    shutil.rmtree(entry)


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.analyzer_cache", description=__doc__)
    parser.add_argument("run_dir", type=Path, help="a finished run's --output-dir")
    parser.add_argument("--work", type=Path, default=None, help="scratch dir (default: a temp dir)")
    parser.add_argument("--beam-arg", action="append", default=None, metavar="ARG")
    parser.add_argument("--one", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--spans-file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="analyzer-cache-"))
    if args.one:
        transform(args.spans_file, work, args.one, args.beam_arg or [])
        return 0
    spans = _span_examples(args.run_dir)
    beam_args = args.beam_arg or list(default_beam_args())
    work.mkdir(parents=True, exist_ok=True)
    spans_file = work / "spans.json"
    spans_file.write_text(json.dumps(spans))
    print(f"{len(spans)} spans, Beam args {' '.join(beam_args)}")
    for mode in MODES:
        if mode == "add-newest":
            _drop_newest_entry(work, spans[-1]["uri"])
        command = [sys.executable, "-m", "bench.analyzer_cache", str(args.run_dir), "--one", mode]
        command += ["--work", str(work), "--spans-file", str(spans_file)]
        command += [f"--beam-arg={arg}" for arg in beam_args]
        measured = measure.run(command, work / f"{mode}.log")
        if measured.exit_code:
            print(f"error: {mode} failed; see {work / f'{mode}.log'}", file=sys.stderr)
            return 1
        print(
            f"{mode:12} {measured.wall_seconds:6.1f} s  "
            f"peak RSS {measured.peak_rss_bytes / 2**30:.2f} GiB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

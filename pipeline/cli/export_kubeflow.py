"""`export-kubeflow`: the pipeline `run` executes, compiled for Kubeflow
Pipelines v2 or Vertex AI."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline.cli import options
from pipeline.cli.exits import EXIT_CODES_EPILOG, EXIT_OK, UsageError
from pipeline.cli.terminal import quiet_tensorflow

NAME = "export-kubeflow"


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        NAME,
        help="compile the pipeline for Kubeflow Pipelines v2 or Vertex AI",
        description="Compile the same pipeline `run` executes, through "
        "KubeflowV2DagRunner. Works offline: it touches neither the "
        "pipeline root nor the data. data_root and train_args are "
        "runtime parameters, changeable per run in the KFP UI.",
        **EXIT_CODES_EPILOG,
    )
    parser.add_argument(
        "--image",
        required=True,
        help="container image every task runs (built from the "
        "Dockerfile), with a tag or digest, e.g. "
        "ghcr.io/org/taxi-pipeline:1.0",
    )
    parser.add_argument(
        "--pipeline-root",
        required=True,
        metavar="URI",
        help="where the tasks write artifacts and push models, e.g. gs://bucket/taxi",
    )
    options.add_pipeline_name(parser, "lowercase letters, digits and dashes (default: %(default)s)")
    parser.add_argument(
        "--output",
        required=True,
        type=Path,
        metavar="FILE",
        help="FILE.yaml: PipelineSpec for open-source KFP; FILE.json: Vertex AI PipelineJob",
    )
    parser.add_argument(
        "--data-root",
        metavar="URI",
        default=None,
        help="default of the data_root runtime parameter (default: the data bundled in the image)",
    )
    options.add_beam_arg(
        parser,
        "Beam option for the cluster's runs, repeatable, "
        "written with '=', e.g. "
        "--beam-arg=--runner=DataflowRunner; credentials are "
        "refused",
    )
    options.add_serving_sample(
        parser,
        "folder of serving-request CSVs to check for skew (default: no skew check)",
        metavar="URI",
    )
    options.add_data_gate_options(parser)
    options.add_engine_options(parser, local=False)
    options.add_train_steps(
        parser, "default of the train_args runtime parameter (default: %(default)s)"
    )


def run(args: argparse.Namespace) -> int:
    from pipeline.runners import kubeflow

    engine = options.engine(args, default_workers=f"docker={args.image}")
    if engine.name != "direct" and not engine.job_server:
        raise UsageError(
            f"--runner {engine.name} needs --job-server HOST:PORT: the Beam job server "
            "running beside the cluster (README: Scaling out)"
        )
    try:
        config = kubeflow.kubeflow_config(
            pipeline_root=args.pipeline_root,
            engine=engine,
            data_root=args.data_root,
            beam_args=tuple(args.beam_arg),
            pipeline_name=args.pipeline_name,
            **options.train_steps_fields(args),
            **options.serving_sample_fields(args),
            **options.data_gate_fields(args),
        )
        quiet_tensorflow(level="3")
        output = kubeflow.export(config, args.image, args.output)
    except kubeflow.ExportError as error:
        raise UsageError(str(error)) from error
    print(f"Wrote {output} for image {args.image}, pipeline root {args.pipeline_root}")
    return EXIT_OK

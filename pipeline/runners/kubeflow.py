"""Compiles `create_pipeline` for Kubeflow Pipelines v2 or Vertex AI.

`.yaml` output: the bare PipelineSpec that open-source KFP v2 uploads.
`.json` output: a Vertex AI `PipelineJob`.
Compiling touches neither the pipeline root nor the data, so it works
offline: functions run inside components are referenced by import path, so
no user-module wheel is staged.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Dict, Iterable

import yaml

from pipeline import node_ids
from pipeline.config import (
    DATA_SUBDIR,
    DEFAULT_SCHEMA,
    SCHEMA_SUBPATH,
    PipelineConfig,
    default_beam_args,
)

# Where the Dockerfile installs this project inside the image.
IMAGE_PROJECT_DIR = "/opt/taxi-pipeline"
IMAGE_DATA_ROOT = f"{IMAGE_PROJECT_DIR}/{DATA_SUBDIR}"
IMAGE_SCHEMA = f"{IMAGE_PROJECT_DIR}/{SCHEMA_SUBPATH}"
SPEC_SUFFIXES = (".yaml", ".yml")
# Runtime parameters of the compiled pipeline.
DATA_ROOT_PARAMETER = "data_root"
TRAIN_ARGS_PARAMETER = "train_args"
JOB_SUFFIXES = (".json",)
# Where the tasks can write artifacts and push models: a filesystem the
# image's TensorFlow has (tf.io.gfile; the GCS one comes with TensorFlow).
# KFP's launcher also knows s3:// and minio://, but TensorFlow 2.16 does not
# without tensorflow-io, so a spec rooted there fails in its first task.
ROOT_SCHEMES = ("gs",)
# The KFP SDK's rule (kfp.dsl.utils.validate_pipeline_name); the API server
# makes the Argo Workflow's generateName of it.
_PIPELINE_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,127}")
# Docker's image reference grammar: [HOST[:PORT]/]NAME[:TAG][@DIGEST].
_IMAGE = re.compile(
    r"(?:(?P<host>[a-zA-Z0-9.-]+(?::[0-9]+)?)/)?"
    r"(?P<name>[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
    r"(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?"
    r"(?:@(?P<digest>[a-z0-9]+:[0-9a-fA-F]{32,}))?"
)

# Option names that carry credentials; their values must never be compiled
# into a spec that anyone with cluster access can read.
_SECRET_OPTION = re.compile(
    r"pass(word|wd)?|secret|token|credential|private[_-]?key|access[_-]?key|"
    r"api[_-]?key|auth|sas|connection[_-]?string",
    re.IGNORECASE,
)
# Values shaped like well-known keys, whatever the option is called.
_SECRET_VALUE = re.compile(
    r"AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----|gh[pous]_[A-Za-z0-9]{30,}|"
    r"AIza[0-9A-Za-z_-]{35}|xox[abp]-[A-Za-z0-9-]{10,}"
)


class ExportError(ValueError):
    """The export's arguments cannot make a safe, runnable spec."""


def check_no_credentials(beam_args: Iterable[str]) -> None:
    """Refuses Beam options that look like secrets, naming the option only."""
    for arg in beam_args:
        name, _, value = arg.partition("=")
        # Options such as --dataflow_service_options=a=b,c=d nest key=value pairs.
        keys = [name.lstrip("-")] + [
            part.partition("=")[0] for part in re.split(r"[,;]", value) if "=" in part
        ]
        if any(_SECRET_OPTION.search(key) for key in keys) or _SECRET_VALUE.search(arg):
            raise ExportError(
                f"beam arg {name!r} looks like a credential; a compiled spec is "
                f"readable by anyone with access to the cluster, so secrets must "
                f"not be in it. Pass them at run time instead, from a Kubernetes "
                f"Secret as an environment variable (see README, 'Secrets')."
            )


def _check_uri(kind: str, location: str, alternative: str = "") -> None:
    """A location the tasks' TensorFlow can open: one of ROOT_SCHEMES."""
    scheme, separator, rest = location.partition("://")
    if not (separator and scheme in ROOT_SCHEMES and rest.strip("/")):
        raise ExportError(
            f"{kind} {location!r} must be a URI the tasks' TensorFlow can open: "
            f"{' or '.join(f'{s}://BUCKET/DIR' for s in ROOT_SCHEMES)}{alternative} "
            f"(the image has no S3 or MinIO filesystem)"
        )


def _check_location(kind: str, location: str) -> None:
    """Input data: a URI as above, or a folder inside the image."""
    if not location.startswith("/"):
        _check_uri(kind, location, alternative=" or an absolute path inside the image")


def check_image(image: str) -> None:
    """Refuses what a cluster could not pull reproducibly: a malformed
    reference, or one with neither tag nor digest (which means :latest)."""
    match = _IMAGE.fullmatch(image)
    if match is None:
        raise ExportError(
            f"image {image!r} is not a container image reference "
            f"such as registry.example.com/taxi-pipeline:1.0"
        )
    if not (match["tag"] or match["digest"]):
        raise ExportError(
            f"image {image!r} has neither a tag nor a digest; name "
            f"the build the tasks run, e.g. {image}:1.0 or "
            f"{image}@sha256:..."
        )


def check_pipeline_name(name: str) -> None:
    if not _PIPELINE_NAME.fullmatch(name):
        raise ExportError(
            f"pipeline name {name!r} is refused by Kubeflow Pipelines: use 1 to "
            f"128 lowercase letters, digits and dashes, starting with a letter "
            f"or digit"
        )


def _runs_direct(fields: Dict[str, Any]) -> bool:
    engine = fields.get("engine")
    return engine is None or engine.name == "direct"


def kubeflow_config(pipeline_root: str, **fields: Any) -> PipelineConfig:
    """The run config as the cluster sees it: `fields` as for PipelineConfig
    (locations as URIs or paths inside the image, checked here before they
    would be made absolute), the artifacts and pushes under `pipeline_root`,
    the schema where the image holds it."""
    if fields.get("data_root") is None:
        fields["data_root"] = IMAGE_DATA_ROOT
    check_pipeline_name(fields.get("pipeline_name", PipelineConfig.pipeline_name))
    _check_uri("pipeline root", pipeline_root)
    _check_location("data root", fields["data_root"])
    if fields.get("serving_data_root") is not None:
        _check_location("serving sample", fields["serving_data_root"])
    beam_args = tuple(fields.pop("beam_args", ()))
    check_no_credentials(beam_args)
    return PipelineConfig(
        **fields,
        output_dir=pipeline_root,
        pipeline_root_override=pipeline_root,
        schema_path=IMAGE_SCHEMA,
        # Each task has its pod's cores to itself; a cluster engine's own
        # arguments come from the engine (pipeline.runners.engines).
        beam_args=(default_beam_args() if _runs_direct(fields) else ()) + beam_args,
    )


def runtime_parameter_defaults(config: PipelineConfig) -> Dict[str, str]:
    """What a Kubeflow run may change per run, with its default values."""
    from google.protobuf import json_format

    from pipeline.pipeline import train_args

    return {
        DATA_ROOT_PARAMETER: config.data_root,
        TRAIN_ARGS_PARAMETER: json_format.MessageToJson(train_args(config), indent=None),
    }


def runner_inputs(config: PipelineConfig):
    """The data root and train args as runtime parameters (set per run in the
    KFP UI), ML Metadata the cluster's, and the schema fingerprinted from this
    checkout's copy, which the image is built from."""
    from tfx.orchestration.data_types import RuntimeParameter

    from components.curated_schema.executor import file_sha256
    from pipeline.pipeline import RunnerInputs

    parameters = {
        name: RuntimeParameter(name=name, ptype=str, default=default)
        for name, default in runtime_parameter_defaults(config).items()
    }
    return RunnerInputs(
        data_root=parameters[DATA_ROOT_PARAMETER],
        train_args=parameters[TRAIN_ARGS_PARAMETER],
        schema_sha256=file_sha256(DEFAULT_SCHEMA),
        # Open-source KFP's compiler has no resolver ("not implemented yet").
        resolvers=False,
    )


def compile_job(config: PipelineConfig, image: str) -> Dict[str, Any]:
    """The Vertex AI PipelineJob as a dict; its `pipelineSpec` is what KFP takes.

    Runtime parameters get their defaults in the job's runtimeConfig and in
    the spec itself (TFX leaves both empty), so the KFP UI pre-fills them.
    """
    check_image(image)
    # Not `tfx.v1`, which also loads the Cloud AI Platform extension.
    from tfx.orchestration.kubeflow.v2 import kubeflow_v2_dag_runner

    from pipeline.pipeline import create_pipeline

    runner = kubeflow_v2_dag_runner.KubeflowV2DagRunner(
        config=kubeflow_v2_dag_runner.KubeflowV2DagRunnerConfig(
            default_image=image,
            # Schema 2.1.0, what the KFP 2.x SDK compiles and uploads.
            use_pipeline_spec_2_1=True,
        )
    )
    defaults = runtime_parameter_defaults(config)
    job = runner.run(
        create_pipeline(config, runner_inputs(config)), parameter_values=defaults, write_out=False
    )
    parameters = job["pipelineSpec"]["root"]["inputDefinitions"]["parameters"]
    for name, value in defaults.items():
        parameters[name].update(defaultValue=value, isOptional=True)
    # The span ExampleGens' drivers, which fingerprint the sources, run only
    # where ML Metadata is at hand (local runs); on Kubeflow they read their
    # source every run, or a quarter landing under the same data root would
    # hit the cache of the run before it.
    for name, task in job["pipelineSpec"]["root"]["dag"]["tasks"].items():
        if name in node_ids.SPAN_EXAMPLE_GENS:
            task["cachingOptions"] = {"enableCache": False}
    return job


def without_unchecked_cache(spec: Dict[str, Any]) -> Dict[str, Any]:
    """The spec with KFP's cache off for tasks that need a pre-cache check.

    TFX gives ExampleGen a `lifecycle.preCacheCheck`: its driver fingerprints
    the input files, so that new files under the same data root miss the
    cache. Vertex AI runs it; open-source KFP's backend never reads it, and
    would reuse the examples of the first run whose parameters matched.
    """
    executors = spec["deploymentSpec"]["executors"]
    for task in spec["root"]["dag"]["tasks"].values():
        label = spec["components"][task["componentRef"]["name"]]["executorLabel"]
        if "lifecycle" in executors[label].get("container", {}):
            task["cachingOptions"] = {"enableCache": False}
    return spec


def export(config: PipelineConfig, image: str, output: Path) -> Path:
    """Writes the compiled pipeline to `output`; the suffix picks the format.
    Every argument is checked before TFX loads."""
    if output.suffix not in SPEC_SUFFIXES + JOB_SUFFIXES:
        raise ExportError(
            f"output {output} must end in .yaml (KFP PipelineSpec) or .json (Vertex AI PipelineJob)"
        )
    job = compile_job(config, image)
    output.parent.mkdir(parents=True, exist_ok=True)
    if output.suffix in SPEC_SUFFIXES:
        spec = without_unchecked_cache(job["pipelineSpec"])
        parameters = ", ".join(sorted(spec["root"]["inputDefinitions"]["parameters"]))
        header = (
            f"# PipelineSpec of '{spec['pipelineInfo']['name']}' for Kubeflow "
            f"Pipelines v2, compiled by `python -m pipeline export-kubeflow`.\n"
            f"# Runtime parameters: {parameters}\n"
        )
        output.write_text(header + yaml.safe_dump(spec, sort_keys=True))
    else:
        output.write_text(json.dumps(job, indent=2, sort_keys=True) + "\n")
    return output

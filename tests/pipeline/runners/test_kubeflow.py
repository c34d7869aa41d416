"""Kubeflow export: strict, loadable, the local DAG, offline, no secrets, checked
arguments. The whole DAG runs in test_kubeflow_dag.py."""

import contextlib
import importlib
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pipeline.cli import exits
from pipeline.config import REPO_ROOT, SCHEMA_SUBPATH, Engine, PipelineConfig
from pipeline.runners import kubeflow

IMAGE = "registry.example.com/taxi-pipeline:test"
PIPELINE_ROOT = "gs://taxi-bucket/pipelines"
GOLDEN = Path(__file__).parent / "golden" / "kubeflow_pipeline.yaml"


@contextlib.contextmanager
def _offline():
    """Any network connection attempt fails the test."""
    real_connect = socket.socket.connect

    def refuse(sock, address):
        raise AssertionError(f"export tried to connect to {address}")

    socket.socket.connect = refuse
    try:
        yield
    finally:
        socket.socket.connect = real_connect


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """The .yaml and .json exports, compiled with the network unreachable."""
    out = tmp_path_factory.mktemp("kfp")
    config = kubeflow.kubeflow_config(PIPELINE_ROOT)
    with _offline():
        spec_path = kubeflow.export(config, IMAGE, out / "pipeline.yaml")
        job_path = kubeflow.export(config, IMAGE, out / "pipeline.json")
    return spec_path, job_path


@pytest.fixture(scope="module")
def spec(exported):
    return yaml.safe_load(exported[0].read_text())


def _strict(message, data):
    from google.protobuf import json_format

    return json_format.ParseDict(data, message, ignore_unknown_fields=False)


def test_yaml_is_a_bare_pipeline_spec_that_parses_strictly(spec):
    from kfp.pipeline_spec import pipeline_spec_pb2

    parsed = _strict(pipeline_spec_pb2.PipelineSpec(), spec)
    assert parsed.pipeline_info.name == PipelineConfig().pipeline_name
    assert parsed.schema_version == "2.1.0"


def test_json_is_a_vertex_pipeline_job_that_parses_strictly(exported):
    from kfp.pipeline_spec import pipeline_spec_pb2

    job = json.loads(exported[1].read_text())
    _strict(pipeline_spec_pb2.PipelineJob(), job)
    _strict(pipeline_spec_pb2.PipelineSpec(), job["pipelineSpec"])
    assert job["runtimeConfig"]["gcsOutputDirectory"] == PIPELINE_ROOT


def test_kfp_sdk_loads_the_yaml(exported):
    from kfp import components

    loaded = components.load_component_from_file(str(exported[0]))
    assert loaded.pipeline_spec.pipeline_info.name == PipelineConfig().pipeline_name


def test_the_export_writes_only_its_output_and_pushes_under_the_root(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # A stray local "gs:" folder would show here.
    with _offline():
        kubeflow.export(
            kubeflow.kubeflow_config("gs://other-bucket/runs"), IMAGE, Path("pipeline.yaml")
        )
    assert [p.name for p in tmp_path.iterdir()] == ["pipeline.yaml"]
    tasks = yaml.safe_load((tmp_path / "pipeline.yaml").read_text())["root"]["dag"]["tasks"]
    pushes_to = tasks["LatestBlessedModel"]["inputs"]["parameters"]["push_directory"]
    assert pushes_to["runtimeValue"]["constant"] == "gs://other-bucket/runs/serving/chicago-taxi"


def _ancestors(edges):
    """Each node's transitive dependencies: the order a DAG imposes."""

    def of(node, seen):
        for upstream in edges[node]:
            if upstream not in seen:
                seen.add(upstream)
                of(upstream, seen)
        return seen

    return {node: of(node, set()) for node in edges}


def _local_edges():
    """The local pipeline's edges with its resolvers (which Kubeflow does not
    run) contracted: a resolver's consumer depends on what the resolver
    depends on, and on the producers of what it resolves, except those that
    run after the consumer (it reads their earlier runs' outputs)."""
    from tfx.dsl.components.common.resolver import Resolver

    from pipeline.runners.local import local_pipeline

    pipeline = local_pipeline(PipelineConfig())
    resolvers = {node.id: node for node in pipeline.components if isinstance(node, Resolver)}

    def upstream(node):
        for node_upstream in node.upstream_nodes:
            if node_upstream.id in resolvers:
                yield from upstream(node_upstream)
            else:
                yield node_upstream.id

    edges = {
        node.id: set(upstream(node)) for node in pipeline.components if node.id not in resolvers
    }
    order = _ancestors(edges)
    for node in pipeline.components:
        for resolver in (u for u in node.upstream_nodes if u.id in resolvers):
            for channel in resolver._raw_inputs.values():
                producer = channel.producer_component_id
                if producer != node.id and node.id not in order[producer]:
                    edges[node.id].add(producer)
    return edges


def test_dag_orders_the_tasks_as_the_local_pipeline(spec):
    local = _local_edges()
    kubeflow = {
        task: set(body.get("dependentTasks", []))
        for task, body in spec["root"]["dag"]["tasks"].items()
    }
    assert _ancestors(kubeflow) == _ancestors(local)
    assert "AnomalyGate" in local["Transform"] and "AnomalyGate" in kubeflow["Transform"]
    assert local["Evaluator"] >= {"Trainer", "LatestBlessedModel"}


def _container_executors(spec):
    return {
        label: executor["container"]
        for label, executor in spec["deploymentSpec"]["executors"].items()
        if "container" in executor
    }


def test_every_task_is_a_container_of_the_configured_image(spec):
    """Open-source KFP runs containers and importers only; no resolver."""
    executors = spec["deploymentSpec"]["executors"]
    assert all(set(executor) == {"container"} for executor in executors.values())
    assert len(executors) == len(spec["root"]["dag"]["tasks"])
    assert {c["image"] for c in _container_executors(spec).values()} == {IMAGE}


def _import(path: str):
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def test_every_import_path_in_the_spec_exists(spec):
    class_paths = []
    for container in _container_executors(spec).values():
        args = container["args"]
        class_paths.append(args[args.index("--executor_class_path") + 1])
    assert {
        "components.anomaly_gate.executor.Executor",
        "components.latest_blessed_model.executor.Executor",
        "components.latest_blessed_model.executor.EvaluatorExecutor",
    } <= set(class_paths)
    for path in class_paths:
        assert isinstance(_import(path), type), path
    functions = [
        parameter["runtimeValue"]["constant"]
        for task in spec["root"]["dag"]["tasks"].values()
        for name, parameter in task.get("inputs", {}).get("parameters", {}).items()
        if name in ("preprocessing_fn", "run_fn")
    ]
    assert sorted(functions) == [
        "components.trainer.run_fn.run_fn",
        "components.transform.preprocessing.preprocessing_fn",
    ]
    assert all(callable(_import(path)) for path in functions)


def test_paths_point_into_the_image(spec):
    tasks = spec["root"]["dag"]["tasks"]
    schema = tasks["CuratedSchemaImporter"]["inputs"]["parameters"]["schema_file"]
    assert schema["runtimeValue"]["constant"] == kubeflow.IMAGE_SCHEMA
    assert (REPO_ROOT / SCHEMA_SUBPATH).is_file()
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    assert f"WORKDIR {kubeflow.IMAGE_PROJECT_DIR}\n" in dockerfile
    assert "COPY schema/ schema/" in dockerfile and "COPY data/ data/" in dockerfile


def test_data_root_and_train_args_are_runtime_parameters(spec):
    parameters = spec["root"]["inputDefinitions"]["parameters"]
    assert parameters["data_root"]["defaultValue"] == kubeflow.IMAGE_DATA_ROOT
    assert json.loads(parameters["train_args"]["defaultValue"]) == {
        "numSteps": PipelineConfig().train_steps
    }
    tasks = spec["root"]["dag"]["tasks"]
    assert tasks["CsvExampleGen"]["inputs"]["parameters"]["input_base"] == {
        "componentInputParameter": "data_root"
    }
    assert tasks["Trainer"]["inputs"]["parameters"]["train_args"] == {
        "componentInputParameter": "train_args"
    }


def _normalized(text: str) -> str:
    # Code and schema fingerprints change with every edit of components/ or
    # the schema; the golden file is about the spec's structure.
    return re.sub(r"\b[0-9a-f]{64}\b", "<sha256>", text)


def test_spec_matches_the_golden_file(exported):
    """Refresh after an intended change: UPDATE_GOLDEN=1 make test PYTEST_ARGS="-k golden"."""
    actual = _normalized(exported[0].read_text())
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(actual)
    assert actual == GOLDEN.read_text(), (
        "the compiled spec changed; if intended, refresh the golden file with "
        "UPDATE_GOLDEN=1 make test PYTEST_ARGS='-k golden' and review the diff"
    )


@pytest.mark.parametrize(
    "beam_arg",
    [
        "--aws_secret_access_key=abc123",
        "--password=hunter2",
        "--dataflow_service_options=token=x",
        "--gcp_api_key=AIzaSyA-1234567890abcdefghijklmnopqrstu",
        "--extra=AKIAIOSFODNN7EXAMPLE",
        "--credentials_file=/secrets/key.json",
    ],
)
def test_credentials_in_beam_args_are_refused(beam_arg):
    with pytest.raises(kubeflow.ExportError, match="looks like a credential") as raised:
        kubeflow.kubeflow_config(PIPELINE_ROOT, beam_args=(beam_arg,))
    value = beam_arg.partition("=")[2]
    assert value not in str(raised.value), "the message must not echo the secret"


def test_ordinary_beam_args_pass():
    config = kubeflow.kubeflow_config(
        PIPELINE_ROOT,
        beam_args=(
            "--runner=DataflowRunner",
            "--project=my-project",
            "--region=us-central1",
            "--temp_location=gs://taxi-bucket/tmp",
            "--service_account_email=sa@p.iam",
        ),
    )
    assert config.beam_args[-1] == "--service_account_email=sa@p.iam"


def test_serving_sample_overrides_and_quarantine_limit_reach_the_spec(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "export-kubeflow",
            "--image",
            IMAGE,
            "--pipeline-root",
            PIPELINE_ROOT,
            "--output",
            "spec.yaml",
            "--serving-sample",
            "gs://taxi-bucket/serving",
            "--accept-anomaly",
            "company:COMPARATOR_L_INFTY_HIGH",
            "--max-quarantined",
            "0.01",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == exits.EXIT_OK, result.stderr
    tasks = yaml.safe_load((tmp_path / "spec.yaml").read_text())["root"]["dag"]["tasks"]

    def constant(task, name):
        return tasks[task]["inputs"]["parameters"][name]["runtimeValue"]["constant"]

    assert "ServingExampleGen" in tasks["DriftSkewCheck"]["dependentTasks"]
    assert constant("ServingExampleGen", "input_base") == "gs://taxi-bucket/serving"
    assert constant("AnomalyGate", "accepted_anomalies") == '["company:COMPARATOR_L_INFTY_HIGH"]'
    for task in ("CsvExampleGen", "ServingExampleGen"):
        assert constant(task, "max_quarantined_fraction") == 0.01


@pytest.mark.parametrize(
    "args, message",
    [
        (["--output", "spec.yaml", "--accept-anomaly", "company"], "is not FEATURE:TYPE"),
        (["--output", "spec.yaml", "--max-quarantined", "1.5"], "below 1"),
        (["--output", "spec.txt"], "must end in .yaml"),
        (["--output", "spec.yaml", "--beam-arg=--db_password=x"], "looks like a credential"),
        (
            ["--output", "spec.yaml", "--data-root", "relative/dir"],
            "gs://BUCKET/DIR or an absolute path inside the image",
        ),
        (
            ["--output", "spec.yaml", "--data-root", "s3://taxi-bucket/trips"],
            "no S3 or MinIO filesystem",
        ),
        (
            ["--output", "spec.yaml", "--serving-sample", "minio://taxi/serving"],
            "no S3 or MinIO filesystem",
        ),
        (
            ["--output", "spec.yaml", "--image", "registry.example.com/taxi-pipeline"],
            "has neither a tag nor a digest",
        ),
        (
            ["--output", "spec.yaml", "--image", "registry.example.com/Taxi Pipeline:1"],
            "is not a container image reference",
        ),
        (
            ["--output", "spec.yaml", "--pipeline-root", "/mnt/artifacts"],
            "must be a URI the tasks' TensorFlow can open: gs://BUCKET/DIR",
        ),
        (["--output", "spec.yaml", "--pipeline-root", "gs://"], "must be a URI"),
        (
            ["--output", "spec.yaml", "--pipeline-root", "minio://mlpipeline/v2"],
            "no S3 or MinIO filesystem",
        ),
        (
            ["--output", "spec.json", "--pipeline-root", "s3://taxi-bucket/runs"],
            "no S3 or MinIO filesystem",
        ),
        (
            ["--output", "spec.yaml", "--pipeline-name", "Chicago_Taxi"],
            "refused by Kubeflow Pipelines",
        ),
        (["--output", "spec.yaml", "--pipeline-name=-taxi"], "refused by Kubeflow Pipelines"),
    ],
)
def test_export_argument_errors_exit_2_before_tensorflow_loads(tmp_path, args, message):
    """Each refusal names the bad value, writes nothing and never loads TensorFlow."""
    arguments = ["export-kubeflow", "--image", IMAGE, "--pipeline-root", PIPELINE_ROOT, *args]
    check = (
        "import sys; from pipeline.cli.main import main; code = main(sys.argv[1:]); "
        "assert 'tensorflow' not in sys.modules, 'TensorFlow was loaded'; "
        "sys.exit(code)"
    )
    result = subprocess.run(
        [sys.executable, "-c", check, *arguments],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)),
    )
    assert result.returncode == exits.EXIT_USAGE, result.stderr
    assert message in result.stderr
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize(
    "image",
    [
        "taxi-pipeline:1.0",
        "localhost:5000/taxi-pipeline:v2",
        "ghcr.io/org/team/taxi:2024-01-15",
        "registry.example.com/taxi@sha256:" + "a" * 64,
        "registry.example.com:443/taxi:1.0@sha256:" + "b" * 64,
    ],
)
def test_image_references_with_a_tag_or_digest_pass(image):
    kubeflow.check_image(image)


def test_dockerfile_is_lint_clean():
    hadolint = Path(sys.executable).parent / "hadolint"
    result = subprocess.run(
        [str(hadolint), str(REPO_ROOT / "Dockerfile")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def statistics_by_feature(path: Path) -> dict:
    """A statistics file as a dict, features keyed by path (their order varies)."""
    from google.protobuf import json_format
    from tensorflow_metadata.proto.v0 import statistics_pb2

    stats = json_format.MessageToDict(
        statistics_pb2.DatasetFeatureStatisticsList.FromString(path.read_bytes())
    )
    for dataset in stats["datasets"]:
        dataset["features"] = {".".join(f["path"]["step"]): f for f in dataset["features"]}
    return stats


def differences(a, b, path=""):
    """Where two JSON values differ; floats within 1e-9 relative count as equal
    (multi-process Beam sums float partials in varying order)."""
    import math

    if isinstance(a, dict) and isinstance(b, dict):
        return [
            d
            for key in sorted(a.keys() | b.keys())
            for d in differences(a.get(key), b.get(key), f"{path}.{key}")
        ]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{path}[{i}]")]
    if isinstance(a, float) and isinstance(b, float):
        return [] if math.isclose(a, b, rel_tol=1e-9) else [path]
    return [] if a == b else [path]


def test_custom_artifact_types_import_from_their_schema_title(spec):
    """TFX's container entrypoint rebuilds a custom artifact by importing its
    schema title; a title that does not import fails the task at run time."""
    from tfx.types import Artifact
    from tfx.utils import import_utils

    titles = {
        yaml.safe_load(definition["artifactType"]["instanceSchema"])["title"]
        for component in spec["components"].values()
        for direction in ("inputDefinitions", "outputDefinitions")
        for definition in component.get(direction, {}).get("artifacts", {}).values()
    }
    custom = sorted(title for title in titles if not title.startswith("tfx."))
    assert custom == ["components.DataValidationResult", "components.QuarantinedRows"]
    for title in custom:
        artifact_class = import_utils.import_class_by_path(title)
        assert issubclass(artifact_class, Artifact) and artifact_class.TYPE_NAME == title


def test_kfp_does_not_cache_tasks_whose_pre_cache_check_it_skips(tmp_path):
    """Open-source KFP ignores `lifecycle.preCacheCheck` (the serving
    ExampleGen's input fingerprint), so the .yaml turns those tasks' cache
    off; Vertex AI runs the check, so the .json keeps it."""

    def checked_tasks(pipeline_spec):
        executors = pipeline_spec["deploymentSpec"]["executors"]
        return {
            name: task["cachingOptions"]
            for name, task in pipeline_spec["root"]["dag"]["tasks"].items()
            if "lifecycle"
            in executors[
                pipeline_spec["components"][task["componentRef"]["name"]]["executorLabel"]
            ]["container"]
        }

    config = kubeflow.kubeflow_config(PIPELINE_ROOT, serving_data_root=f"{PIPELINE_ROOT}/serving")
    with _offline():
        spec = yaml.safe_load(
            kubeflow.export(config, IMAGE, tmp_path / "pipeline.yaml").read_text()
        )
        job = json.loads(kubeflow.export(config, IMAGE, tmp_path / "pipeline.json").read_text())
    assert checked_tasks(spec) == {"ServingExampleGen": {"enableCache": False}}
    assert checked_tasks(job["pipelineSpec"]) == {"ServingExampleGen": {"enableCache": True}}
    assert spec["root"]["dag"]["tasks"]["Trainer"]["cachingOptions"] == {"enableCache": True}


def test_the_span_example_gen_reads_its_source_every_run(spec, exported):
    """No driver fingerprints the source on Kubeflow, so caching the task
    would hand a run the spans of the run before it."""
    job = json.loads(exported[1].read_text())
    for pipeline_spec in (spec, job["pipelineSpec"]):
        task = pipeline_spec["root"]["dag"]["tasks"]["CsvExampleGen"]
        assert task["cachingOptions"] == {"enableCache": False}


def _executor_args(spec) -> dict:
    """Each Beam component's container args, by executor."""
    executors = spec["deploymentSpec"]["executors"]
    return {
        name: executor["container"]["args"]
        for name, executor in executors.items()
        if any(arg.startswith("--runner=") for arg in executor["container"].get("args", []))
        or any(arg.startswith("--direct_") for arg in executor["container"].get("args", []))
    }


@pytest.mark.parametrize("engine", ["spark", "flink"])
def test_a_cluster_engine_compiles_into_docker_workers_of_the_image(engine, tmp_path):
    endpoint = f"{engine}-beam-job-server.data:8099"
    config = kubeflow.kubeflow_config(
        PIPELINE_ROOT, engine=Engine(engine, job_server=endpoint, workers=f"docker={IMAGE}")
    )
    with _offline():
        spec = yaml.safe_load(kubeflow.export(config, IMAGE, tmp_path / "p.yaml").read_text())
    beam_executors = _executor_args(spec)
    # ExampleGen, StatisticsGen, Transform, Evaluator.
    assert {"CsvExampleGen_executor", "StatisticsGen_executor", "Transform_executor"} <= set(
        beam_executors
    )
    for name, args in beam_executors.items():
        expected = [
            "--runner=PortableRunner",
            f"--job_endpoint={endpoint}",
            "--environment_type=DOCKER",
            f"--environment_config={IMAGE}",
            f"--sdk_container_image={IMAGE}",
        ]
        assert [a for a in expected if a not in args] == [], name
        assert not [a for a in args if a.startswith("--direct_")], name


def test_a_cluster_engine_needs_the_job_server_named(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "export-kubeflow", "--image", IMAGE]
        + ["--pipeline-root", PIPELINE_ROOT, "--output", str(tmp_path / "p.yaml")]
        + ["--runner", "flink"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == exits.EXIT_USAGE
    assert "--runner flink needs --job-server HOST:PORT" in result.stderr
    assert not (tmp_path / "p.yaml").exists()

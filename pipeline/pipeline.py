"""`create_pipeline(config, runner)`: the one wiring of the taxi pipeline's components.

    ExampleGen (one artifact per new or changed span: a quarter folder of
                CSVs, typed by the feature spec, bad rows quarantined; or a
                span query on SQLite/PostgreSQL)
               -> StatisticsGen -> SchemaGen (inferred, kept for review)
    CuratedSchemaImporter (schema/, content-keyed ImportSchemaGen)
                                -> ExampleValidator (vs the curated schema)
    [ServingExampleGen], StatisticsHistory
                       -> DriftSkewCheck (each new span vs the one before and
                                vs the version it replaces; the newest vs
                                the serving sample)
                                -> AnomalyGate
    SpanWindow (the newest N spans, an analyzer cache)
                                -> Transform -> Trainer
                                -> LatestBlessedModel (newest pushed)
                                -> Evaluator (vs that baseline) -> Pusher

StatisticsGen, SchemaGen and ExampleValidator run once per new span; the
span window, the statistics history and Transform's analyzer cache come from
ML Metadata through resolvers, so a run costs what its new spans cost. On
Kubeflow (no resolvers in open-source KFP) ExampleGen ingests the whole
window every run and everything reads this run's artifacts.

Every runner compiles this same pipeline; what only a runner knows comes in
`RunnerInputs` (`pipeline/runners/`). Functions that run inside components
are referenced by import path, so no user-module wheel is built. Importing
this module loads TFX; the CLI imports it only when it runs.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Dict, List, Optional, Sequence, Union

from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.transforms.environments import DockerEnvironment

# Direct imports, not `tfx.v1`: that also loads the Google Cloud AI Platform
# extension (5 s of a 15k-row run) which no local or Kubeflow run uses.
from tfx.components import Pusher
from tfx.dsl.components.base import executor_spec
from tfx.dsl.components.common.resolver import Resolver
from tfx.orchestration.data_types import RuntimeParameter
from tfx.orchestration.pipeline import Pipeline
from tfx.proto import example_gen_pb2, pusher_pb2, trainer_pb2
from tfx.types.channel import Channel
from tfx.types.standard_artifacts import Examples, ExampleStatistics, TransformCache

from components.anomaly_gate.component import AnomalyGate, DataValidationResult
from components.atomic_pusher import executor as atomic_pusher
from components.csv_ingest.component import QuarantiningCsvExampleGen, SpanCsvExampleGen
from components.curated_schema.component import CuratedSchemaImporter
from components.db_ingest.component import DatabaseExampleGen
from components.drift_skew.component import DriftSkewCheck
from components.latest_blessed_model.component import Evaluator, LatestBlessedModel
from components.per_span.component import SpanExampleValidator, SpanSchemaGen, SpanStatisticsGen
from components.rows import layout
from components.span_window.component import Trainer, Transform
from components.spans import resolvers as resolvers_module
from components.spans.resolvers import AllVersionsStrategy, SpanWindowStrategy
from pipeline import node_ids
from pipeline.config import PipelineConfig
from pipeline.evaluation import eval_config
from pipeline.fingerprint import code_fingerprint
from pipeline.runners.engines import engine_beam_args

PREPROCESSING_FN = "components.transform.preprocessing.preprocessing_fn"
RUN_FN = "components.trainer.run_fn.run_fn"
# Holds `custom_extractors`, which TFX's Evaluator looks up by that name.
EVALUATOR_MODULE = "components.latest_blessed_model.extractors"
# The Beam options by which TFX's Beam executors know the workers' Python
# dependencies are taken care of (tfx/utils/dependency_utils.py,
# make_beam_dependency_flags). Without one of them, every Beam component
# copies TFX's install and builds an sdist of it for Beam to stage (1.2 s and
# 42 MB of /tmp each).
_TFX_DEPENDENCY_OPTIONS = (
    "extra_packages",
    "setup_file",
    "requirements_file",
    "worker_harness_container_image",
    "sdk_container_image",
)
# Portable runners' worker environments that run this interpreter's install.
_THIS_INSTALL_ENVIRONMENTS = ("LOOPBACK", "EXTERNAL")
_DIRECT_RUNNERS = frozenset(
    path
    for path in StandardOptions.ALL_KNOWN_RUNNERS
    if path.startswith("apache_beam.runners.direct.")
)


@dataclasses.dataclass(frozen=True)
class RunnerInputs:
    """What the runner decides, not the config: values a run may override
    (Kubeflow passes RuntimeParameters), the curated schema's content hash
    (read where the schema file is), and ML Metadata (None: the cluster's)."""

    data_root: Union[str, RuntimeParameter]
    train_args: Union[trainer_pb2.TrainArgs, RuntimeParameter]
    schema_sha256: str
    metadata_connection: Optional[Any] = None
    # Whether the orchestrator runs TFX resolvers (open-source KFP does not).
    resolvers: bool = True


def train_args(config: PipelineConfig) -> trainer_pb2.TrainArgs:
    return trainer_pb2.TrainArgs(num_steps=config.train_steps)


def _output_config(config: PipelineConfig) -> example_gen_pb2.Output:
    """Hash split into train and eval, the same for both sources."""
    return example_gen_pb2.Output(
        split_config=example_gen_pb2.SplitConfig(
            splits=[
                example_gen_pb2.SplitConfig.Split(name="train", hash_buckets=config.train_buckets),
                example_gen_pb2.SplitConfig.Split(name="eval", hash_buckets=config.eval_buckets),
            ]
        )
    )


def _example_gen(config: PipelineConfig, data_root):
    """The CSV source, or the database source when the config names one."""
    if config.database is not None:
        source = config.database
        return DatabaseExampleGen(
            database_url=source.url,
            query=source.query,
            output_config=_output_config(config),
            key_column=source.key_column,
            read_partitions=source.read_partitions,
            num_spans=config.window_spans,
        ).with_id(node_ids.DATABASE_EXAMPLE_GEN)
    return SpanCsvExampleGen(
        input_base=data_root,
        output_config=_output_config(config),
        max_quarantined_fraction=config.max_quarantined_fraction,
        num_spans=config.window_spans,
    ).with_id(node_ids.CSV_EXAMPLE_GEN)


def _serving_example_gen(config: PipelineConfig):
    """The serving sample as one split, 'serving'."""
    return QuarantiningCsvExampleGen(
        input_base=config.serving_data_root,
        input_config=example_gen_pb2.Input(
            splits=[example_gen_pb2.Input.Split(name="serving", pattern=layout.SERVING_PATTERN)]
        ),
        # No output splits: the input split is kept as it is.
        output_config=example_gen_pb2.Output(),
        max_quarantined_fraction=config.max_quarantined_fraction,
    ).with_id(node_ids.SERVING_EXAMPLE_GEN)


@dataclasses.dataclass(frozen=True)
class _ValidatedData:
    """What training reads once the new spans passed the gate."""

    window: Any
    # Transform's analyzer cache to start from; None: none is kept.
    analyzer_cache: Any
    schema: Any
    gate: AnomalyGate
    components: List


def _published(node_id: str, key: str, artifact_type) -> Channel:
    """Everything node `node_id` published under `key`, in this run and the
    runs before: a resolver's input, read from ML Metadata."""
    return Channel(type=artifact_type, producer_component_id=node_id, output_key=key)


def _analyzer_caches(config: PipelineConfig) -> Dict[str, Channel]:
    """The span window resolver's cache input: TFT keeps an analyzer cache
    per input span artifact, so a window that gained a span analyzes only
    that span."""
    if not config.analyzer_cache:
        return {}
    return {
        resolvers_module.ANALYZER_CACHE: _published(
            node_ids.TRANSFORM, "updated_analyzer_cache", TransformCache
        )
    }


def _validated_data(config: PipelineConfig, runner: RunnerInputs) -> _ValidatedData:
    """Ingestion of the new spans, their statistics, schemas and every check,
    up to the gate; and the span window training reads."""
    example_gen = _example_gen(config, runner.data_root)
    new_examples = example_gen.outputs["examples"]
    statistics_gen = SpanStatisticsGen(examples=new_examples).with_id(node_ids.STATISTICS_GEN)
    if config.span_beam_args is not None:
        # Appended to the pipeline's args, so these win.
        statistics_gen.with_beam_pipeline_args(beam_pipeline_args(config.span_beam_args))
    new_statistics = statistics_gen.outputs["statistics"]
    inferred_schema = SpanSchemaGen(statistics=new_statistics).with_id(node_ids.SCHEMA_GEN)
    curated_schema = CuratedSchemaImporter(
        schema_file=config.schema_path, schema_sha256=runner.schema_sha256
    ).with_id(node_ids.CURATED_SCHEMA)
    schema = curated_schema.outputs["schema"]
    example_validator = SpanExampleValidator(statistics=new_statistics, schema=schema).with_id(
        node_ids.EXAMPLE_VALIDATOR
    )
    serving = [_serving_example_gen(config)] if config.serving_data_root else []
    resolvers = []
    history = None
    if runner.resolvers:
        statistics_history = Resolver(
            strategy_class=AllVersionsStrategy,
            history=_published(node_ids.STATISTICS_GEN, "statistics", ExampleStatistics),
            passed=_published(node_ids.ANOMALY_GATE, "result", DataValidationResult),
        ).with_id(node_ids.STATISTICS_HISTORY)
        statistics_history.add_upstream_node(statistics_gen)
        history = statistics_history.outputs["history"]
        resolvers.append(statistics_history)
    drift_skew_check = DriftSkewCheck(
        statistics=new_statistics,
        history=history,
        schema=schema,
        serving_examples=serving[0].outputs["examples"] if serving else None,
    ).with_id(node_ids.DRIFT_SKEW_CHECK)
    gate = AnomalyGate(
        statistics=new_statistics,
        anomalies=example_validator.outputs["anomalies"],
        drift_anomalies=drift_skew_check.outputs["anomalies"],
        accepted=config.accepted_anomalies,
    ).with_id(node_ids.ANOMALY_GATE)
    window, analyzer_cache = new_examples, None
    if runner.resolvers:
        span_window = Resolver(
            strategy_class=SpanWindowStrategy,
            # Resolver configs hold no None: all spans unless a window is set.
            config={"num_spans": config.window_spans} if config.window_spans else {},
            examples=_published(example_gen.id, "examples", Examples),
            # Only spans a gate passed, this run's new ones with them.
            passed=_published(node_ids.ANOMALY_GATE, "result", DataValidationResult),
            **_analyzer_caches(config),
        ).with_id(node_ids.SPAN_WINDOW)
        # After the gate: its result on this run's spans is a resolver input.
        span_window.add_upstream_node(gate)
        window = span_window.outputs[resolvers_module.EXAMPLES]
        if config.analyzer_cache:
            analyzer_cache = span_window.outputs[resolvers_module.ANALYZER_CACHE]
        resolvers.append(span_window)
    components = [
        example_gen,
        statistics_gen,
        inferred_schema,
        curated_schema,
        example_validator,
        *serving,
        drift_skew_check,
        gate,
        *resolvers,
    ]
    return _ValidatedData(window, analyzer_cache, schema, gate, components)


def _trained_and_pushed(config: PipelineConfig, runner: RunnerInputs, data: _ValidatedData) -> List:
    """Transform, Trainer, the baseline, Evaluator and Pusher, after the gate."""
    # Part of Transform's and Trainer's cache keys: new code, new outputs.
    code = {"code_fingerprint": code_fingerprint()}
    transform = Transform(
        examples=data.window,
        schema=data.schema,
        preprocessing_fn=PREPROCESSING_FN,
        custom_config=code,
        # StatisticsGen already describes the raw data; Transform's own
        # pre/post statistics would add two full Beam passes.
        disable_statistics=True,
        # The Trainer applies the transform graph to the batches it reads
        # (a fraction of the data at 1M rows); writing every transformed
        # example first costs a full pass and as much disk as ExampleGen.
        materialize=False,
        analyzer_cache=data.analyzer_cache,
        # Off, or without a resolver (Kubeflow), where no later run could
        # read the cache.
        disable_analyzer_cache=data.analyzer_cache is None,
    ).with_id(node_ids.TRANSFORM)
    transform.add_upstream_node(data.gate)
    trainer = Trainer(
        run_fn=RUN_FN,
        examples=data.window,
        transform_graph=transform.outputs["transform_graph"],
        # Exported with the model, which serving checks requests against.
        schema=data.schema,
        train_args=runner.train_args,
        eval_args=trainer_pb2.EvalArgs(num_steps=config.eval_steps),
        custom_config={**config.hyperparameters.to_custom_config(), **code},
    ).with_id(node_ids.TRAINER)
    # Not TFX's Resolver: open-source KFP cannot run one (see the component).
    latest_blessed_model = LatestBlessedModel(
        candidate=trainer.outputs["model"], push_directory=config.serving_dir
    ).with_id(node_ids.LATEST_BLESSED_MODEL)
    evaluator = Evaluator(
        examples=data.window,
        model=trainer.outputs["model"],
        baseline_model=latest_blessed_model.outputs["baseline"],
        example_splits=["eval"],
        eval_config=eval_config(config),
        module_path=EVALUATOR_MODULE,
    ).with_id(node_ids.EVALUATOR)
    pusher = Pusher(
        model=trainer.outputs["model"],
        model_blessing=evaluator.outputs["blessing"],
        custom_executor_spec=executor_spec.ExecutorClassSpec(atomic_pusher.Executor),
        push_destination=pusher_pb2.PushDestination(
            filesystem=pusher_pb2.PushDestination.Filesystem(base_directory=config.serving_dir)
        ),
    ).with_id(node_ids.PUSHER)
    return [transform, trainer, latest_blessed_model, evaluator, pusher]


def _is_direct_runner(runner: Optional[str]) -> bool:
    """Whether Beam runs `--runner` (None: Beam's default) on its DirectRunner;
    the name resolved as apache_beam.runners.runner.create_runner does."""
    name = runner or StandardOptions.DEFAULT_RUNNER
    paths = {path.rsplit(".", 1)[-1].lower(): path for path in StandardOptions.ALL_KNOWN_RUNNERS}
    return paths.get(name.lower(), paths.get(name.lower() + "runner", name)) in _DIRECT_RUNNERS


def beam_pipeline_args(beam_args: Sequence[str]) -> List[str]:
    """`beam_args` as TFX's Beam components get them.

    The DirectRunner stages no packages: its workers run in this process, or
    are subprocesses of this interpreter, and import what it has installed;
    so do a portable runner's LOOPBACK workers (in this process) and
    EXTERNAL ones (a worker pool of this install). So such a run also names
    a container image, the one Beam defaults to, and TFX builds no sdist;
    none of them reads that option (Dataflow and DOCKER workers do). Other
    runners, and args that already name the dependencies, are left as they
    are: a remote runner still gets TFX's sdist unless its args say otherwise.
    """
    args = list(beam_args)
    options = PipelineOptions(args).get_all_options()
    workers_import_this_install = _is_direct_runner(options["runner"]) or (
        (options["environment_type"] or "").upper() in _THIS_INSTALL_ENVIRONMENTS
    )
    if not workers_import_this_install or any(options[name] for name in _TFX_DEPENDENCY_OPTIONS):
        return args
    return args + [f"--sdk_container_image={DockerEnvironment.default_docker_image()}"]


def create_pipeline(config: PipelineConfig, runner: RunnerInputs) -> Pipeline:
    """The pipeline for LocalDagRunner, or for KubeflowV2DagRunner to compile."""
    data = _validated_data(config, runner)
    return Pipeline(
        pipeline_name=config.pipeline_name,
        pipeline_root=config.pipeline_root,
        components=data.components + _trained_and_pushed(config, runner, data),
        enable_cache=config.enable_cache,
        metadata_connection_config=runner.metadata_connection,
        beam_pipeline_args=beam_pipeline_args(engine_beam_args(config.engine) + config.beam_args),
    )

"""`create_pipeline(config)`: the one wiring of the taxi pipeline's components.

    ExampleGen (CSVs, typed by the feature spec, unparsable rows quarantined;
                or a span query on SQLite/PostgreSQL)
               -> StatisticsGen -> SchemaGen (inferred, kept for review)
    CuratedSchemaImporter (schema/, content-keyed ImportSchemaGen)
                                -> ExampleValidator (vs the curated schema)
    [ServingExampleGen] -> DriftSkewCheck (newest span vs the one before,
                                training vs the serving sample)
                                -> AnomalyGate -> Transform -> Trainer
                                -> LatestBlessedModel (newest pushed)
                                -> Evaluator (vs that baseline) -> Pusher

Every runner compiles this same pipeline. Functions that run inside
components are referenced by import path, so no user-module wheel is built.
Importing this module loads TFX; the CLI imports it only when it runs.
"""

from __future__ import annotations

from typing import Dict, List, Optional

import tensorflow_model_analysis as tfma
from google.protobuf import json_format
# Direct imports, not `tfx.v1`: that also loads the Google Cloud AI Platform
# extension (5 s of a 15k-row run) which no local or Kubeflow run uses.
from tfx.components import (ExampleValidator, Pusher, SchemaGen, StatisticsGen, Trainer,
                            Transform)
from tfx.orchestration import metadata as mlmd_config
from tfx.orchestration.data_types import RuntimeParameter
from tfx.orchestration.pipeline import Pipeline
from tfx.proto import example_gen_pb2, pusher_pb2, trainer_pb2
from tfx.dsl.components.base import executor_spec

from components import features
from components.anomaly_gate import AnomalyGate
from components.atomic_pusher import executor as atomic_pusher
from components.contract import SERVING_SIGNATURE, TRANSFORM_SIGNATURE
from components.csv_ingest import QuarantiningCsvExampleGen
from components.curated_schema import CuratedSchemaImporter, file_sha256
from components.db_ingest import DatabaseExampleGen
from components.drift_skew import DriftSkewCheck
from components.latest_blessed_model import Evaluator, LatestBlessedModel
from pipeline import datasets
from pipeline.config import DEFAULT_SCHEMA, PipelineConfig
from pipeline.fingerprint import source_fingerprint

PREPROCESSING_FN = "components.preprocessing.preprocessing_fn"
RUN_FN = "components.model.run_fn"


DATA_ROOT_PARAMETER = "data_root"
TRAIN_ARGS_PARAMETER = "train_args"


def _train_args(config: PipelineConfig) -> trainer_pb2.TrainArgs:
    return trainer_pb2.TrainArgs(num_steps=config.train_steps)


def runtime_parameter_defaults(config: PipelineConfig) -> Dict[str, str]:
    """What a Kubeflow run may change per run, with its default values."""
    return {
        DATA_ROOT_PARAMETER: config.data_root,
        TRAIN_ARGS_PARAMETER: json_format.MessageToJson(_train_args(config),
                                                        indent=None),
    }


def _example_gen(config: PipelineConfig, data_root):
    """The CSV source, or the database source when the config names one;
    both hash-split into train and eval the same way."""
    output_config = example_gen_pb2.Output(split_config=example_gen_pb2.SplitConfig(splits=[
        example_gen_pb2.SplitConfig.Split(name="train", hash_buckets=config.train_buckets),
        example_gen_pb2.SplitConfig.Split(name="eval", hash_buckets=config.eval_buckets),
    ]))
    if config.database is not None:
        source = config.database
        return DatabaseExampleGen(
            database_url=source.url, query=source.query, output_config=output_config,
            key_column=source.key_column, read_partitions=source.read_partitions,
            num_spans=source.num_spans)
    input_config = example_gen_pb2.Input(splits=[
        example_gen_pb2.Input.Split(name="all", pattern=config.input_pattern)])
    return QuarantiningCsvExampleGen(
        input_base=data_root, input_config=input_config, output_config=output_config,
        max_quarantined_fraction=config.max_quarantined_fraction,
    ).with_id("CsvExampleGen")


def _serving_example_gen(config: PipelineConfig):
    """The serving sample as one split, 'serving'."""
    return QuarantiningCsvExampleGen(
        input_base=config.serving_data_root,
        input_config=example_gen_pb2.Input(splits=[example_gen_pb2.Input.Split(
            name="serving", pattern=datasets.SERVING_PATTERN)]),
        # No output splits: the input split is kept as it is.
        output_config=example_gen_pb2.Output(),
        max_quarantined_fraction=config.max_quarantined_fraction,
    ).with_id("ServingExampleGen")


def eval_config(config: PipelineConfig) -> tfma.EvalConfig:
    """AUC and accuracy floors, plus no real regression against the baseline.

    Thresholds apply to the whole eval split; the payment-type slices are
    reported for review only (cash trips have no positive labels, so their AUC
    is undefined).
    """
    thresholds = config.thresholds
    overall = [tfma.SlicingSpec()]

    def gate(floor: float, max_drop: Optional[float] = None):
        threshold = tfma.MetricThreshold(
            value_threshold=tfma.GenericValueThreshold(lower_bound={"value": floor}))
        if max_drop is not None:
            # Ignored on the first run, when no blessed baseline exists.
            threshold.change_threshold.CopyFrom(tfma.GenericChangeThreshold(
                direction=tfma.MetricDirection.HIGHER_IS_BETTER,
                absolute={"value": -max_drop}))
        return [tfma.PerSliceMetricThreshold(slicing_specs=overall,
                                             threshold=threshold)]

    return tfma.EvalConfig(
        model_specs=[tfma.ModelSpec(
            signature_name=SERVING_SIGNATURE,
            label_key=features.LABEL.name,
            preprocessing_function_names=[TRANSFORM_SIGNATURE])],
        slicing_specs=overall + [tfma.SlicingSpec(feature_keys=["payment_type"])],
        metrics_specs=[tfma.MetricsSpec(metrics=[
            tfma.MetricConfig(class_name="ExampleCount"),
            tfma.MetricConfig(
                class_name="AUC",
                per_slice_thresholds=gate(thresholds.min_auc,
                                          thresholds.max_auc_drop)),
            tfma.MetricConfig(
                class_name="BinaryAccuracy",
                per_slice_thresholds=gate(thresholds.min_binary_accuracy)),
        ])])


def create_pipeline(config: PipelineConfig, for_kubeflow: bool = False
                    ) -> Pipeline:
    """The pipeline for LocalDagRunner, or for KubeflowV2DagRunner to compile.

    For Kubeflow, the data root and the train args become runtime parameters
    (set per run in the KFP UI), ML Metadata is the cluster's, and the schema
    path is where the image holds it, fingerprinted from this checkout's copy,
    which the image is built from.
    """
    # Part of Transform's and Trainer's cache keys: new code, new outputs.
    code = {"code_fingerprint": source_fingerprint()}
    if for_kubeflow:
        parameters = {
            name: RuntimeParameter(name=name, ptype=str,
                                                        default=default)
            for name, default in runtime_parameter_defaults(config).items()}
        data_root = parameters[DATA_ROOT_PARAMETER]
        train_args = parameters[TRAIN_ARGS_PARAMETER]
        schema_sha256 = file_sha256(DEFAULT_SCHEMA)
        metadata = None
    else:
        data_root = config.data_root
        train_args = _train_args(config)
        schema_sha256 = file_sha256(config.schema_path)
        metadata = mlmd_config.sqlite_metadata_connection_config(
            config.metadata_path)
    example_gen = _example_gen(config, data_root)
    statistics_gen = StatisticsGen(
        examples=example_gen.outputs["examples"])
    inferred_schema = SchemaGen(
        statistics=statistics_gen.outputs["statistics"])
    curated_schema = CuratedSchemaImporter(
        schema_file=config.schema_path, schema_sha256=schema_sha256)
    example_validator = ExampleValidator(
        statistics=statistics_gen.outputs["statistics"],
        schema=curated_schema.outputs["schema"])
    serving_example_gen = (_serving_example_gen(config)
                           if config.serving_data_root else None)
    drift_skew_check = DriftSkewCheck(
        examples=example_gen.outputs["examples"],
        schema=curated_schema.outputs["schema"],
        serving_examples=(serving_example_gen.outputs["examples"]
                          if serving_example_gen else None))
    anomaly_gate = AnomalyGate(
        statistics=statistics_gen.outputs["statistics"],
        anomalies=example_validator.outputs["anomalies"],
        drift_anomalies=drift_skew_check.outputs["anomalies"],
        accepted=config.accepted_anomalies)
    transform = Transform(
        examples=example_gen.outputs["examples"],
        schema=curated_schema.outputs["schema"],
        preprocessing_fn=PREPROCESSING_FN,
        custom_config=code,
        # StatisticsGen already describes the raw data; Transform's own
        # pre/post statistics would add two full Beam passes.
        disable_statistics=True,
        # The Trainer applies the transform graph to the batches it reads
        # (a fraction of the data at 1M rows); writing every transformed
        # example first costs a full pass and as much disk as ExampleGen.
        materialize=False,
        # TFT's analyzer cache saves work per input span it has seen, but
        # every changed input here is a new ExampleGen artifact over all
        # quarters, so it never hits; writing it costs time in every run.
        disable_analyzer_cache=True)
    transform.add_upstream_node(anomaly_gate)
    trainer = Trainer(
        run_fn=RUN_FN,
        examples=example_gen.outputs["examples"],
        transform_graph=transform.outputs["transform_graph"],
        # Exported with the model, which serving checks requests against.
        schema=curated_schema.outputs["schema"],
        train_args=train_args,
        eval_args=trainer_pb2.EvalArgs(num_steps=config.eval_steps),
        custom_config={**config.hyperparameters.to_custom_config(), **code})
    # Not TFX's Resolver: open-source KFP cannot run one (see the component).
    latest_blessed_model = LatestBlessedModel(
        candidate=trainer.outputs["model"], push_directory=config.serving_dir)
    evaluator = Evaluator(
        examples=example_gen.outputs["examples"],
        model=trainer.outputs["model"],
        baseline_model=latest_blessed_model.outputs["baseline"],
        example_splits=["eval"],
        eval_config=eval_config(config))
    pusher = Pusher(
        model=trainer.outputs["model"],
        model_blessing=evaluator.outputs["blessing"],
        custom_executor_spec=executor_spec.ExecutorClassSpec(atomic_pusher.Executor),
        push_destination=pusher_pb2.PushDestination(
            filesystem=pusher_pb2.PushDestination.Filesystem(
                base_directory=config.serving_dir)))
    components: List = [
        example_gen, statistics_gen, inferred_schema, curated_schema,
        example_validator, *([serving_example_gen] if serving_example_gen else []),
        drift_skew_check, anomaly_gate, transform, trainer,
        latest_blessed_model, evaluator, pusher,
    ]
    return Pipeline(
        pipeline_name=config.pipeline_name,
        pipeline_root=config.pipeline_root,
        components=components,
        enable_cache=config.enable_cache,
        metadata_connection_config=metadata,
        beam_pipeline_args=list(config.beam_args))

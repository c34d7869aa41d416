"""`create_pipeline(config)`: the one wiring of the taxi pipeline's components.

    ExampleGen -> StatisticsGen -> SchemaGen (inferred, kept for review)
    CuratedSchemaImporter (schema/, content-keyed ImportSchemaGen)
                                -> ExampleValidator (vs the curated schema)
                                -> AnomalyGate -> Transform -> Trainer
                                -> Evaluator (vs latest blessed) -> Pusher

Every runner compiles this same pipeline. Functions that run inside
components are referenced by import path, so no user-module wheel is built.
Importing this module loads TFX; the CLI imports it only when it runs.
"""

from __future__ import annotations

from typing import List, Optional

import tensorflow_model_analysis as tfma
from tfx import v1 as tfx

from components import features
from components.anomaly_gate import AnomalyGate
from components.contract import SERVING_SIGNATURE, TRANSFORM_SIGNATURE
from components.curated_schema import CuratedSchemaImporter
from pipeline.config import PipelineConfig
from pipeline.fingerprint import source_fingerprint

PREPROCESSING_FN = "components.preprocessing.preprocessing_fn"
RUN_FN = "components.model.run_fn"
LATEST_BLESSED_MODEL = "latest_blessed_model_resolver"


def _example_gen(config: PipelineConfig):
    input_config = tfx.proto.Input(splits=[
        tfx.proto.Input.Split(name="all", pattern=config.input_pattern)])
    output_config = tfx.proto.Output(split_config=tfx.proto.SplitConfig(splits=[
        tfx.proto.SplitConfig.Split(name="train", hash_buckets=config.train_buckets),
        tfx.proto.SplitConfig.Split(name="eval", hash_buckets=config.eval_buckets),
    ]))
    return tfx.components.CsvExampleGen(
        input_base=str(config.data_root.resolve()),
        input_config=input_config, output_config=output_config)


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


def create_pipeline(config: PipelineConfig) -> tfx.dsl.Pipeline:
    # Part of Transform's and Trainer's cache keys: new code, new outputs.
    code = {"code_fingerprint": source_fingerprint()}
    example_gen = _example_gen(config)
    statistics_gen = tfx.components.StatisticsGen(
        examples=example_gen.outputs["examples"])
    inferred_schema = tfx.components.SchemaGen(
        statistics=statistics_gen.outputs["statistics"])
    curated_schema = CuratedSchemaImporter(
        schema_file=str(config.schema_path.resolve()))
    example_validator = tfx.components.ExampleValidator(
        statistics=statistics_gen.outputs["statistics"],
        schema=curated_schema.outputs["schema"])
    anomaly_gate = AnomalyGate(
        statistics=statistics_gen.outputs["statistics"],
        anomalies=example_validator.outputs["anomalies"])
    transform = tfx.components.Transform(
        examples=example_gen.outputs["examples"],
        schema=curated_schema.outputs["schema"],
        preprocessing_fn=PREPROCESSING_FN,
        custom_config=code,
        # StatisticsGen already describes the raw data; Transform's own
        # pre/post statistics would add two full Beam passes.
        disable_statistics=True)
    transform.add_upstream_node(anomaly_gate)
    trainer = tfx.components.Trainer(
        run_fn=RUN_FN,
        examples=transform.outputs["transformed_examples"],
        transform_graph=transform.outputs["transform_graph"],
        train_args=tfx.proto.TrainArgs(num_steps=config.train_steps),
        eval_args=tfx.proto.EvalArgs(num_steps=config.eval_steps),
        custom_config={**config.hyperparameters.to_custom_config(), **code})
    latest_blessed_model = tfx.dsl.Resolver(
        strategy_class=tfx.dsl.experimental.LatestBlessedModelStrategy,
        model=tfx.dsl.Channel(type=tfx.types.standard_artifacts.Model),
        model_blessing=tfx.dsl.Channel(
            type=tfx.types.standard_artifacts.ModelBlessing),
    ).with_id(LATEST_BLESSED_MODEL)
    evaluator = tfx.components.Evaluator(
        examples=example_gen.outputs["examples"],
        model=trainer.outputs["model"],
        baseline_model=latest_blessed_model.outputs["model"],
        example_splits=["eval"],
        eval_config=eval_config(config))
    pusher = tfx.components.Pusher(
        model=trainer.outputs["model"],
        model_blessing=evaluator.outputs["blessing"],
        push_destination=tfx.proto.PushDestination(
            filesystem=tfx.proto.PushDestination.Filesystem(
                base_directory=str(config.serving_dir.resolve()))))
    components: List = [
        example_gen, statistics_gen, inferred_schema, curated_schema,
        example_validator, anomaly_gate, transform, trainer,
        latest_blessed_model, evaluator, pusher,
    ]
    return tfx.dsl.Pipeline(
        pipeline_name=config.pipeline_name,
        pipeline_root=str(config.pipeline_root.resolve()),
        components=components,
        enable_cache=config.enable_cache,
        metadata_connection_config=tfx.orchestration.metadata
        .sqlite_metadata_connection_config(str(config.metadata_path.resolve())),
        beam_pipeline_args=list(config.beam_args))

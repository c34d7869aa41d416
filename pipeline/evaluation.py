"""The Evaluator's bar: what a new model must score, alone and against the
latest blessed one, before Pusher may push it."""

from __future__ import annotations

from typing import Optional

import tensorflow_model_analysis as tfma

from components import features
from components.trainer.contract import SERVING_SIGNATURE, TRANSFORM_SIGNATURE
from pipeline.config import PipelineConfig


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
            value_threshold=tfma.GenericValueThreshold(lower_bound={"value": floor})
        )
        if max_drop is not None:
            # Ignored on the first run, when no blessed baseline exists.
            threshold.change_threshold.CopyFrom(
                tfma.GenericChangeThreshold(
                    direction=tfma.MetricDirection.HIGHER_IS_BETTER, absolute={"value": -max_drop}
                )
            )
        return [tfma.PerSliceMetricThreshold(slicing_specs=overall, threshold=threshold)]

    return tfma.EvalConfig(
        model_specs=[
            tfma.ModelSpec(
                signature_name=SERVING_SIGNATURE,
                label_key=features.LABEL.name,
                preprocessing_function_names=[TRANSFORM_SIGNATURE],
            )
        ],
        slicing_specs=overall + [tfma.SlicingSpec(feature_keys=["payment_type"])],
        metrics_specs=[
            tfma.MetricsSpec(
                metrics=[
                    tfma.MetricConfig(class_name="ExampleCount"),
                    tfma.MetricConfig(
                        class_name="AUC",
                        per_slice_thresholds=gate(thresholds.min_auc, thresholds.max_auc_drop),
                    ),
                    tfma.MetricConfig(
                        class_name="BinaryAccuracy",
                        per_slice_thresholds=gate(thresholds.min_binary_accuracy),
                    ),
                ]
            )
        ],
    )

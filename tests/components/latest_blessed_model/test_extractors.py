"""The Evaluator's extractors: each batch cut to what metrics and slices read,
with the same metrics as TFMA's default extractors."""

import numpy as np
import pytest
import tensorflow_model_analysis as tfma
from tensorflow_model_analysis.extractors import unbatch_extractor

from components.latest_blessed_model import extractors
from pipeline import node_ids
from pipeline.config import PipelineConfig
from pipeline.evaluation import eval_config


def test_the_slicing_features_are_those_of_the_specs_and_the_thresholds():
    config = tfma.EvalConfig(
        slicing_specs=[tfma.SlicingSpec(), tfma.SlicingSpec(feature_keys=["payment_type"])],
        metrics_specs=[
            tfma.MetricsSpec(
                metrics=[
                    tfma.MetricConfig(
                        class_name="AUC",
                        per_slice_thresholds=[
                            tfma.PerSliceMetricThreshold(
                                slicing_specs=[
                                    tfma.SlicingSpec(feature_values={"company": "Flash Cab"})
                                ]
                            )
                        ],
                    )
                ]
            )
        ],
    )
    assert extractors.slicing_features(config) == {"payment_type", "company"}
    assert extractors.slicing_features(eval_config(PipelineConfig())) == {"payment_type"}


def test_a_batch_keeps_labels_predictions_weights_and_slicing_features_only():
    column = np.array([1.0, 2.0])
    batch = {
        "input": np.array([b"a", b"b"]),
        "arrow_record_batch": object(),
        "labels": column,
        "predictions": {"candidate": column, "baseline": column},
        "example_weights": column,
        "features": {"payment_type": np.array([b"Cash", b"Card"]), "fare": column},
        "transformed_features": {
            "candidate": {"payment_type": column, "fare_xf": column},
            "baseline": {"fare_xf": column},
        },
    }
    kept = extractors.pruned(batch, {"payment_type"})
    assert set(kept) == {
        "labels",
        "predictions",
        "example_weights",
        "features",
        "transformed_features",
    }
    assert kept["predictions"] is batch["predictions"]
    assert set(kept["features"]) == {"payment_type"}
    # Per model, as TFMA keys them when it evaluates a baseline too.
    assert kept["transformed_features"] == {"candidate": {"payment_type": column}}
    assert set(extractors.pruned(batch, set())) == {"labels", "predictions", "example_weights"}


def test_batches_are_pruned_right_before_they_are_split():
    config = tfma.EvalConfig(
        model_specs=[tfma.ModelSpec(label_key="big_tipper")],
        slicing_specs=[tfma.SlicingSpec(feature_keys=["payment_type"])],
    )
    stages = [
        extractor.stage_name
        for extractor in extractors.custom_extractors(None, config, tensor_adapter_config=None)
    ]
    defaults = [extractor.stage_name for extractor in tfma.default_extractors(eval_config=config)]
    unbatch = defaults.index(unbatch_extractor.UNBATCH_EXTRACTOR_STAGE_NAME)
    assert stages == defaults[:unbatch] + [extractors.PRUNE_STAGE_NAME] + defaults[unbatch:]


@pytest.mark.slow
def test_the_runs_metrics_equal_those_of_tfma_default_extractors(small_run, tmp_path):
    """Re-evaluates the run's model on the run's eval split with TFMA's
    default extractors: every metric of every slice is the same."""
    import glob

    import apache_beam as beam
    from tfx.utils import path_utils
    from tfx_bsl.public import tfxio

    config, _, components = small_run
    [model] = components[node_ids.TRAINER]["outputs"]["model"]
    [evaluation] = components[node_ids.EVALUATOR]["outputs"]["evaluation"]
    files = sorted(
        path
        for examples in components[node_ids.CSV_EXAMPLE_GEN]["outputs"]["examples"]
        for path in glob.glob(f"{examples['uri']}/Split-eval/*")
    )
    # As TFX's Evaluator updates it on a first run (no baseline).
    run_config = tfma.utils.update_eval_config_with_defaults(
        eval_config(config), has_baseline=False, rubber_stamp=True
    )
    shared_model = tfma.default_eval_shared_model(
        eval_saved_model_path=path_utils.serving_model_path(model["uri"]), eval_config=run_config
    )
    source = tfxio.TFExampleRecord(files, raw_record_column_name=tfma.ARROW_INPUT_COLUMN)
    with beam.Pipeline() as pipeline:
        _ = (
            pipeline
            | source.BeamSource()
            | tfma.ExtractEvaluateAndWriteResults(
                eval_shared_model=shared_model,
                eval_config=run_config,
                output_path=str(tmp_path),
            )
        )

    def metrics(path):
        return {
            slice_key: values[""][""]
            for slice_key, values in tfma.load_eval_result(path).slicing_metrics
        }

    expected, seen = metrics(str(tmp_path)), metrics(evaluation["uri"])
    assert len(expected) > 1  # The overall slice and the payment types.
    assert seen == expected

"""Why a model was refused: sentences from hand-made TFMA ValidationResults,
one per kind of failure, and from TFMA's own validator on the pipeline's bar."""

import math

import pytest
from tensorflow_model_analysis.proto import config_pb2, validation_result_pb2

from pipeline.runners.local import ModelNotBlessedError
from pipeline.runners.refusal import refusal_reasons


def _floor(bound):
    return config_pb2.MetricThreshold(
        value_threshold=config_pb2.GenericValueThreshold(lower_bound={"value": bound})
    )


def _max_drop(drop):
    return config_pb2.MetricThreshold(
        change_threshold=config_pb2.GenericChangeThreshold(
            direction=config_pb2.MetricDirection.HIGHER_IS_BETTER, absolute={"value": -drop}
        )
    )


def _validation(*failures, slice_key=None):
    """A refused ValidationResult: failures as (name, value, threshold, is_diff)."""
    result = validation_result_pb2.ValidationResult(validation_ok=False)
    per_slice = result.metric_validations_per_slice.add()
    per_slice.slice_key.SetInParent()  # The overall slice: no columns.
    if slice_key:
        per_slice.slice_key.single_slice_keys.add(column=slice_key[0], bytes_value=slice_key[1])
    for name, value, threshold, is_diff in failures:
        failure = per_slice.failures.add()
        failure.metric_key.name = name
        failure.metric_key.model_name = "candidate"
        failure.metric_key.is_diff = is_diff
        failure.metric_value.double_value.value = value
        failure.metric_threshold.CopyFrom(threshold)
    return result


def test_a_metric_below_its_floor_gives_value_and_floor():
    validation = _validation(
        ("auc", 0.8123, _floor(0.9), False), ("binary_accuracy", 0.8, _floor(0.85), False)
    )
    assert refusal_reasons(validation) == [
        "auc 0.8123 is below the required 0.9000",
        "binary_accuracy 0.8000 is below the required 0.8500",
    ]


def test_an_undefined_metric_says_so_and_gives_the_floor():
    validation = _validation(("auc", math.nan, _floor(0.9), False))
    assert refusal_reasons(validation, {"auc": math.nan}) == [
        "auc is undefined (NaN: e.g. no positive label in the eval split); "
        "it must be at least 0.9000"
    ]


def test_a_drop_against_the_blessed_model_gives_both_values_and_the_allowed_drop():
    # TFMA's diff metric: candidate minus baseline.
    validation = _validation(("auc", 0.915 - 0.93, _max_drop(0.01), True))
    assert refusal_reasons(validation, {"auc": 0.915, "binary_accuracy": 0.9}) == [
        "auc dropped 0.0150 against the blessed model (0.9300 -> 0.9150), "
        "more than the allowed 0.0100"
    ]
    # Without the candidate's metrics, still the drop and the allowance.
    assert refusal_reasons(validation) == [
        "auc dropped 0.0150 against the blessed model, more than the allowed 0.0100"
    ]


def test_a_failure_on_a_slice_names_it_and_ignores_the_overall_metrics():
    validation = _validation(
        ("auc", -0.02, _max_drop(0.01), True), slice_key=("payment_type", b"Cash")
    )
    assert refusal_reasons(validation, {"auc": 0.95}) == [
        "payment_type=Cash: auc dropped 0.0200 against the blessed model, "
        "more than the allowed 0.0100"
    ]


def test_a_missing_metric_or_slice_is_a_reason_too():
    validation = _validation()
    failure = validation.metric_validations_per_slice[0].failures.add(message="Metric not found.")
    failure.metric_key.name = "auc"
    failure.metric_threshold.CopyFrom(_floor(0.9))
    validation.missing_slices.add()  # The overall slice: no examples at all.
    assert refusal_reasons(validation) == [
        "auc has no value (Metric not found.); it must be at least 0.9000",
        "no metrics for the whole eval split (is it empty?), "
        "so its thresholds could not be checked",
    ]


@pytest.fixture(scope="module")
def validate():
    """TFMA's validator on the pipeline's own bar, set up the way TFX's
    Evaluator sets it up when a blessed baseline exists."""
    import tensorflow_model_analysis as tfma
    from tensorflow_model_analysis.evaluators import metrics_validator
    from tensorflow_model_analysis.metrics import metric_types

    from pipeline.config import PipelineConfig
    from pipeline.evaluation import eval_config

    config = tfma.utils.update_eval_config_with_defaults(
        eval_config(PipelineConfig()), has_baseline=True, rubber_stamp=True
    )

    def run(candidate, baseline):
        metrics = {}
        for name in candidate:
            key = metric_types.MetricKey(name=name, model_name="candidate", example_weighted=False)
            metrics[key] = candidate[name]
            metrics[key.make_baseline_key("baseline")] = baseline[name]
            metrics[key.make_diff_key()] = candidate[name] - baseline[name]
        return metrics_validator.validate_metrics(((), metrics), config)

    return run


def test_tfma_fails_an_undefined_auc_and_every_failure_gets_a_sentence(validate):
    candidate = {"auc": math.nan, "binary_accuracy": 0.8}
    validation = validate(candidate, baseline={"auc": 0.93, "binary_accuracy": 0.9})
    assert not validation.validation_ok
    assert refusal_reasons(validation, candidate) == [
        "auc is undefined (NaN: e.g. no positive label in the eval split); "
        "it must be at least 0.9000",
        "auc cannot be compared with the blessed model's (NaN: e.g. no positive label "
        "in the eval split); it may be at most 0.0100 below it",
        "binary_accuracy 0.8000 is below the required 0.8500",
    ]


def test_tfma_fails_a_drop_past_the_allowance_and_the_sentence_gives_it(validate):
    candidate = {"auc": 0.915, "binary_accuracy": 0.9}
    validation = validate(candidate, baseline={"auc": 0.93, "binary_accuracy": 0.9})
    assert not validation.validation_ok
    assert refusal_reasons(validation, candidate) == [
        "auc dropped 0.0150 against the blessed model (0.9300 -> 0.9150), "
        "more than the allowed 0.0100"
    ]


def test_the_not_blessed_error_lists_every_reason_on_its_own_line():
    error = ModelNotBlessedError(["auc 0.8123 is below the required 0.9000", "b; c"])
    assert str(error) == (
        "the Evaluator did not bless the new model, so nothing was pushed:\n"
        "  - auc 0.8123 is below the required 0.9000\n"
        "  - b; c"
    )
    assert "see the Evaluator output" in str(ModelNotBlessedError([]))

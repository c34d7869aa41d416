"""Why the Evaluator refused a model, one sentence per missed threshold.

TFMA leaves `ValidationFailure.message` empty when a metric simply misses its
bound, so the sentences are built from the failure's own value and threshold:
they state exactly what TFMA checked, whatever the config says now. Reads the
protos only (no TensorFlow import), so it is unit-tested on hand-made results.
"""

from __future__ import annotations

import math
from typing import List, Mapping, Optional

from google.protobuf import text_format

# What a NaN metric means here: AUC has no value on an eval split without a
# positive label (or without a negative one).
NAN_CAUSE = "NaN: e.g. no positive label in the eval split"
# tfma.MetricDirection's values, which say which way a change threshold points.
LOWER_IS_BETTER = 1
HIGHER_IS_BETTER = 2


def refusal_reasons(
    validation, candidate_metrics: Optional[Mapping[str, float]] = None
) -> List[str]:
    """One sentence per threshold the new model missed, in TFMA's order.

    `validation` is a tfma ValidationResult; `candidate_metrics` the new
    model's overall-slice metrics by name, which let a drop against the
    blessed model show both values (TFMA's failure holds only the change).
    """
    reasons = []
    for slice_failures in validation.metric_validations_per_slice:
        where = _slice_name(slice_failures)
        # The overall metrics say nothing about another slice's values.
        metrics = (candidate_metrics or {}) if where is None else {}
        for failure in slice_failures.failures:
            if failure.metric_key.is_diff:
                reason = _change_reason(failure, metrics.get(failure.metric_key.name))
            else:
                reason = _value_reason(failure)
            reasons.append(reason if where is None else f"{where}: {reason}")
    return reasons + _missing_reasons(validation)


def _slice_name(slice_failures) -> Optional[str]:
    """None for the whole eval split, else e.g. `payment_type=Cash`."""
    if slice_failures.HasField("cross_slice_key"):
        return "a cross slice"
    keys = slice_failures.slice_key.single_slice_keys
    if not keys:
        return None
    return ", ".join(f"{key.column}={_slice_value(key)}" for key in keys)


def _slice_value(key) -> str:
    kind = key.WhichOneof("kind")
    value = getattr(key, kind) if kind else ""
    return value.decode() if isinstance(value, bytes) else str(value)


def _value_reason(failure) -> str:
    """A metric outside its value threshold (a floor, here), or undefined."""
    name = failure.metric_key.name
    bounds = failure.metric_threshold.value_threshold
    required = _requirement(bounds)
    if not failure.HasField("metric_value"):
        # TFMA's own message, e.g. "Metric not found.", is all there is.
        return f"{name} has no value ({failure.message.strip()}); it must be {required}"
    value = failure.metric_value.double_value.value
    if math.isnan(value):
        return f"{name} is undefined ({NAN_CAUSE}); it must be {required}"
    if bounds.HasField("lower_bound") and value < bounds.lower_bound.value:
        return f"{name} {value:.4f} is below the required {bounds.lower_bound.value:.4f}"
    if bounds.HasField("upper_bound") and value > bounds.upper_bound.value:
        return f"{name} {value:.4f} is above the allowed {bounds.upper_bound.value:.4f}"
    return f"{name} {value:.4f} failed its threshold; it must be {required}"


def _requirement(bounds) -> str:
    lower = bounds.lower_bound.value if bounds.HasField("lower_bound") else None
    upper = bounds.upper_bound.value if bounds.HasField("upper_bound") else None
    if lower is not None and upper is not None:
        return f"between {lower:.4f} and {upper:.4f}"
    if upper is not None:
        return f"at most {upper:.4f}"
    return f"at least {lower:.4f}" if lower is not None else "defined"


def _change_reason(failure, candidate: Optional[float]) -> str:
    """The candidate against the blessed model: TFMA's diff metric is
    candidate minus baseline, and the threshold bounds that difference."""
    name = failure.metric_key.name
    change = failure.metric_threshold.change_threshold
    if not failure.HasField("metric_value"):
        return f"{name} has no change against the blessed model ({failure.message.strip()})"
    diff = failure.metric_value.double_value.value
    if change.HasField("relative") or change.direction not in _WORSE_VERBS:
        # Not a threshold this pipeline sets: TFMA's own words for it.
        threshold = text_format.MessageToString(change, as_one_line=True)
        return f"{name} changed {diff:+.4f} against the blessed model, outside {{{threshold}}}"
    return _absolute_change_reason(name, diff, change, candidate)


# How a metric gets worse, by the direction its change threshold points.
_WORSE_VERBS = {HIGHER_IS_BETTER: ("dropped", "below"), LOWER_IS_BETTER: ("rose", "above")}


def _absolute_change_reason(name: str, diff: float, change, candidate: Optional[float]) -> str:
    """E.g. `auc dropped 0.0150 against the blessed model (0.9300 -> 0.9150),
    more than the allowed 0.0100`."""
    verb, side = _WORSE_VERBS[change.direction]
    better = 1 if change.direction == HIGHER_IS_BETTER else -1
    # The threshold bounds the signed change; people think in how much worse.
    allowed, worse = -better * change.absolute.value, -better * diff
    if math.isnan(diff):
        return (
            f"{name} cannot be compared with the blessed model's ({NAN_CAUSE}); "
            f"it may be at most {allowed:.4f} {side} it"
        )
    values = "" if candidate is None else f" ({candidate - diff:.4f} -> {candidate:.4f})"
    if worse > 0 and allowed >= 0:
        return (
            f"{name} {verb} {worse:.4f} against the blessed model{values}, "
            f"more than the allowed {allowed:.4f}"
        )
    # A threshold that demands an improvement.
    bound = "at least" if better == 1 else "at most"
    return (
        f"{name} changed {diff:+.4f} against the blessed model{values}; "
        f"it must change by {bound} {change.absolute.value:+.4f}"
    )


def _missing_reasons(validation) -> List[str]:
    """A refusal with no metric failure: TFMA found nothing to check."""
    reasons = [
        f"no metrics for {_spec_name(spec)}, so its thresholds could not be checked"
        for spec in validation.missing_slices
    ]
    if validation.missing_cross_slices:
        reasons.append("no metrics for a cross slice, so its thresholds could not be checked")
    if validation.missing_thresholds:
        reasons.append("the Evaluator was given no thresholds to check")
    return reasons


def _spec_name(spec) -> str:
    if not spec.feature_keys and not spec.feature_values:
        return "the whole eval split (is it empty?)"
    values = [f"{key}={value}" for key, value in sorted(spec.feature_values.items())]
    return "the slice " + ", ".join(list(spec.feature_keys) + values)

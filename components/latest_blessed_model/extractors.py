"""The Evaluator's extractors: TFMA's defaults, with each batch cut down to
what the metrics and the slices read before TFMA splits it into examples
(TFX's Evaluator looks `custom_extractors` up by name in the component's
`module_path`).

TFMA turns every batch into one Python dict per example and model before
slicing (`UnbatchExtractor`): every raw feature, every model's transformed
features, the serialized input. The metrics read only the labels,
predictions and example weights, the slices only their features. (No
Reshuffle to spread the window's single source over the workers: the
DirectRunner holds a Reshuffle's input in memory, 7 GiB at 5M rows.)

The metrics are TFMA's default extractors' (a test compares them), so the
code fingerprint need not cover this module.
"""

from __future__ import annotations

from typing import Any, Dict, List, Set

import apache_beam as beam
import tensorflow_model_analysis as tfma
from tensorflow_model_analysis import constants
from tensorflow_model_analysis.extractors import unbatch_extractor

PRUNE_STAGE_NAME = "KeepWhatMetricsAndSlicesRead"
# Read by the metrics; the features are cut to the slicing keys.
_KEPT = (
    constants.LABELS_KEY,
    constants.PREDICTIONS_KEY,
    constants.EXAMPLE_WEIGHTS_KEY,
    constants.SLICE_KEY_TYPES_KEY,
)


def slicing_features(eval_config: tfma.EvalConfig) -> Set[str]:
    """Every feature a slicing spec (or a per-slice threshold's) keys on."""
    specs = list(eval_config.slicing_specs)
    for metrics_spec in eval_config.metrics_specs:
        for metric in metrics_spec.metrics:
            for threshold in metric.per_slice_thresholds:
                specs.extend(threshold.slicing_specs)
    return {key for spec in specs for key in (*spec.feature_keys, *spec.feature_values)}


def _only(features: Dict[str, Any], keys: Set[str]) -> Dict[str, Any]:
    """`features` cut to `keys`; a nested dict (one model's transformed
    features, when several models are evaluated) is cut the same way."""
    kept = {}
    for key, value in features.items():
        if isinstance(value, dict):
            value = _only(value, keys)
            if value:
                kept[key] = value
        elif key in keys:
            kept[key] = value
    return kept


def pruned(batch: Dict[str, Any], features: Set[str]) -> Dict[str, Any]:
    """The batched extract with only what metrics and slices read: TFMA
    slices on a transformed feature first, then on a raw one."""
    kept = {key: batch[key] for key in _KEPT if key in batch}
    for key in (constants.FEATURES_KEY, constants.TRANSFORMED_FEATURES_KEY):
        cut = _only(batch.get(key) or {}, features)
        if cut:
            kept[key] = cut
    return kept


@beam.ptransform_fn
def _Prune(extracts: beam.pvalue.PCollection, features: Set[str]) -> beam.pvalue.PCollection:
    return extracts | "Prune" >> beam.Map(pruned, features)


def custom_extractors(eval_shared_model, eval_config, tensor_adapter_config) -> List[Any]:
    """TFMA's default extractors with each batch pruned right before TFMA
    splits it into examples."""
    extractors = tfma.default_extractors(
        eval_shared_model=eval_shared_model,
        eval_config=eval_config,
        tensor_adapter_config=tensor_adapter_config,
    )
    [unbatch] = [
        index
        for index, extractor in enumerate(extractors)
        if extractor.stage_name == unbatch_extractor.UNBATCH_EXTRACTOR_STAGE_NAME
    ]
    prune = tfma.extractors.Extractor(
        stage_name=PRUNE_STAGE_NAME, ptransform=_Prune(slicing_features(eval_config))
    )
    return extractors[:unbatch] + [prune] + extractors[unbatch:]

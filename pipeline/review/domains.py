"""What the schema allows, as the report draws it: each feature's domain
(numeric bounds or allowed values) and, for an anomaly, the schema rule it
broke. Protobuf only."""

from __future__ import annotations

from typing import Dict, Optional

from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import schema_pb2

# The comparator fields of a feature, by the split of DriftSkewCheck's
# anomalies that applies them (drift is the default).
SKEW_SPLITS = ("serving_skew",)


def _string_domain(schema: schema_pb2.Schema, feature: schema_pb2.Feature):
    if feature.HasField("string_domain"):
        return feature.string_domain
    if feature.HasField("domain"):
        return next((d for d in schema.string_domain if d.name == feature.domain), None)
    return None


def domain(schema: schema_pb2.Schema, feature: schema_pb2.Feature) -> Optional[Dict]:
    """{"min", "max"} (either may be absent) or {"values"}; None when unconstrained."""
    kind = feature.WhichOneof("domain_info")
    if kind in ("int_domain", "float_domain"):
        bounds = getattr(feature, kind)
        limits = {key: getattr(bounds, key) for key in ("min", "max") if bounds.HasField(key)}
        return limits or None
    strings = _string_domain(schema, feature)
    return {"values": list(strings.value)} if strings is not None else None


def _one_line(message) -> str:
    return text_format.MessageToString(message, as_one_line=True)


def _field(feature: schema_pb2.Feature, name: str) -> str:
    return f"{name} {{ {_one_line(getattr(feature, name))} }}" if feature.HasField(name) else ""


def _domain_rule(schema: schema_pb2.Schema, feature: schema_pb2.Feature) -> str:
    strings = _string_domain(schema, feature)
    if strings is not None:
        shown = ", ".join(f'"{v}"' for v in strings.value[:8])
        more = f", ... ({len(strings.value)} values)" if len(strings.value) > 8 else ""
        return f"string_domain {strings.name or feature.name!r}: {shown}{more}"
    kind = feature.WhichOneof("domain_info")
    return _field(feature, kind) if kind else ""


def broken_rule(
    schema: schema_pb2.Schema, feature_name: str, anomaly_type: str, split: str = ""
) -> str:
    """The part of the schema an anomaly of `anomaly_type` (an AnomalyInfo.Type
    name) broke, in protobuf text; the feature's whole entry when the type
    names no single rule."""
    if feature_name == "dataset":
        return f"dataset_constraints {{ {_one_line(schema.dataset_constraints)} }}"
    feature = next((f for f in schema.feature if f.name == feature_name), None)
    if feature is None:
        return f"no feature {feature_name!r} in the schema"
    rule = ""
    if anomaly_type.startswith("COMPARATOR_"):
        rule = _field(feature, "skew_comparator" if split in SKEW_SPLITS else "drift_comparator")
    elif anomaly_type.startswith("ENUM_TYPE_") or anomaly_type.endswith(
        ("_BIG_INT", "_SMALL_INT", "_BIG_FLOAT", "_SMALL_FLOAT", "_HAS_NAN", "_HAS_INF")
    ):
        rule = _domain_rule(schema, feature)
    elif "PRESENT" in anomaly_type or anomaly_type == "SCHEMA_MISSING_COLUMN":
        rule = _field(feature, "presence")
    elif "NUMBER_VALUES" in anomaly_type or "VALUE_COUNT" in anomaly_type:
        rule = _field(feature, "value_count")
    elif anomaly_type == "UNEXPECTED_DATA_TYPE" or "_NOT_" in anomaly_type:
        rule = f"type: {schema_pb2.FeatureType.Name(feature.type)}"
    return rule or f"feature {{ {_one_line(feature)} }}"

"""Checks serving requests against the curated schema's SERVING environment.

The same schema the pipeline's gate enforces on training data, read from the
model's own copy (the Trainer writes it beside the SavedModel), so a request
is judged by the rules the served model was trained under. Each instance is
one raw trip in TensorFlow Serving's row format: feature name to a value, or
to a list of values. A bad instance raises `BadInstance` naming the instance
and the field; nothing is dropped or coerced silently.

Protobuf only, no TensorFlow: cheap to load and to test.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Optional, Sequence

from components.features import RAW_FEATURES, RawType
from components.rows.csv_records import TYPE_WORDS, typed_values

SERVING_ENVIRONMENT = "SERVING"
_INT64_RANGE = (-(2**63), 2**63 - 1)
_FLOAT32_MAX = 3.4028234663852886e38


# Raw columns a client sends, by the feature spec (tested equal to the
# curated schema's SERVING environment).
_SERVING_TYPES = {f.name: f.raw_type for f in RAW_FEATURES if f.present_at_serving}


def csv_instance(header: Sequence[str], fields: Sequence[str]) -> Dict[str, Any]:
    """A row of a trips CSV as a client would send it: the serving features
    that have a value, typed by the feature spec. Other columns (the trip_id
    key, the label source tips) and empty cells are left out; ValueError if
    a cell does not parse as its type."""
    values = typed_values(header, _SERVING_TYPES, fields)
    return {name: value for name, value in values.items() if value is not None}


class BadInstance(ValueError):
    """An instance the schema refuses: where it is, which field, and why."""

    def __init__(self, where: str, field: Optional[str], problem: str):
        super().__init__(where, field, problem)
        self.where, self.field, self.problem = where, field, problem

    def __str__(self) -> str:
        return f"{self.where}{'.' + self.field if self.field else ''}: {self.problem}"


@dataclasses.dataclass(frozen=True)
class FeatureRule:
    """What the schema allows for one feature in a serving request."""

    name: str
    raw_type: RawType
    min_values: int
    max_values: Optional[int]
    minimum: Optional[float] = None
    maximum: Optional[float] = None
    allow_nan: bool = True
    allow_inf: bool = True
    # None: any string. Kept only where every value must be in the domain.
    domain: Optional[FrozenSet[str]] = None

    def check(self, values: Sequence[Any]) -> Optional[str]:
        """Why `values` break this rule, or None."""
        if len(values) < self.min_values:
            return "missing (the schema requires a value)"
        if self.max_values is not None and len(values) > self.max_values:
            return f"{len(values)} values, at most {self.max_values} allowed"
        for value in values:
            problem = self._value_problem(value)
            if problem:
                return problem
        return None

    def _value_problem(self, value: Any) -> Optional[str]:
        # One call per value on the request path: exact types (JSON gives
        # int, float, str, bool, None, list or dict; bool is not a number).
        kind = type(value)
        if self.raw_type == RawType.BYTES:
            if kind is not str:
                return f"{value!r} is not {TYPE_WORDS[self.raw_type]}"
            if self.domain is not None and value not in self.domain:
                return f"{value!r} is not one of {sorted(self.domain)}"
            return None
        if kind is int:
            if not _INT64_RANGE[0] <= value <= _INT64_RANGE[1]:
                return f"{value} does not fit in 64 bits"
        elif kind is not float or self.raw_type == RawType.INT:
            return f"{value!r} is not {TYPE_WORDS[self.raw_type]}"
        elif value != value:
            return None if self.allow_nan else "NaN is not allowed"
        if self.raw_type == RawType.FLOAT and abs(value) > _FLOAT32_MAX:
            return None if self.allow_inf else f"{value} is not a finite 32-bit float"
        if self.minimum is not None and value < self.minimum:
            return f"{value} is below the schema's minimum {self.minimum:g}"
        if self.maximum is not None and value > self.maximum:
            return f"{value} is above the schema's maximum {self.maximum:g}"
        return None


def _in_serving(feature, default_environments: Sequence[str]) -> bool:
    if SERVING_ENVIRONMENT in feature.not_in_environment:
        return False
    return (
        SERVING_ENVIRONMENT in feature.in_environment or SERVING_ENVIRONMENT in default_environments
    )


_SCHEMA_TYPES = {"INT": RawType.INT, "FLOAT": RawType.FLOAT, "BYTES": RawType.BYTES}


def _string_domain(feature, schema) -> Optional[FrozenSet[str]]:
    # A distribution constraint below 1 lets some values fall outside the
    # domain (the model maps them to out-of-vocabulary ids).
    if (
        feature.HasField("distribution_constraints")
        and feature.distribution_constraints.min_domain_mass < 1.0
    ):
        return None
    if feature.HasField("string_domain"):
        return frozenset(feature.string_domain.value)
    if feature.HasField("domain"):
        for domain in schema.string_domain:
            if domain.name == feature.domain:
                return frozenset(domain.value)
        raise ValueError(
            f"feature {feature.name!r} names string domain "
            f"{feature.domain!r}, which the schema does not define"
        )
    return None


def _rule(feature, schema) -> FeatureRule:
    from tensorflow_metadata.proto.v0 import schema_pb2

    type_name = schema_pb2.FeatureType.Name(feature.type)
    if type_name not in _SCHEMA_TYPES:
        raise ValueError(
            f"feature {feature.name!r} has type {type_name}, which serving requests cannot carry"
        )
    count = feature.value_count
    rule = {
        "name": feature.name,
        "raw_type": _SCHEMA_TYPES[type_name],
        "min_values": count.min if count.HasField("min") else 0,
        "max_values": count.max if count.HasField("max") else None,
    }
    if feature.HasField("int_domain"):
        domain = feature.int_domain
        rule.update(
            minimum=domain.min if domain.HasField("min") else None,
            maximum=domain.max if domain.HasField("max") else None,
        )
    elif feature.HasField("float_domain"):
        domain = feature.float_domain
        rule.update(
            minimum=domain.min if domain.HasField("min") else None,
            maximum=domain.max if domain.HasField("max") else None,
            allow_nan=not domain.disallow_nan,
            allow_inf=not domain.disallow_inf,
        )
    elif rule["raw_type"] == RawType.BYTES:
        rule.update(domain=_string_domain(feature, schema))
    return FeatureRule(**rule)


@dataclasses.dataclass(frozen=True)
class ServingChecks:
    """The rules of every feature a serving request may carry."""

    rules: Dict[str, FeatureRule]
    # In the schema but absent at serving time (the label source).
    not_served: FrozenSet[str]

    @classmethod
    def from_schema(cls, schema) -> "ServingChecks":
        default_environments = list(schema.default_environment)
        served = [f for f in schema.feature if _in_serving(f, default_environments)]
        return cls(
            rules={f.name: _rule(f, schema) for f in served},
            not_served=frozenset(f.name for f in schema.feature) - {f.name for f in served},
        )

    @classmethod
    def from_file(cls, path: Path) -> "ServingChecks":
        from google.protobuf import text_format
        from tensorflow_metadata.proto.v0 import schema_pb2

        try:
            schema = text_format.Parse(Path(path).read_text(), schema_pb2.Schema())
        except text_format.ParseError as error:
            raise ValueError(f"{path}: not a schema: {error}") from None
        return cls.from_schema(schema)

    @property
    def types(self) -> Dict[str, RawType]:
        return {name: rule.raw_type for name, rule in self.rules.items()}

    def check(self, instance: Any, where: str) -> Dict[str, List[Any]]:
        """Every served feature's values (an empty list when missing);
        BadInstance names `where` (e.g. "instances[3]") and the field."""
        if not isinstance(instance, dict):
            raise BadInstance(
                where, None, f"expected an object of feature values, got {type(instance).__name__}"
            )
        for name in instance:
            if name not in self.rules:
                raise BadInstance(
                    where,
                    name,
                    (
                        "not sent at serving time (absent in the schema's SERVING environment)"
                        if name in self.not_served
                        else "unknown feature"
                    ),
                )
        checked = {}
        for name, rule in self.rules.items():
            value = instance.get(name)
            values = [] if value is None else value if isinstance(value, list) else [value]
            problem = rule.check(values)
            if problem:
                raise BadInstance(where, name, problem)
            checked[name] = values
        return checked

"""The one definition of the taxi features: names, raw types, roles, encodings.

Everything else reads this module: `preprocessing_fn` dispatches on each
feature's encoding, the model sizes its inputs from the transform output this
spec produces, and the schema tests check the curated schema against it.
Nothing here imports TensorFlow, so the spec is cheap to load anywhere.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Tuple, Union


class RawType(enum.Enum):
    """Value type of a raw column, as in the curated schema."""

    INT = "INT"
    FLOAT = "FLOAT"
    BYTES = "BYTES"


@dataclasses.dataclass(frozen=True)
class LogZScore:
    """Non-negative skewed numeric: log1p, then z-score.

    A missing value is replaced by the mean of the present (log) values, so it
    lands at 0 after scaling instead of pretending to be a zero fare or trip.
    """


@dataclasses.dataclass(frozen=True)
class Vocabulary:
    """Categorical mapped through a vocabulary learned on the training data.

    Values seen fewer than `min_frequency` times, and values never seen, hash
    into `oov_buckets` out-of-vocabulary ids; a missing value is its own
    token (`MISSING_TOKEN`), so "unknown company" stays a learnable category.
    Integer codes (census tracts) are treated as strings.
    """

    top_k: int
    oov_buckets: int = 1
    min_frequency: int = 2


@dataclasses.dataclass(frozen=True)
class IntegerRange:
    """Integer code with a known closed range (community areas 1..77).

    Id 0 is reserved for missing or out-of-range values; the gate rejects
    out-of-range values in training data, so at serving they degrade to
    "unknown" rather than failing.
    """

    minimum: int
    maximum: int

    @property
    def cardinality(self) -> int:
        return self.maximum - self.minimum + 2


@dataclasses.dataclass(frozen=True)
class Coordinate:
    """Latitude or longitude bucketized by training-data quantiles.

    Bucket `num_buckets` is reserved for a missing coordinate.
    """

    num_buckets: int


@dataclasses.dataclass(frozen=True)
class StartTime:
    """Seconds since the epoch, in Chicago local time (the data set's way).

    Expands to hour of day, day of week and month, computed in the graph so
    serving derives them exactly as training did.
    """


@dataclasses.dataclass(frozen=True)
class Unused:
    """Kept in the schema and validated, but not fed to the model."""

    reason: str


@dataclasses.dataclass(frozen=True)
class LabelSource:
    """Read only to build the label; absent at serving time."""


Encoding = Union[LogZScore, Vocabulary, IntegerRange, Coordinate, StartTime, Unused, LabelSource]


@dataclasses.dataclass(frozen=True)
class RawFeature:
    """One column of the raw trips data."""

    name: str
    raw_type: RawType
    encoding: Encoding
    description: str
    # Reports show counts and distributions of a sensitive feature, never its
    # raw values.
    sensitive: bool = False
    # What a value is measured in, for the axes of the statistics report.
    unit: str = ""

    @property
    def is_model_input(self) -> bool:
        return not isinstance(self.encoding, (Unused, LabelSource))

    @property
    def present_at_serving(self) -> bool:
        return not isinstance(self.encoding, LabelSource)

    @property
    def must_have_values(self) -> bool:
        """Read by the model or the label: empty in every row of a split
        means a broken export, so the gate stops the run."""
        return not isinstance(self.encoding, Unused)

    @property
    def drift_monitored(self) -> bool:
        """Compared span to span and training to serving (thresholds in the
        curated schema): model inputs and the label source. The start time
        is the span itself, so it moves by definition."""
        return (self.is_model_input or isinstance(self.encoding, LabelSource)) and not isinstance(
            self.encoding, StartTime
        )


@dataclasses.dataclass(frozen=True)
class LocationGrid:
    """Crossed latitude x longitude buckets: one id per grid cell of the city."""

    name: str
    latitude: str
    longitude: str


@dataclasses.dataclass(frozen=True)
class BigTipperLabel:
    """The label: the tip was more than `tip_fraction` of the fare."""

    name: str
    tips: str
    fare: str
    tip_fraction: float


# Token standing in for a missing categorical value; it gets a vocabulary id
# like any other value.
MISSING_TOKEN = "__missing__"

_COORDINATE_BUCKETS = 12

RAW_FEATURES: Tuple[RawFeature, ...] = (
    RawFeature(
        "trip_start_timestamp",
        RawType.INT,
        StartTime(),
        "Trip start, Unix seconds, local time, floored to 15 minutes.",
        unit="Unix seconds",
    ),
    RawFeature("fare", RawType.FLOAT, LogZScore(), "Fare in USD.", unit="USD"),
    RawFeature(
        "trip_miles", RawType.FLOAT, LogZScore(), "Distance travelled in miles.", unit="miles"
    ),
    RawFeature(
        "trip_seconds", RawType.INT, LogZScore(), "Trip duration in seconds.", unit="seconds"
    ),
    RawFeature(
        "payment_type",
        RawType.BYTES,
        Vocabulary(top_k=20),
        "Cash, Credit Card, ...; cash tips are not recorded.",
    ),
    RawFeature(
        "company",
        RawType.BYTES,
        Vocabulary(top_k=100, oov_buckets=4),
        "Taxi company; often missing.",
    ),
    RawFeature(
        "pickup_community_area",
        RawType.INT,
        IntegerRange(1, 77),
        "Chicago community area (1-77) of the pickup.",
    ),
    RawFeature(
        "dropoff_community_area",
        RawType.INT,
        IntegerRange(1, 77),
        "Chicago community area (1-77) of the drop-off.",
    ),
    RawFeature(
        "dropoff_census_tract",
        RawType.INT,
        Vocabulary(top_k=300, oov_buckets=4),
        "Census tract of the drop-off; missing for privacy on some trips.",
        sensitive=True,
    ),
    RawFeature(
        "pickup_census_tract",
        RawType.INT,
        Unused("present in 1 of 15,002 bundled rows"),
        "Census tract of the pickup.",
        sensitive=True,
    ),
    RawFeature(
        "pickup_latitude",
        RawType.FLOAT,
        Coordinate(_COORDINATE_BUCKETS),
        "Pickup census-tract centroid latitude.",
        unit="degrees",
    ),
    RawFeature(
        "pickup_longitude",
        RawType.FLOAT,
        Coordinate(_COORDINATE_BUCKETS),
        "Pickup census-tract centroid longitude.",
        unit="degrees",
    ),
    RawFeature(
        "dropoff_latitude",
        RawType.FLOAT,
        Coordinate(_COORDINATE_BUCKETS),
        "Drop-off census-tract centroid latitude.",
        unit="degrees",
    ),
    RawFeature(
        "dropoff_longitude",
        RawType.FLOAT,
        Coordinate(_COORDINATE_BUCKETS),
        "Drop-off census-tract centroid longitude.",
        unit="degrees",
    ),
    RawFeature(
        "trip_start_hour",
        RawType.INT,
        Unused("derived from trip_start_timestamp in the graph"),
        "Hour of day, 0-23.",
        unit="hour",
    ),
    RawFeature(
        "trip_start_day",
        RawType.INT,
        Unused("derived from trip_start_timestamp in the graph"),
        "Day of week, 1 = Sunday.",
        unit="weekday",
    ),
    RawFeature(
        "trip_start_month",
        RawType.INT,
        Unused("derived from trip_start_timestamp in the graph"),
        "Month, 1-12.",
        unit="month",
    ),
    RawFeature(
        "tips",
        RawType.FLOAT,
        LabelSource(),
        "Tip in USD; 0 for cash trips, whose tips are not recorded.",
        unit="USD",
    ),
)

LOCATION_GRIDS: Tuple[LocationGrid, ...] = (
    LocationGrid("pickup_grid", "pickup_latitude", "pickup_longitude"),
    LocationGrid("dropoff_grid", "dropoff_latitude", "dropoff_longitude"),
)

LABEL = BigTipperLabel(name="big_tipper", tips="tips", fare="fare", tip_fraction=0.2)

# Categorical time parts derived from the StartTime feature, with their
# cardinality.
TIME_PARTS = {"start_hour": 24, "start_weekday": 7, "start_month": 12}
# Dense cyclic encoding of the hour, so 23:00 sits next to 00:00.
HOUR_CYCLE_FEATURES = ("start_hour_sin", "start_hour_cos")


# The trip start: the time features derive from it, and its calendar quarter
# is the span (data folders, drift checks).
START_TIME = next(f.name for f in RAW_FEATURES if isinstance(f.encoding, StartTime))


def raw_feature(name: str) -> RawFeature:
    """The spec of raw column `name`; KeyError names the unknown column."""
    for feature in RAW_FEATURES:
        if feature.name == name:
            return feature
    raise KeyError(f"no raw feature named {name!r} in the feature spec")


_OUTPUT_SUFFIXES = {LogZScore: "z", Vocabulary: "id", IntegerRange: "id", Coordinate: "bucket"}


def transformed_name(feature: RawFeature) -> str:
    """Name of the single transform output of a raw feature, e.g. 'fare_z'."""
    suffix = _OUTPUT_SUFFIXES.get(type(feature.encoding))
    if suffix is None:
        raise ValueError(f"feature {feature.name!r} has no single transform output")
    return f"{feature.name}_{suffix}"


def raw_feature_names() -> Tuple[str, ...]:
    return tuple(feature.name for feature in RAW_FEATURES)


def serving_feature_names() -> Tuple[str, ...]:
    """Raw columns a caller sends at serving time (everything but the label source)."""
    return tuple(f.name for f in RAW_FEATURES if f.present_at_serving)

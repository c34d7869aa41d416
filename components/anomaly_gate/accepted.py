"""`FEATURE:TYPE` overrides: anomalies a person reviewed and accepted.

Only protobuf is imported here, so the CLI can check overrides instantly.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Iterable, List, Tuple

from tensorflow_metadata.proto.v0 import anomalies_pb2

# The FEATURE of anomalies about a split as a whole, e.g. too few examples.
DATASET = "dataset"


@dataclasses.dataclass(frozen=True)
class AcceptedAnomaly:
    feature: str
    anomaly: str  # An AnomalyInfo.Type name, e.g. COMPARATOR_L_INFTY_HIGH.

    def __str__(self) -> str:
        return f"{self.feature}:{self.anomaly}"


def parse_accepted(text: str) -> AcceptedAnomaly:
    """'company:COMPARATOR_L_INFTY_HIGH' -> AcceptedAnomaly; ValueError otherwise."""
    feature, _, anomaly = text.rpartition(":")
    anomaly = anomaly.strip().upper()
    if not feature.strip() or not anomaly:
        raise ValueError(f"{text!r} is not FEATURE:TYPE, e.g. company:COMPARATOR_L_INFTY_HIGH")
    if anomaly not in anomalies_pb2.AnomalyInfo.Type.keys():
        raise ValueError(
            f"{text!r}: {anomaly!r} is not a TFDV anomaly type; "
            f"copy FEATURE:TYPE from the gate's message"
        )
    return AcceptedAnomaly(feature.strip(), anomaly)


def to_json(accepted: Iterable[AcceptedAnomaly]) -> str:
    """Sorted and de-duplicated, so the same overrides give the same cache key."""
    return json.dumps(sorted({str(a) for a in accepted}))


def from_json(text: str) -> Tuple[AcceptedAnomaly, ...]:
    items: List[str] = json.loads(text or "[]")
    return tuple(parse_accepted(item) for item in items)

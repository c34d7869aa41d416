"""A span as artifacts and executions carry it.

Spans are calendar quarters, numbered as quarters since 1970-01-01 (UTC) and
named by their first day ('2014-07-01'), as the data folders are. A span's
`fingerprint` identifies its input content; `version` counts the earlier
contents of the same span that were ingested (0 for the first), so TFX's
span resolvers keep the newest version of each span.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
from typing import Iterable, List, Tuple

from components.rows.spans import quarter_bounds, quarter_index, quarter_name

# Custom properties on every per-span artifact (Examples also carry TFX's own
# `span` and `version` properties; statistics and anomalies have no version).
NAME_PROPERTY = "span_name"
FINGERPRINT_PROPERTY = "span_fingerprint"
VERSION_PROPERTY = "span_version"


class SpanNameError(ValueError):
    """A name that is not the first day of a calendar quarter."""


def span_number(name: str) -> int:
    """The quarter number of a span name, e.g. 177 for '2014-04-01'."""
    try:
        day = datetime.date.fromisoformat(name)
    except ValueError as error:
        raise SpanNameError(f"{name!r} is not a date (YYYY-MM-DD)") from error
    if day.day != 1 or day.month % 3 != 1:
        raise SpanNameError(f"{name!r} is not the first day of a calendar quarter")
    moment = datetime.datetime(day.year, day.month, 1, tzinfo=datetime.timezone.utc)
    return quarter_index(int(moment.timestamp()))


@dataclasses.dataclass(frozen=True, order=True)
class Span:
    name: str
    fingerprint: str = ""
    version: int = 0

    def __post_init__(self):
        span_number(self.name)  # Refuses a name that is not a quarter.

    @property
    def number(self) -> int:
        return span_number(self.name)

    @property
    def bounds(self) -> Tuple[int, int]:
        """[begin, end) of the quarter in Unix seconds."""
        return quarter_bounds(self.number, self.number)

    @classmethod
    def of_number(cls, number: int, fingerprint: str = "", version: int = 0) -> "Span":
        return cls(quarter_name(number), fingerprint, version)


def to_json(spans: Iterable[Span]) -> str:
    return json.dumps([dataclasses.asdict(span) for span in sorted(spans)])


def from_json(text: str) -> List[Span]:
    return [Span(**fields) for fields in json.loads(text or "[]")]


def tag(artifact, span: Span) -> None:
    """Record `span` on an artifact (TFX's properties where its type has them)."""
    artifact.set_string_custom_property(NAME_PROPERTY, span.name)
    artifact.set_string_custom_property(FINGERPRINT_PROPERTY, span.fingerprint)
    artifact.set_int_custom_property(VERSION_PROPERTY, span.version)
    if "span" in (artifact.PROPERTIES or {}):
        artifact.span = span.number
    if "version" in (artifact.PROPERTIES or {}):
        artifact.version = span.version


def span_of(artifact) -> Span:
    """The span an artifact was tagged with."""
    if not artifact.has_custom_property(NAME_PROPERTY):
        raise ValueError(f"artifact {artifact.uri} carries no span")
    return Span(
        artifact.get_string_custom_property(NAME_PROPERTY),
        artifact.get_string_custom_property(FINGERPRINT_PROPERTY),
        artifact.get_int_custom_property(VERSION_PROPERTY),
    )

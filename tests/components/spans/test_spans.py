"""Spans: names, versions, the driver's choice, the resolvers' rules."""

import pytest

from components.spans.driver import to_ingest, versioned
from components.spans.record import Span, SpanNameError, from_json, to_json


def test_a_span_is_a_quarter_named_by_its_first_day():
    span = Span("2014-04-01")
    assert span.number == 177
    assert span.bounds == (1396310400, 1404172800)
    assert Span.of_number(177) == span
    for name in ("2014-05-01", "2014-04-02", "spring"):
        with pytest.raises(SpanNameError):
            Span(name)


def test_spans_round_trip_through_json_in_order():
    spans = [Span("2014-07-01", "b", 1), Span("2014-04-01", "a")]
    assert from_json(to_json(spans)) == sorted(spans)


def test_a_changed_span_gets_the_next_version_and_is_ingested():
    passed = {"2014-04-01": Span("2014-04-01", "a"), "2014-07-01": Span("2014-07-01", "b", 2)}
    window = [Span("2014-04-01", "a"), Span("2014-07-01", "changed"), Span("2014-10-01", "c")]
    resolved = versioned(window, passed)
    assert resolved == [
        Span("2014-04-01", "a"),
        Span("2014-07-01", "changed", 3),
        Span("2014-10-01", "c"),
    ]
    assert to_ingest(resolved, passed) == resolved[1:]


def _examples(name, version=0, artifact_id=1, fingerprint="f"):
    from tfx.types import standard_artifacts

    from components.spans.record import tag

    artifact = standard_artifacts.Examples()
    artifact.id = artifact_id
    artifact.uri = f"/examples/{artifact_id}/{name}"
    artifact.split_names = '["train", "eval"]'
    tag(artifact, Span(name, fingerprint, version))
    return artifact


def test_the_window_is_the_newest_version_of_the_newest_spans():
    from components.spans.record import span_of
    from components.spans.resolvers import span_window

    artifacts = [
        _examples("2014-01-01", 0, 1),
        _examples("2014-04-01", 0, 2),
        _examples("2014-04-01", 1, 3, "edited"),
        _examples("2014-07-01", 0, 4),
    ]
    window = span_window(artifacts, 2)
    assert [(span_of(a).name, span_of(a).version) for a in window] == [
        ("2014-04-01", 1),
        ("2014-07-01", 0),
    ]
    assert len(span_window(artifacts, None)) == 3


def test_only_spans_a_gate_passed_are_resolved():
    from components.anomaly_gate.component import DataValidationResult
    from components.spans.ingested import PASSED_PROPERTY
    from components.spans.resolvers import PASSED, SpanWindowStrategy

    result = DataValidationResult()
    result.set_string_custom_property(PASSED_PROPERTY, to_json([Span("2014-01-01", "f")]))
    refused = _examples("2014-04-01", 0, 2)
    resolved = SpanWindowStrategy().resolve_artifacts(
        None, {"examples": [_examples("2014-01-01"), refused], PASSED: [result]}
    )
    assert [a.uri for a in resolved["examples"]] == ["/examples/1/2014-01-01"]


def test_the_analyzer_cache_is_the_newest_that_lacks_a_span_of_the_window():
    """The newest cache would cover this very window after one run over it,
    and change Transform's input (and its cache key) every run."""
    from tfx.types import standard_artifacts

    from components.spans.resolvers import _dataset_digest, analyzer_cache

    window = [_examples("2014-01-01", 0, 1), _examples("2014-04-01", 0, 2)]
    digests = [_dataset_digest(a) for a in window]

    def cache(artifact_id):
        artifact = standard_artifacts.TransformCache()
        artifact.id = artifact_id
        return artifact

    keys = {1: [f"old-{digests[0]}"], 2: [f"all-{d}" for d in digests]}
    picked = analyzer_cache([cache(1), cache(2)], window, lambda c: keys[c.id])
    assert [c.id for c in picked] == [1]
    assert analyzer_cache([cache(2)], window, lambda c: keys[c.id]) == []

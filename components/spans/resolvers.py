"""Resolver strategies over per-span artifacts in ML Metadata (local and
Airflow runs; open-source Kubeflow runs no resolver).

- `SpanWindowStrategy`: the newest version of each of the newest N spans,
  oldest first: the rolling training window; and the Transform analyzer
  cache to start from (`analyzer_cache`).
- `AllVersionsStrategy`: every version of every span: the statistics
  history the drift check picks its comparisons from.

Both keep only span versions a gate passed.
"""

from __future__ import annotations

import hashlib
from typing import Dict, List, Optional

from tfx import types
from tfx.dsl.components.common import resolver as resolver_strategy

from components.spans.ingested import PASSED_PROPERTY, passed_records
from components.spans.record import NAME_PROPERTY, span_of

# The span window resolver's inputs and outputs.
EXAMPLES = "examples"
ANALYZER_CACHE = "analyzer_cache"
HISTORY = "history"
# Both resolvers' input: the gates' results.
PASSED = "passed"


def _spanned(artifacts: List[types.Artifact]) -> List[types.Artifact]:
    return [a for a in artifacts if a.has_custom_property(NAME_PROPERTY)]


def _passed(artifacts: List[types.Artifact], input_dict) -> List[types.Artifact]:
    """The span artifacts whose span version a gate passed (`passed`: the
    gates' results): a refused span is never trained on or compared with."""
    passed = passed_records(
        result.get_string_custom_property(PASSED_PROPERTY) for result in input_dict.get(PASSED, [])
    )
    return [a for a in _spanned(artifacts) if span_of(a) in passed]


def span_window(artifacts: List[types.Artifact], num_spans: Optional[int]) -> List[types.Artifact]:
    """Newest version (then newest artifact) of each span, the newest
    `num_spans` spans (all when None), oldest span first."""
    newest: Dict[str, types.Artifact] = {}
    for artifact in sorted(_spanned(artifacts), key=lambda a: (span_of(a).version, a.id)):
        newest[span_of(artifact).name] = artifact
    names = sorted(newest)
    if num_spans:
        names = names[-num_spans:]
    return [newest[name] for name in names]


def _cached_keys(cache: types.Artifact) -> List[str]:
    from tfx.dsl.io import fileio

    return fileio.listdir(cache.uri) if fileio.exists(cache.uri) else []


def _dataset_digest(examples: types.Artifact) -> str:
    """How TFT names an examples artifact's train split in its cache: the
    SHA-256 of the split's file pattern (tfx/components/transform/executor.py)."""
    from tfx.types import artifact_utils
    from tfx.utils import io_utils

    pattern = io_utils.all_files_pattern(artifact_utils.get_split_uri([examples], "train"))
    return hashlib.sha256(pattern.encode()).hexdigest()


def analyzer_cache(
    caches: List[types.Artifact], window: List[types.Artifact], cached_keys=_cached_keys
) -> List[types.Artifact]:
    """The newest analyzer cache that lacks a span of `window`.

    Transform writes a cache covering its whole input, so the newest cache
    after a run over this very window covers all of it; taking that one would
    change Transform's input every run and defeat TFX's cache. The newest
    cache from before the window last changed gives the same analysis (TFT
    analyzes only the spans it lacks) and stays the same run after run.
    """
    digests = {_dataset_digest(examples) for examples in window}
    for cache in sorted(caches, key=lambda a: a.id, reverse=True):
        keys = cached_keys(cache)
        covered = {d for d in digests if any(key.endswith(d) for key in keys)}
        if covered != digests:
            return [cache]
    return []


class SpanWindowStrategy(resolver_strategy.ResolverStrategy):
    """`examples`: the span window; `analyzer_cache`: see `analyzer_cache`."""

    def __init__(self, num_spans: Optional[int] = None):
        self._num_spans = num_spans

    def resolve_artifacts(self, store, input_dict):
        del store
        window = span_window(_passed(input_dict[EXAMPLES], input_dict), self._num_spans)
        # A resolver returns every input key; `passed` as it came. Without
        # an analyzer cache input, Transform keeps none.
        resolved = {EXAMPLES: window, PASSED: input_dict.get(PASSED, [])}
        if ANALYZER_CACHE in input_dict:
            resolved[ANALYZER_CACHE] = analyzer_cache(input_dict[ANALYZER_CACHE], window)
        return resolved


class AllVersionsStrategy(resolver_strategy.ResolverStrategy):
    """`history`: every passed version of every span."""

    def resolve_artifacts(self, store, input_dict):
        del store
        return {
            HISTORY: _passed(input_dict[HISTORY], input_dict),
            PASSED: input_dict.get(PASSED, []),
        }

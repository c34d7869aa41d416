"""Resolver strategies over per-span artifacts in ML Metadata (local and
Airflow runs; open-source Kubeflow runs no resolver).

- `SpanWindowStrategy`: the newest version of each of the newest N spans,
  oldest first: the rolling training window; and the Transform analyzer
  cache to start from (`analyzer_cache`).
- `AllVersionsStrategy`: every artifact, every version: the statistics
  history the drift check picks its comparisons from.
"""

from __future__ import annotations

from typing import Dict, List, Optional

from tfx import types
from tfx.dsl.components.common import resolver as resolver_strategy

from components.spans.record import NAME_PROPERTY, span_of

# The span window resolver's inputs and outputs.
EXAMPLES = "examples"
ANALYZER_CACHE = "analyzer_cache"


def _spanned(artifacts: List[types.Artifact]) -> List[types.Artifact]:
    return [a for a in artifacts if a.has_custom_property(NAME_PROPERTY)]


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


class SpanWindowStrategy(resolver_strategy.ResolverStrategy):
    def __init__(self, num_spans: Optional[int] = None):
        self._num_spans = num_spans

    def resolve_artifacts(self, store, input_dict):
        del store
        return {
            key: span_window(artifacts, self._num_spans) for key, artifacts in input_dict.items()
        }


class AllVersionsStrategy(resolver_strategy.ResolverStrategy):
    def resolve_artifacts(self, store, input_dict):
        del store
        return {key: _spanned(artifacts) for key, artifacts in input_dict.items()}

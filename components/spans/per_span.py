"""Runs a single-artifact TFX executor once per span.

TFX's ExampleValidator and SchemaGen read exactly one input artifact. Here
each input artifact (one per span) gets its own output artifacts, in
sub-folders named after the span of the output TFX prepared (the layout TFX
requires when an execution publishes several artifacts), tagged with the
input's span. Spans run one after another, so memory stays that of one span.
Statistics, a Beam job, batch their spans instead (components/per_span).
"""

from __future__ import annotations

import copy
import posixpath
from typing import Any, Dict, List, Type

from components.spans.manifest import expand_inputs, publish
from components.spans.record import span_of, tag


def span_outputs(templates: Dict[str, Any], span) -> Dict[str, List[Any]]:
    """Fresh output artifacts for one span, under the templates' folders."""
    outputs = {}
    for key, template in templates.items():
        artifact = copy.deepcopy(template)
        artifact.uri = posixpath.join(template.uri, span.name)
        tag(artifact, span)
        outputs[key] = [artifact]
    return outputs


def per_span(base: Type, input_key: str) -> Type:
    """A subclass of executor `base` whose Do runs `base.Do` per artifact of
    `input_key`, the other inputs unchanged."""

    class PerSpanExecutor(base):
        def Do(self, input_dict, output_dict, exec_properties) -> None:
            input_dict = expand_inputs(input_dict, input_key)
            templates = {key: artifacts[0] for key, artifacts in output_dict.items()}
            published = {key: [] for key in output_dict}
            for artifact in sorted(input_dict[input_key], key=span_of):
                outputs = span_outputs(templates, span_of(artifact))
                super().Do({**input_dict, input_key: [artifact]}, outputs, exec_properties)
                for key, [output] in outputs.items():
                    published[key].append(output)
            for key, artifacts in published.items():
                publish(output_dict, key, templates[key], artifacts)

    PerSpanExecutor.__name__ = PerSpanExecutor.__qualname__ = f"PerSpan{base.__name__}"
    return PerSpanExecutor

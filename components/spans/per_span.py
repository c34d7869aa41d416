"""Runs a single-artifact TFX executor once per span.

TFX's StatisticsGen and ExampleValidator read exactly one input artifact.
Here each input artifact (one per span) gets its own output artifacts, in
sub-folders named after the span of the output TFX prepared (the layout TFX
requires when an execution publishes several artifacts), tagged with the
input's span. Spans run one after another, so memory stays that of one span.

A Beam executor's spans share Beam pipelines instead, `SPANS_PER_PIPELINE`
to a pipeline: each pipeline starts its own workers (seconds each on the
multi-processing DirectRunner, much more than a quarter's statistics take),
and a bounded number of spans keeps memory flat in the history.
"""

from __future__ import annotations

import contextlib
import copy
import posixpath
from typing import Any, Callable, Dict, List, Type

import apache_beam as beam

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


SPANS_PER_PIPELINE = 4


@beam.ptransform_fn
def _Nested(root: beam.pvalue.PBegin, build: Callable[[beam.pvalue.PBegin], None]):
    """What `build` applies to `root`, under this transform's label."""
    build(root)
    return beam.pvalue.PDone(root.pipeline)


def per_span(base: Type, input_key: str) -> Type:
    """A subclass of executor `base` whose Do runs `base.Do` per artifact of
    `input_key`, the other inputs unchanged."""

    class PerSpanExecutor(base):
        _span_root = None

        def Do(self, input_dict, output_dict, exec_properties) -> None:
            input_dict = expand_inputs(input_dict, input_key)
            templates = {key: artifacts[0] for key, artifacts in output_dict.items()}
            published = {key: [] for key in output_dict}
            jobs = []
            for artifact in sorted(input_dict[input_key], key=span_of):
                outputs = span_outputs(templates, span_of(artifact))
                jobs.append(({**input_dict, input_key: [artifact]}, outputs))
                for key, [output] in outputs.items():
                    published[key].append(output)
            if hasattr(base, "_make_beam_pipeline"):
                self._do_in_shared_pipelines(jobs, exec_properties)
            else:
                for inputs, outputs in jobs:
                    super().Do(inputs, outputs, exec_properties)
            for key, artifacts in published.items():
                publish(output_dict, key, templates[key], artifacts)

        def _do_in_shared_pipelines(self, jobs, exec_properties) -> None:
            for start in range(0, len(jobs), SPANS_PER_PIPELINE):
                with super()._make_beam_pipeline() as pipeline:
                    for inputs, outputs in jobs[start : start + SPANS_PER_PIPELINE]:
                        span = span_of(inputs[input_key][0])
                        _ = pipeline | f"Span[{span.name}]" >> _Nested(
                            lambda root, i=inputs, o=outputs: self._do_under(
                                root, i, o, exec_properties
                            )
                        )

        def _do_under(self, root, inputs, outputs, exec_properties) -> None:
            """`base.Do`, its Beam transforms applied under `root`."""
            self._span_root = root
            try:
                super().Do(inputs, outputs, exec_properties)
            finally:
                self._span_root = None

        def _make_beam_pipeline(self):
            # Inside _do_under, base.Do's `with self._make_beam_pipeline() as p`
            # builds on the shared pipeline, which runs when its batch is built.
            if self._span_root is not None:
                return contextlib.nullcontext(self._span_root)
            return super()._make_beam_pipeline()

    PerSpanExecutor.__name__ = PerSpanExecutor.__qualname__ = f"PerSpan{base.__name__}"
    return PerSpanExecutor

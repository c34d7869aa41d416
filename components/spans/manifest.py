"""Per-span artifacts on orchestrators that record one artifact per output.

An execution here publishes one artifact per span, in sub-folders of the
output artifact TFX prepared. TFX's local and Airflow runners record each of
them; Kubeflow's launcher records only the first ("TODO: Support multiple
artifacts someday", launcher_v2.go), at the prepared folder, and TFX's
container entrypoint there hands it one artifact per output anyway. So the producer
also writes the list of its span artifacts into that folder, and every
consumer expands an artifact that holds such a list back into it: on
Kubeflow the downstream tasks see every span, locally nothing changes.
"""

from __future__ import annotations

import json
import posixpath
import sys
from typing import Dict, List

MANIFEST_FILE = "span_artifacts.json"


# TFX's container entrypoint on Kubeflow; it hands KFP one artifact per
# output (`translate_executor_output` takes a single instance).
KUBEFLOW_ENTRYPOINT = "tfx.orchestration.kubeflow.v2.container.kubeflow_v2_run_executor"


def one_artifact_per_output() -> bool:
    """Whether this process is TFX's Kubeflow container entrypoint."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    return spec is not None and spec.name == KUBEFLOW_ENTRYPOINT


def publish(output_dict: Dict[str, List], key: str, template, artifacts: List) -> None:
    """Sets `artifacts` as the execution's outputs under `key` (on Kubeflow,
    the prepared one, `template`, stands for them), and writes their list
    into the folder of `template`."""
    from google.protobuf import json_format
    from tfx.utils import io_utils

    io_utils.write_string_file(
        posixpath.join(template.uri, MANIFEST_FILE),
        json.dumps([json_format.MessageToDict(a.mlmd_artifact) for a in artifacts]),
    )
    output_dict[key][:] = [template] if one_artifact_per_output() else artifacts


def expanded(artifacts: List) -> List:
    """`artifacts`, each one that lists span artifacts replaced by them."""
    from google.protobuf import json_format
    from ml_metadata.proto import metadata_store_pb2
    from tfx.dsl.io import fileio

    result = []
    for artifact in artifacts:
        path = posixpath.join(artifact.uri, MANIFEST_FILE)
        if not fileio.exists(path):
            result.append(artifact)
            continue
        with fileio.open(path, "r") as handle:
            listed = json.load(handle)
        for fields in listed:
            span_artifact = type(artifact)()
            span_artifact.set_mlmd_artifact(
                json_format.ParseDict(fields, metadata_store_pb2.Artifact())
            )
            result.append(span_artifact)
    return result


def expand_inputs(input_dict: Dict[str, List], *keys: str) -> Dict[str, List]:
    """`input_dict` with the per-span inputs under `keys` expanded."""
    return {
        key: expanded(artifacts) if key in keys else artifacts
        for key, artifacts in input_dict.items()
    }

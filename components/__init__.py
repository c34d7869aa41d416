"""Code that TFX runs inside components: the feature spec, Transform's and the
Trainer's code, the custom components and the row and database code they
share. `pipeline/` and `bench/` import it; it imports neither.

The custom artifact types are reachable from here too, lazily. Kubeflow names
a custom type "<namespace>.<Name>" (one dot), and TFX's container entrypoint
imports that very name to rebuild the artifact, so "components.QuarantinedRows"
must import, without loading TFX for every user of this package's light modules.
"""

import importlib

_ARTIFACT_TYPE_MODULES = {
    "QuarantinedRows": "components.csv_ingest.component",
    "DataValidationResult": "components.anomaly_gate.component",
}


def __getattr__(name: str):
    if name in _ARTIFACT_TYPE_MODULES:
        return getattr(importlib.import_module(_ARTIFACT_TYPE_MODULES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""TFX's Pusher, made atomic for filesystem destinations.

TFX copies a model file by file into `<base>/<version>`, so a model server
polling the serving dir can see a half-written version. Here TFX's Pusher
writes into `<base>/.staging/<version>` instead (model servers skip
non-numeric folders) and the finished version is then renamed into place:
one rename, so the serving dir holds either no new version or a complete one.
"""

from __future__ import annotations

import os
import shutil
from typing import Any, Dict, List

from tfx import types
from tfx.components.pusher import executor as pusher_executor
from tfx.proto import pusher_pb2
from tfx.types import artifact_utils, standard_component_specs
from tfx.utils import proto_utils

from components.atomic_pusher.layout import PUSHED_DESTINATION, PUSHED_VERSION, STAGING_DIR
from components.locations import is_uri


class Executor(pusher_executor.Executor):
    def Do(
        self,
        input_dict: Dict[str, List[types.Artifact]],
        output_dict: Dict[str, List[types.Artifact]],
        exec_properties: Dict[str, Any],
    ) -> None:
        destination = pusher_pb2.PushDestination()
        proto_utils.json_to_proto(
            exec_properties[standard_component_specs.PUSH_DESTINATION_KEY], destination
        )
        base = destination.filesystem.base_directory
        if destination.WhichOneof("destination") != "filesystem" or is_uri(base):
            # Object stores have no atomic rename; TF Serving waits for
            # saved_model.pb, which TFX's Pusher copies last.
            super().Do(input_dict, output_dict, exec_properties)
            return
        staging = os.path.join(base, STAGING_DIR)
        shutil.rmtree(staging, ignore_errors=True)  # Leftovers of a killed push.
        destination.filesystem.base_directory = staging
        staged_properties = dict(exec_properties)
        staged_properties[standard_component_specs.PUSH_DESTINATION_KEY] = (
            proto_utils.proto_to_json(destination)
        )
        super().Do(input_dict, output_dict, staged_properties)

        pushed = artifact_utils.get_single_instance(
            output_dict[standard_component_specs.PUSHED_MODEL_KEY]
        )
        if not pushed.get_int_custom_property("pushed"):
            return
        version = pushed.get_string_custom_property(PUSHED_VERSION)
        final = os.path.join(base, version)
        os.rename(os.path.join(staging, version), final)  # Atomic on one filesystem.
        pushed.set_string_custom_property(PUSHED_DESTINATION, final)

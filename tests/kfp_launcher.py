"""Runs one task of a compiled KFP v2 PipelineSpec locally, as KFP's launcher would.

The task's container `command` + `args` from the spec run as a subprocess,
with the `{{$}}` placeholder replaced by an ExecutorInput built here.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

from google.protobuf import json_format

from pipeline.config import REPO_ROOT

OUTPUT_FILE = "executor_output.json"


def _task(spec: Dict[str, Any], task_name: str):
    task = spec["root"]["dag"]["tasks"][task_name]
    component = spec["components"][task["componentRef"]["name"]]
    container = spec["deploymentSpec"]["executors"][component["executorLabel"]]["container"]
    return task, component, container


def executor_input(spec: Dict[str, Any], task_name: str,
                   inputs: Dict[str, List[Dict[str, Any]]], output_root: Path
                   ) -> Dict[str, Any]:
    """ExecutorInput for the task: spec constants, given input artifacts, fresh outputs.

    `inputs` maps an input key to artifacts as {"uri": ..., "metadata": {...}}.
    """
    from kfp.pipeline_spec import pipeline_spec_pb2

    task, component, _ = _task(spec, task_name)
    definitions = component.get("inputDefinitions", {})
    parameters = {name: value["runtimeValue"]["constant"]
                  for name, value in task.get("inputs", {}).get("parameters", {}).items()
                  if "runtimeValue" in value}
    artifacts = {
        key: {"artifacts": [{"type": definitions["artifacts"][key]["artifactType"],
                             **artifact} for artifact in artifacts]}
        for key, artifacts in inputs.items()}
    task_root = output_root / task_name
    outputs = {
        key: {"artifacts": [{"type": definition["artifactType"],
                             "uri": str(task_root / key)}]}
        for key, definition in component.get("outputDefinitions", {})
        .get("artifacts", {}).items()}
    message = {"inputs": {"artifacts": artifacts, "parameterValues": parameters},
               "outputs": {"artifacts": outputs,
                           "outputFile": str(task_root / OUTPUT_FILE)}}
    # The TFX entrypoint parses leniently and would drop a misspelled key.
    json_format.ParseDict(message, pipeline_spec_pb2.ExecutorInput())
    return message


def run_task(spec: Dict[str, Any], task_name: str,
             inputs: Dict[str, List[Dict[str, Any]]], output_root: Path,
             timeout: float = 600) -> Dict[str, Any]:
    """Runs the task's container command here; returns its ExecutorOutput."""
    _, _, container = _task(spec, task_name)
    message = executor_input(spec, task_name, inputs, output_root)
    for output in message["outputs"]["artifacts"].values():
        for artifact in output["artifacts"]:
            os.makedirs(artifact["uri"], exist_ok=True)
    # This project's venv plays the image's interpreter.
    command = [sys.executable if part in ("python", "python3") else part
               for part in container["command"]]
    args = [arg.replace("{{$}}", json.dumps(message)) for arg in container["args"]]
    assert not [arg for arg in command + args if "{{$" in arg], "unfilled placeholder"
    result = subprocess.run(command + args, cwd=REPO_ROOT, capture_output=True,
                            text=True, timeout=timeout,
                            env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))
    if result.returncode != 0:
        raise RuntimeError(f"{task_name} exited with {result.returncode}:\n"
                           f"{result.stderr[-5000:]}")
    return json.loads(Path(message["outputs"]["outputFile"]).read_text())

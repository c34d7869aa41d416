"""Runs a compiled KFP v2 PipelineSpec's DAG here, task by task, as KFP would.

Each task's container `command` + `args` from the spec run as a subprocess
(this project's venv plays the image's interpreter), with the `{{$}}`
placeholder replaced by the ExecutorInput that KFP's driver builds
(backend/src/v2/driver: inputs resolved from the run's parameters and the
upstream tasks' output artifacts, with the metadata their executors wrote;
fresh output URIs under the pipeline root). Tasks run in dependency order
and the DAG stops at the first failure, as Argo's does. KFP's cache is kept:
a task with `cachingOptions.enableCache` whose executor and inputs equal an
earlier run's reuses that run's outputs.

`locations` maps paths as the cluster sees them (inside the image, in the
object store) to local ones, e.g. {"gs://bucket/root": "/tmp/root"}.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

from google.protobuf import json_format

from pipeline.config import REPO_ROOT

Artifact = Dict[str, Any]


@dataclasses.dataclass
class DagRun:
    """What one run did: each task's outputs, which tasks came from cache,
    and the task that failed (with its log's tail), if one did."""

    run_id: str
    outputs: Dict[str, Dict[str, List[Artifact]]] = dataclasses.field(default_factory=dict)
    executed: List[str] = dataclasses.field(default_factory=list)
    cached: List[str] = dataclasses.field(default_factory=list)
    failed: Optional[str] = None
    failure_log: str = ""

    def artifact(self, task: str, key: str) -> Artifact:
        [artifact] = self.outputs[task][key]
        return artifact


def task_order(spec: Dict[str, Any]) -> List[str]:
    """The root DAG's tasks, each after the tasks it depends on."""
    tasks = spec["root"]["dag"]["tasks"]
    waiting = {name: set(task.get("dependentTasks", [])) for name, task in tasks.items()}
    order: List[str] = []
    while waiting:
        ready = sorted(name for name, needs in waiting.items() if not needs)
        assert ready, f"dependency cycle among {sorted(waiting)}"
        for name in ready:
            del waiting[name]
            for needs in waiting.values():
                needs.discard(name)
        order.extend(ready)
    return order


class LocalKfp:
    """A pipeline root, the cache across runs, and the runs themselves."""

    def __init__(self, spec: Dict[str, Any], scratch: Path, locations: Mapping[str, str]):
        self.spec = spec
        self.scratch = scratch
        self.locations = dict(locations)
        self._cache: Dict[str, Dict[str, List[Artifact]]] = {}
        self._artifact_count = 0

    def _local(self, text: str) -> str:
        for cluster, local in self.locations.items():
            text = text.replace(cluster, local)
        return text

    def _parameters(
        self, task: Dict[str, Any], run_parameters: Mapping[str, Any]
    ) -> Dict[str, Any]:
        defaults = {
            name: definition.get("defaultValue")
            for name, definition in self.spec["root"]
            .get("inputDefinitions", {})
            .get("parameters", {})
            .items()
        }
        values = {}
        for name, source in task.get("inputs", {}).get("parameters", {}).items():
            if "runtimeValue" in source:
                value = source["runtimeValue"]["constant"]
            elif "componentInputParameter" in source:
                parameter = source["componentInputParameter"]
                value = run_parameters.get(parameter, defaults[parameter])
            else:
                raise NotImplementedError(f"parameter source {source} of {name}")
            values[name] = self._local(value) if isinstance(value, str) else value
        return values

    def _inputs(
        self, task: Dict[str, Any], component: Dict[str, Any], run: DagRun
    ) -> Dict[str, Any]:
        definitions = component.get("inputDefinitions", {}).get("artifacts", {})
        artifacts = {}
        for key, source in task.get("inputs", {}).get("artifacts", {}).items():
            producer = source["taskOutputArtifact"]
            upstream = run.outputs[producer["producerTask"]][producer["outputArtifactKey"]]
            artifacts[key] = {
                "artifacts": [
                    {"type": definitions[key]["artifactType"], **artifact} for artifact in upstream
                ]
            }
        return artifacts

    def _provision_outputs(self, component: Dict[str, Any], task_root: Path) -> Dict[str, Any]:
        outputs = {}
        for key, definition in component.get("outputDefinitions", {}).get("artifacts", {}).items():
            self._artifact_count += 1
            uri = task_root / key
            # Object stores need no folders; a local path does.
            uri.mkdir(parents=True)
            outputs[key] = {
                "artifacts": [
                    {
                        "name": f"artifacts/{self._artifact_count}",
                        "type": definition["artifactType"],
                        "uri": str(uri),
                    }
                ]
            }
        return outputs

    def run(
        self, run_id: str, parameters: Optional[Mapping[str, Any]] = None, timeout: float = 900
    ) -> DagRun:
        run = DagRun(run_id)
        tasks = self.spec["root"]["dag"]["tasks"]
        for name in task_order(self.spec):
            task = tasks[name]
            component = self.spec["components"][task["componentRef"]["name"]]
            executor = self.spec["deploymentSpec"]["executors"][component["executorLabel"]]
            if "container" not in executor:
                raise NotImplementedError(
                    f"{name}: only container executors run "
                    f"on open-source KFP, not {sorted(executor)}"
                )
            container = executor["container"]
            resolved = {
                "parameterValues": self._parameters(task, parameters or {}),
                "artifacts": self._inputs(task, component, run),
            }
            key = hashlib.sha256(
                json.dumps([container, component, resolved], sort_keys=True).encode()
            ).hexdigest()
            if task.get("cachingOptions", {}).get("enableCache") and key in self._cache:
                run.outputs[name] = self._cache[key]
                run.cached.append(name)
                continue
            task_root = self.scratch / "root" / self.spec["pipelineInfo"]["name"] / run_id / name
            pod_tmp = self.scratch / "pods" / run_id / name
            message = {
                "inputs": resolved,
                "outputs": {
                    "artifacts": self._provision_outputs(component, task_root),
                    "outputFile": str(pod_tmp / "kfp_outputs" / "output_metadata.json"),
                },
            }
            exit_code, log = self._execute(container, message, pod_tmp, timeout)
            run.executed.append(name)
            if exit_code != 0:
                run.failed, run.failure_log = name, log
                return run
            run.outputs[name] = self._reported_outputs(message)
            self._cache[key] = run.outputs[name]
        return run

    def _execute(
        self, container: Dict[str, Any], message: Dict[str, Any], pod_tmp: Path, timeout: float
    ):
        from kfp.pipeline_spec import pipeline_spec_pb2

        # The TFX entrypoint parses leniently and would drop a misspelled key.
        json_format.ParseDict(message, pipeline_spec_pb2.ExecutorInput())
        command = [
            sys.executable if part in ("python", "python3") else part
            for part in container["command"]
        ]
        args = [self._local(arg).replace("{{$}}", json.dumps(message)) for arg in container["args"]]
        assert not [arg for arg in command + args if "{{$" in arg], "unfilled placeholder"
        pod_tmp.mkdir(parents=True)
        log_path = pod_tmp / "log.txt"
        with log_path.open("w") as log:
            result = subprocess.run(
                command + args,
                cwd=REPO_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"),
            )
        return result.returncode, log_path.read_text()[-6000:]

    @staticmethod
    def _reported_outputs(message: Dict[str, Any]) -> Dict[str, List[Artifact]]:
        """The provisioned outputs with the metadata the executor reported,
        as KFP's launcher records them for downstream tasks: one artifact per
        output, the provisioned one, with the metadata of the first artifact
        the executor reported under that output ("TODO: Support multiple
        artifacts someday", backend/src/v2/component/launcher_v2.go)."""
        reported = json.loads(Path(message["outputs"]["outputFile"]).read_text())
        outputs = {}
        for key, provisioned in message["outputs"]["artifacts"].items():
            [artifact] = provisioned["artifacts"]
            written = reported.get("artifacts", {}).get(key, {}).get("artifacts", [{}])[0]
            outputs[key] = [
                {
                    "name": artifact["name"],
                    "uri": artifact["uri"],
                    "metadata": written.get("metadata", {}),
                }
            ]
        return outputs

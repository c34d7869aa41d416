"""AnomalyGate component: a hard stop between validation and training."""

from __future__ import annotations

from typing import Iterable, Optional

from tfx import types
from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import standard_artifacts
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from components.anomaly_gate import executor
from components.anomaly_gate.accepted import AcceptedAnomaly, to_json


class DataValidationResult(types.Artifact):
    """Record that a run's data passed the gate, with examples per split."""

    # Also the class's import path, which Kubeflow tasks rebuild it from
    # (see components/__init__.py).
    TYPE_NAME = "components.DataValidationResult"


class AnomalyGateSpec(ComponentSpec):
    PARAMETERS = {
        # JSON list of "FEATURE:TYPE".
        executor.ACCEPTED_ANOMALIES_KEY: ExecutionParameter(type=str),
    }
    INPUTS = {
        # One artifact per span ingested in this run; none when no span was.
        executor.STATISTICS_KEY: ChannelParameter(
            type=standard_artifacts.ExampleStatistics, optional=True
        ),
        executor.ANOMALIES_KEY: ChannelParameter(
            type=standard_artifacts.ExampleAnomalies, optional=True
        ),
        executor.DRIFT_ANOMALIES_KEY: ChannelParameter(
            type=standard_artifacts.ExampleAnomalies, optional=True
        ),
    }
    OUTPUTS = {
        executor.RESULT_KEY: ChannelParameter(type=DataValidationResult),
    }


class AnomalyGate(base_component.BaseComponent):
    """Fails the run when any split is empty or has anomalies, schema or
    drift/skew, except those listed in `accepted`.

    Wire components that must not see bad data after it with
    `add_upstream_node(gate)`.
    """

    SPEC_CLASS = AnomalyGateSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

    def __init__(
        self,
        statistics: types.BaseChannel,
        anomalies: types.BaseChannel,
        drift_anomalies: Optional[types.BaseChannel] = None,
        accepted: Iterable[AcceptedAnomaly] = (),
    ):
        super().__init__(
            spec=AnomalyGateSpec(
                statistics=statistics,
                anomalies=anomalies,
                drift_anomalies=drift_anomalies,
                accepted_anomalies=to_json(accepted),
                result=types.Channel(type=DataValidationResult),
            )
        )

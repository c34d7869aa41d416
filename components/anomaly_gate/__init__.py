"""AnomalyGate: fails the run when ExampleValidator found anomalies."""

from components.anomaly_gate.component import AnomalyGate
from components.anomaly_gate.executor import DataValidationError

__all__ = ["AnomalyGate", "DataValidationError"]

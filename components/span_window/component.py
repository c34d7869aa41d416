"""Transform and Trainer whose `examples` is a window of per-span artifacts."""

from __future__ import annotations

from tfx.components import Trainer as TfxTrainer
from tfx.components import Transform as TfxTransform
from tfx.dsl.components.base import executor_spec

from components.span_window import executor


class Transform(TfxTransform):
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.TransformExecutor)


class Trainer(TfxTrainer):
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.TrainerExecutor)

"""The tf_keras model over the transformed features.

Its inputs are read from the transform output, not listed here: float32
outputs of `preprocessing_fn` are dense inputs, int64 outputs are
categorical ids whose range the transform graph declares.
"""

from __future__ import annotations

from typing import Dict, List

import tensorflow as tf
import tensorflow_transform as tft
import tf_keras as keras
from absl import logging

from components import features
from components.trainer.contract import PROBABILITY_OUTPUT
from components.trainer.hyperparameters import Hyperparameters


def embedding_dim(cardinality: int, maximum: int) -> int:
    """fast.ai's rule of thumb, 1.6 * n ** 0.56, capped at `maximum`."""
    return max(2, min(maximum, round(1.6 * cardinality**0.56)))


def _model_input_specs(transform_output: tft.TFTransformOutput):
    spec = transform_output.transformed_feature_spec()
    spec.pop(features.LABEL.name)
    return sorted(spec.items())


def build_model(
    transform_output: tft.TFTransformOutput, hyperparameters: Hyperparameters
) -> keras.Model:
    """Embeddings for categorical ids, concatenated with dense inputs, then an MLP."""
    inputs: Dict[str, keras.Input] = {}
    encoded: List[tf.Tensor] = []
    for name, spec in _model_input_specs(transform_output):
        inputs[name] = keras.Input(shape=(), name=name, dtype=spec.dtype)
        if spec.dtype == tf.int64:
            cardinality = transform_output.num_buckets_for_transformed_feature(name)
            dim = embedding_dim(cardinality, hyperparameters.max_embedding_dim)
            encoded.append(
                keras.layers.Embedding(cardinality, dim, name=f"{name}_embedding")(inputs[name])
            )
        else:
            encoded.append(keras.layers.Reshape((1,), name=f"{name}_column")(inputs[name]))
    hidden = keras.layers.concatenate(encoded)
    for units in hyperparameters.hidden_units:
        hidden = keras.layers.Dense(units, activation="relu")(hidden)
        hidden = keras.layers.Dropout(hyperparameters.dropout)(hidden)
    probability = keras.layers.Dense(1, activation="sigmoid", name=PROBABILITY_OUTPUT)(hidden)
    model = keras.Model(inputs, probability)
    model.compile(
        optimizer=keras.optimizers.Adam(hyperparameters.learning_rate),
        loss="binary_crossentropy",
        metrics=[
            keras.metrics.AUC(name="auc"),
            keras.metrics.BinaryAccuracy(name="binary_accuracy"),
        ],
    )
    model.summary(print_fn=logging.info)
    return model

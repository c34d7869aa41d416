"""`run_fn` for the Trainer: a tf_keras model over the transformed features.

The model's inputs are read from the transform output, not listed here:
float32 outputs of `preprocessing_fn` are dense inputs, int64 outputs are
categorical ids whose range the transform graph declares. The exported
SavedModel carries the transform graph, so serving applies exactly the
training-time preprocessing.
"""

from __future__ import annotations

import math
import os
from typing import Dict, List

import tensorflow as tf
import tensorflow_transform as tft
import tf_keras as keras
from absl import logging
from tfx_bsl.tfxio import dataset_options

from components import features
from components.contract import (EXAMPLES_INPUT, PROBABILITY_OUTPUT, SCHEMA_FILE,
                                 SERVING_SIGNATURE, TRANSFORM_SIGNATURE, WARMUP_FILE)
from components.hyperparameters import Hyperparameters
from components.tf_keras_autograph import skip_tf_keras_conversion

skip_tf_keras_conversion()

# Later epochs draw batches from this many cached ones at random.
CACHED_BATCHES_SHUFFLED = 64
# Raw eval examples in the model's warm-up request.
WARMUP_EXAMPLES = 16


def embedding_dim(cardinality: int, maximum: int) -> int:
    """fast.ai's rule of thumb, 1.6 * n ** 0.56, capped at `maximum`."""
    return max(2, min(maximum, round(1.6 * cardinality ** 0.56)))


def _model_input_specs(transform_output: tft.TFTransformOutput):
    spec = transform_output.transformed_feature_spec()
    spec.pop(features.LABEL.name)
    return sorted(spec.items())


def build_model(transform_output: tft.TFTransformOutput,
                hyperparameters: Hyperparameters) -> keras.Model:
    """Embeddings for categorical ids, concatenated with dense inputs, then an MLP."""
    inputs: Dict[str, keras.Input] = {}
    encoded: List[tf.Tensor] = []
    for name, spec in _model_input_specs(transform_output):
        inputs[name] = keras.Input(shape=(), name=name, dtype=spec.dtype)
        if spec.dtype == tf.int64:
            cardinality = transform_output.num_buckets_for_transformed_feature(name)
            dim = embedding_dim(cardinality, hyperparameters.max_embedding_dim)
            encoded.append(keras.layers.Embedding(
                cardinality, dim, name=f"{name}_embedding")(inputs[name]))
        else:
            encoded.append(keras.layers.Reshape((1,), name=f"{name}_column")(
                inputs[name]))
    hidden = keras.layers.concatenate(encoded)
    for units in hyperparameters.hidden_units:
        hidden = keras.layers.Dense(units, activation="relu")(hidden)
        hidden = keras.layers.Dropout(hyperparameters.dropout)(hidden)
    probability = keras.layers.Dense(1, activation="sigmoid",
                                     name=PROBABILITY_OUTPUT)(hidden)
    model = keras.Model(inputs, probability)
    model.compile(
        optimizer=keras.optimizers.Adam(hyperparameters.learning_rate),
        loss="binary_crossentropy",
        metrics=[keras.metrics.AUC(name="auc"),
                 keras.metrics.BinaryAccuracy(name="binary_accuracy")])
    model.summary(print_fn=logging.info)
    return model


def _dataset(file_pattern: List[str], data_accessor,
             transform_output: tft.TFTransformOutput,
             batch_size: int) -> tf.data.Dataset:
    """(model inputs, label) batches: raw examples, shuffled and transformed
    batch by batch, repeated.

    Batches are cached as they are first transformed, so later epochs over
    small data skip parsing and the transform graph; on large data training
    ends within the first pass, and the cache never holds more than the
    batches trained on.
    """
    transform_layer = transform_output.transform_features_layer()

    def transform(raw):
        transformed = transform_layer(raw)
        label = transformed.pop(features.LABEL.name)
        return transformed, label

    raw = data_accessor.tf_dataset_factory(
        file_pattern,
        dataset_options.TensorFlowDatasetOptions(batch_size=batch_size, num_epochs=1),
        transform_output.raw_metadata.schema)
    return (raw.map(transform, num_parallel_calls=tf.data.AUTOTUNE)
            .cache()
            .shuffle(CACHED_BATCHES_SHUFFLED)
            .repeat())


def _parse_raw_examples(transform_output: tft.TFTransformOutput,
                        serialized: tf.Tensor, with_label: bool):
    raw_spec = transform_output.raw_feature_spec()
    if not with_label:
        for feature in features.RAW_FEATURES:
            if not feature.present_at_serving:
                raw_spec.pop(feature.name)
    return tf.io.parse_example(serialized, raw_spec)


def _signatures(model: keras.Model, transform_output: tft.TFTransformOutput):
    # Attached to the model so the SavedModel tracks the transform graph's assets.
    model.transform_layer = transform_output.transform_features_layer()
    examples = tf.TensorSpec(shape=[None], dtype=tf.string, name=EXAMPLES_INPUT)

    @tf.function(input_signature=[examples])
    def serve(serialized):
        raw = _parse_raw_examples(transform_output, serialized, with_label=False)
        transformed = model.transform_layer(raw)
        model_inputs = {name: transformed[name] for name in model.input_names}
        return {PROBABILITY_OUTPUT: model(model_inputs)}

    @tf.function(input_signature=[examples])
    def transform_features(serialized):
        raw = _parse_raw_examples(transform_output, serialized, with_label=True)
        return model.transform_layer(raw)

    return {SERVING_SIGNATURE: serve, TRANSFORM_SIGNATURE: transform_features}


def _serving_examples(file_patterns: List[str], count: int) -> List[bytes]:
    """The first `count` raw examples of the files, without the label source."""
    files = sorted(path for pattern in file_patterns for path in tf.io.gfile.glob(pattern))
    examples = []
    for record in tf.data.TFRecordDataset(files, compression_type="GZIP").take(count):
        example = tf.train.Example.FromString(record.numpy())
        for feature in features.RAW_FEATURES:
            if not feature.present_at_serving:
                example.features.feature.pop(feature.name, None)
        examples.append(example.SerializeToString())
    return examples


def _write_serving_extras(export_dir: str, schema_path: str,
                         warmup_examples: List[bytes]) -> None:
    """The curated schema and TF Serving's warm-up requests, in assets.extra."""
    from tensorflow_serving.apis import predict_pb2, prediction_log_pb2

    tf.io.gfile.makedirs(os.path.dirname(os.path.join(export_dir, SCHEMA_FILE)))
    tf.io.gfile.copy(schema_path, os.path.join(export_dir, SCHEMA_FILE), overwrite=True)
    request = predict_pb2.PredictRequest()
    request.model_spec.signature_name = SERVING_SIGNATURE
    request.inputs[EXAMPLES_INPUT].CopyFrom(tf.make_tensor_proto(warmup_examples,
                                                             dtype=tf.string))
    with tf.io.TFRecordWriter(os.path.join(export_dir, WARMUP_FILE)) as writer:
        writer.write(prediction_log_pb2.PredictionLog(
            predict_log=prediction_log_pb2.PredictLog(request=request)
        ).SerializeToString())


def run_fn(fn_args) -> None:
    """TFX Trainer entry point: train, then export with serving signatures."""
    hyperparameters = Hyperparameters.from_custom_config(fn_args.custom_config)
    transform_output = tft.TFTransformOutput(fn_args.transform_output)
    train = _dataset(fn_args.train_files, fn_args.data_accessor, transform_output,
                     hyperparameters.batch_size)
    evaluation = _dataset(fn_args.eval_files, fn_args.data_accessor,
                          transform_output, hyperparameters.batch_size)
    model = build_model(transform_output, hyperparameters)
    epochs = max(1, min(hyperparameters.epochs, fn_args.train_steps))
    model.fit(
        train,
        epochs=epochs,
        steps_per_epoch=math.ceil(fn_args.train_steps / epochs),
        validation_data=evaluation,
        validation_steps=fn_args.eval_steps,
        callbacks=[keras.callbacks.TensorBoard(log_dir=fn_args.model_run_dir)],
        verbose=2)
    model.save(fn_args.serving_model_dir, save_format="tf",
               signatures=_signatures(model, transform_output))
    _write_serving_extras(fn_args.serving_model_dir, fn_args.schema_path,
                         _serving_examples(fn_args.eval_files, WARMUP_EXAMPLES))

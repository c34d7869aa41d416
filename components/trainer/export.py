"""What the Trainer exports with the model: the serving and transform
signatures (raw tf.Examples in, so serving applies exactly the training-time
preprocessing), the curated schema and TF Serving's warm-up requests.
"""

from __future__ import annotations

import os
from typing import List

import tensorflow as tf
import tensorflow_transform as tft
import tf_keras as keras

from components import features
from components.trainer.contract import (
    EXAMPLES_INPUT,
    PROBABILITY_OUTPUT,
    SCHEMA_FILE,
    SERVING_SIGNATURE,
    TRANSFORM_SIGNATURE,
    WARMUP_FILE,
)

# Raw eval examples in the model's warm-up request.
WARMUP_EXAMPLES = 16


def _parse_raw_examples(
    transform_output: tft.TFTransformOutput, serialized: tf.Tensor, with_label: bool
):
    raw_spec = transform_output.raw_feature_spec()
    if not with_label:
        for feature in features.RAW_FEATURES:
            if not feature.present_at_serving:
                raw_spec.pop(feature.name)
    return tf.io.parse_example(serialized, raw_spec)


def signatures(model: keras.Model, transform_output: tft.TFTransformOutput):
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


def serving_examples(file_patterns: List[str], count: int) -> List[bytes]:
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


def write_serving_extras(export_dir: str, schema_path: str, warmup_examples: List[bytes]) -> None:
    """The curated schema and TF Serving's warm-up requests, in assets.extra."""
    from tensorflow_serving.apis import predict_pb2, prediction_log_pb2

    tf.io.gfile.makedirs(os.path.dirname(os.path.join(export_dir, SCHEMA_FILE)))
    tf.io.gfile.copy(schema_path, os.path.join(export_dir, SCHEMA_FILE), overwrite=True)
    request = predict_pb2.PredictRequest()
    request.model_spec.signature_name = SERVING_SIGNATURE
    request.inputs[EXAMPLES_INPUT].CopyFrom(tf.make_tensor_proto(warmup_examples, dtype=tf.string))
    with tf.io.TFRecordWriter(os.path.join(export_dir, WARMUP_FILE)) as writer:
        writer.write(
            prediction_log_pb2.PredictionLog(
                predict_log=prediction_log_pb2.PredictLog(request=request)
            ).SerializeToString()
        )

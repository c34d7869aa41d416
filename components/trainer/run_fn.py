"""`run_fn` for the Trainer: train the model on transformed batches, then
export it with its serving signatures.
"""

from __future__ import annotations

import math
from typing import List

import tensorflow as tf
import tensorflow_transform as tft
import tf_keras as keras
from tfx_bsl.tfxio import dataset_options

from components import features
from components.trainer import export
from components.trainer.hyperparameters import Hyperparameters
from components.trainer.model import build_model
from components.trainer.tf_keras_autograph import skip_tf_keras_conversion

skip_tf_keras_conversion()

# Later epochs draw batches from this many cached ones at random.
CACHED_BATCHES_SHUFFLED = 64


def _dataset(
    file_pattern: List[str],
    data_accessor,
    transform_output: tft.TFTransformOutput,
    hyperparameters: Hyperparameters,
) -> tf.data.Dataset:
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
        dataset_options.TensorFlowDatasetOptions(
            batch_size=hyperparameters.batch_size, num_epochs=1, shuffle_seed=hyperparameters.seed
        ),
        transform_output.raw_metadata.schema,
    )
    return (
        raw.map(transform, num_parallel_calls=tf.data.AUTOTUNE)
        .cache()
        .shuffle(CACHED_BATCHES_SHUFFLED, seed=hyperparameters.seed)
        .repeat()
    )


def run_fn(fn_args) -> None:
    """TFX Trainer entry point: train, then export with serving signatures."""
    hyperparameters = Hyperparameters.from_custom_config(fn_args.custom_config)
    keras.utils.set_random_seed(hyperparameters.seed)
    transform_output = tft.TFTransformOutput(fn_args.transform_output)
    train = _dataset(fn_args.train_files, fn_args.data_accessor, transform_output, hyperparameters)
    evaluation = _dataset(
        fn_args.eval_files, fn_args.data_accessor, transform_output, hyperparameters
    )
    model = build_model(transform_output, hyperparameters)
    epochs = max(1, min(hyperparameters.epochs, fn_args.train_steps))
    model.fit(
        train,
        epochs=epochs,
        steps_per_epoch=math.ceil(fn_args.train_steps / epochs),
        validation_data=evaluation,
        validation_steps=fn_args.eval_steps,
        callbacks=[keras.callbacks.TensorBoard(log_dir=fn_args.model_run_dir)],
        verbose=2,
    )
    model.save(
        fn_args.serving_model_dir,
        save_format="tf",
        signatures=export.signatures(model, transform_output),
    )
    export.write_serving_extras(
        fn_args.serving_model_dir,
        fn_args.schema_path,
        export.serving_examples(fn_args.eval_files, export.WARMUP_EXAMPLES),
    )

"""The exported model's serving contract, shared by Trainer, Evaluator and clients.

Light on purpose (no TensorFlow), so the pipeline wiring and serving tools
can read it cheaply.
"""

from components import features

# Takes serialized raw tf.Examples without the label; returns probabilities.
SERVING_SIGNATURE = "serving_default"
# Takes serialized raw tf.Examples (label included); returns transformed features.
TRANSFORM_SIGNATURE = "transform_features"
PROBABILITY_OUTPUT = f"{features.LABEL.name}_probability"

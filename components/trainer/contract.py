"""The exported model's serving contract: the names the Trainer exports under
and the Evaluator, serving and scoring read.

Light on purpose (no TensorFlow), so the pipeline wiring and serving tools
can read it cheaply.
"""

from components import features

# Takes serialized raw tf.Examples without the label; returns probabilities.
SERVING_SIGNATURE = "serving_default"
# The one input of both signatures: a vector of serialized tf.Examples.
EXAMPLES_INPUT = "examples"
# Takes serialized raw tf.Examples (label included); returns transformed features.
TRANSFORM_SIGNATURE = "transform_features"
PROBABILITY_OUTPUT = f"{features.LABEL.name}_probability"
# Written by the Trainer beside the SavedModel, so a model carries what
# serving needs: the curated schema it was trained under (requests are
# checked against its SERVING environment) and TF Serving's warm-up requests
# (a few raw eval examples, also run by `serve` before it swaps a version in).
SCHEMA_FILE = "assets.extra/schema.pbtxt"
WARMUP_FILE = "assets.extra/tf_serving_warmup_requests"

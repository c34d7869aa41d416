"""Keep TensorFlow's AutoGraph out of tf_keras's own code.

AutoGraph leaves the `keras` package alone (its CONVERSION_RULES hold
DoNotConvert('keras')) but not `tf_keras`, which is the same Keras 2 under
the name TF 2.16 gives it. So every function traced through a tf_keras model
(the train and eval steps, the serving signatures, TFMA's loaded model)
first has about 2,000 tf_keras functions rewritten by AutoGraph: 11 of the
Trainer's 23 s on 15k rows. Keras 2 never needed that conversion; this rule
restores how TF <= 2.15 treated it.
"""

from __future__ import annotations

TF_KERAS_PACKAGE = "tf_keras"


def skip_tf_keras_conversion() -> None:
    """Adds DoNotConvert('tf_keras') to AutoGraph's rules; idempotent."""
    from tensorflow.python.autograph.core import (
        config,  # pylint: disable=g-direct-tensorflow-import
    )

    if not any(
        isinstance(rule, config.DoNotConvert) and rule.matches(TF_KERAS_PACKAGE)
        for rule in config.CONVERSION_RULES
    ):
        config.CONVERSION_RULES = (config.DoNotConvert(TF_KERAS_PACKAGE),) + tuple(
            config.CONVERSION_RULES
        )

"""AutoGraph leaves tf_keras's own code alone once the rule is added."""

from components.trainer.tf_keras_autograph import TF_KERAS_PACKAGE, skip_tf_keras_conversion


def test_tf_keras_functions_are_not_converted_and_the_rule_is_added_once():
    import tf_keras
    from tensorflow.python.autograph.core import config
    from tensorflow.python.autograph.impl import conversion

    skip_tf_keras_conversion()
    skip_tf_keras_conversion()
    rules = [
        rule
        for rule in config.CONVERSION_RULES
        if isinstance(rule, config.DoNotConvert) and rule.matches(TF_KERAS_PACKAGE)
    ]
    assert len(rules) == 1
    assert conversion.is_allowlisted(tf_keras.layers.Dense.call)
    # Our own code is still converted.
    assert not conversion.is_allowlisted(skip_tf_keras_conversion)

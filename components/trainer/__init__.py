"""Code the Trainer runs: `run_fn.run_fn`, the model, hyperparameters, the
exported signatures, the tf_keras AutoGraph rule; and `contract.py`, the
exported model's names that serving and scoring read (light, no TensorFlow).

With `components/features.py` and `components/transform/`, this folder keys
the Transform and Trainer cache (`pipeline/fingerprint.py`): import nothing
else from `components/` here."""

"""Code the Transform component runs: `preprocessing.preprocessing_fn`.

With `components/features.py` and `components/trainer/`, this folder keys the
Transform and Trainer cache (`pipeline/fingerprint.py`): import nothing else
from `components/` here."""

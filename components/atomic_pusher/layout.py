"""The push destination's layout, read by the Pusher, the baseline finder and
serving: one numbered folder per pushed version, complete once it holds
saved_model.pb (TF Serving's rule). No TensorFlow here, so serving can check
a serving dir before TensorFlow loads.
"""

from __future__ import annotations

from typing import Iterable, List

SAVED_MODEL_FILE = "saved_model.pb"
# Where the atomic Pusher writes a version before renaming it into place;
# model servers skip non-numeric folders.
STAGING_DIR = ".staging"
# Custom properties of a pushed model (TFX's Pusher's names), and of the
# baseline the finder copies from it.
PUSHED_VERSION = "pushed_version"
PUSHED_DESTINATION = "pushed_destination"


def versions_newest_first(names: Iterable[str]) -> List[str]:
    """The version folders among a listing's names, newest first; anything
    else (the staging folder, stray files) is left out. Object stores list
    folders with a trailing '/'."""
    versions = {name.rstrip("/") for name in names}
    return sorted((v for v in versions if v.isdigit()), key=int, reverse=True)

"""The window's span artifacts as one examples artifact, for TFX executors
that read a list of artifacts as one Beam branch each.

TFX's Evaluator (and Transform, without an analyzer cache) reads each
artifact's split with a source of its own and joins them with a Flatten.
Beam's DirectRunner materializes every Flatten of several inputs
(`sink_flattens` in its translations: "Actually attempt to sink rather than
always materialize"), so the whole window was held in memory at once, and
copied through the runner. Read as one artifact, whose split folders hold
hard links to every span's files, the window is one source and streams.

Hard links need the spans on a local filesystem, as a DirectRunner run has
them; elsewhere (gs://, on Kubeflow) the artifacts are left as they are.
"""

from __future__ import annotations

import os
import shutil
from typing import Dict, List, Sequence


def _local(uri: str) -> bool:
    return "://" not in uri


def _link(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:  # Another device, or a filesystem without hard links.
        shutil.copyfile(source, target)


def joined(artifacts: List, splits: Sequence[str], directory: str) -> List:
    """`[one artifact]` whose `splits` link every artifact's files of that
    split, made in `directory`; `artifacts` unchanged when they are fewer
    than two or not all on a local filesystem, or when `directory` is not."""
    from tfx.components.util import examples_utils
    from tfx.dsl.io import fileio
    from tfx.types import artifact_utils

    if len(artifacts) < 2 or not all(_local(a.uri) for a in artifacts) or not _local(directory):
        return artifacts
    # The formats readers look up; the spans' own properties stay theirs.
    first = artifacts[0]
    window = type(first)()
    window.uri = directory
    examples_utils.set_payload_format(window, examples_utils.get_payload_format(first))
    examples_utils.set_file_format(window, examples_utils.get_file_format(first))
    window.split_names = artifact_utils.encode_split_names(list(splits))
    for split in splits:
        target = artifact_utils.get_split_uri([window], split)
        os.makedirs(target)
        for index, artifact in enumerate(artifacts):
            source = artifact_utils.get_split_uri([artifact], split)
            for name in sorted(fileio.listdir(source)):
                _link(os.path.join(source, name), os.path.join(target, f"{index:05d}-{name}"))
    return [window]


def joined_inputs(input_dict: Dict[str, List], key: str, splits, directory: str) -> Dict[str, List]:
    """`input_dict` with its artifacts under `key`, if any, `joined`."""
    if key not in input_dict:
        return input_dict
    return {**input_dict, key: joined(input_dict[key], splits, directory)}

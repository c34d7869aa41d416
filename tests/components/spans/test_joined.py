"""The window read as one artifact: every span's files, linked, nothing else."""

import os

from components.spans.joined import joined


def _span(tmp_path, name, files):
    from tfx.types import artifact_utils, standard_artifacts

    artifact = standard_artifacts.Examples()
    artifact.uri = str(tmp_path / name)
    artifact.split_names = artifact_utils.encode_split_names(["train", "eval"])
    artifact.set_string_custom_property("payload_format", "FORMAT_TF_EXAMPLE")
    for split, content in files.items():
        folder = tmp_path / name / f"Split-{split}"
        folder.mkdir(parents=True)
        (folder / "data_tfrecord-00000-of-00001.gz").write_bytes(content)
    return artifact


def _files(folder):
    return {name: (folder / name).read_bytes() for name in sorted(os.listdir(folder))}


def test_the_window_is_one_artifact_linking_each_spans_split_files(tmp_path):
    from tfx.types import artifact_utils

    spans = [
        _span(tmp_path, "a", {"train": b"a-train", "eval": b"a-eval"}),
        _span(tmp_path, "b", {"train": b"b-train", "eval": b""}),
    ]
    [window] = joined(spans, ["eval"], str(tmp_path / "window"))
    assert artifact_utils.decode_split_names(window.split_names) == ["eval"]
    assert window.get_string_custom_property("payload_format") == "FORMAT_TF_EXAMPLE"
    eval_folder = tmp_path / "window" / "Split-eval"
    assert artifact_utils.get_split_uri([window], "eval") == str(eval_folder)
    assert _files(eval_folder) == {
        "00000-data_tfrecord-00000-of-00001.gz": b"a-eval",
        "00001-data_tfrecord-00000-of-00001.gz": b"",
    }
    # Links, not copies; the train split was not asked for.
    assert os.path.samefile(
        eval_folder / "00000-data_tfrecord-00000-of-00001.gz",
        tmp_path / "a" / "Split-eval" / "data_tfrecord-00000-of-00001.gz",
    )
    assert not (tmp_path / "window" / "Split-train").exists()
    assert spans[0].uri == str(tmp_path / "a")


def test_one_span_or_remote_spans_are_left_as_they_are(tmp_path):
    one = [_span(tmp_path, "a", {"eval": b"x"})]
    assert joined(one, ["eval"], str(tmp_path / "window")) == one
    remote = [_span(tmp_path, "b", {"eval": b"y"}), _span(tmp_path, "c", {"eval": b"z"})]
    remote[1].uri = "gs://bucket/c"
    assert joined(remote, ["eval"], str(tmp_path / "window")) == remote
    assert not (tmp_path / "window").exists()

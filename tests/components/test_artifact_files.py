"""Our names for files inside TFX's artifacts are TFX's own."""

from components import artifact_files


def test_file_names_are_the_ones_tfx_writes():
    from tfx.components.example_validator import executor as validator
    from tfx.components.schema_gen import executor as schema_gen
    from tfx.components.statistics_gen import executor as statistics_gen
    from tfx.types import artifact_utils, standard_artifacts

    assert artifact_files.STATISTICS_FILE == statistics_gen.DEFAULT_FILE_NAME
    assert artifact_files.ANOMALIES_FILE == validator.DEFAULT_FILE_NAME
    assert artifact_files.SCHEMA_FILE == schema_gen.DEFAULT_FILE_NAME
    statistics = standard_artifacts.ExampleStatistics()
    statistics.uri = "/base"
    statistics.split_names = artifact_utils.encode_split_names(["eval"])
    assert artifact_utils.get_split_uri([statistics], "eval") == (
        f"/base/{artifact_files.split_dir('eval')}"
    )

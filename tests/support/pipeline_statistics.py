"""Statistics of CSVs computed the way the pipeline computes them.

Rows become tf.Examples through the pipeline's ExampleGen transform (empty
cells are present features without values, types from the feature spec,
unparsable rows quarantined), then TFDV computes statistics as StatisticsGen
does. TFDV's own CSV reader treats empty cells as absent and infers types,
which would validate differently.
"""

from pathlib import Path


def statistics_of_csvs(data_root: Path, pattern: str, output: Path):
    import apache_beam as beam
    import tensorflow_data_validation as tfdv
    from tfx_bsl.coders import example_coder

    from components.csv_ingest import executor as ingest

    exec_properties = {
        "input_base": str(data_root),
        ingest._QUARANTINE_URI: str(output.parent / "quarantine"),
    }
    with beam.Pipeline() as pipeline:
        _ = (
            pipeline
            | ingest._TypedCsvToExample(  # noqa: SLF001 (the pipeline's code path)
                exec_properties, pattern
            )  # Serialized tf.Examples.
            | beam.BatchElements()
            | beam.Map(
                lambda batch: example_coder.ExamplesToRecordBatchDecoder().DecodeBatch(batch)
            )
            | tfdv.GenerateStatistics(tfdv.StatsOptions())
            | tfdv.WriteStatisticsToBinaryFile(str(output))
        )
    return tfdv.load_stats_binary(str(output))

"""Statistics of CSVs computed the way the pipeline computes them.

Rows become tf.Examples through CsvExampleGen's own conversion (empty cells
are present features without values, types inferred per column), then TFDV
computes statistics as StatisticsGen does. TFDV's own CSV reader treats
empty cells as absent, which would validate differently.
"""

from pathlib import Path


def statistics_of_csvs(data_root: Path, pattern: str, output: Path):
    import apache_beam as beam
    import tensorflow_data_validation as tfdv
    from tfx.components.example_gen.csv_example_gen import executor as csv_executor
    from tfx_bsl.coders import example_coder

    with beam.Pipeline() as pipeline:
        _ = (pipeline
             | csv_executor._CsvToExample(  # noqa: SLF001 (the pipeline's code path)
                 {"input_base": str(data_root)}, pattern)
             | beam.Map(lambda example: example.SerializeToString())
             | beam.BatchElements()
             | beam.Map(lambda batch: example_coder.ExamplesToRecordBatchDecoder()
                        .DecodeBatch(batch))
             | tfdv.GenerateStatistics(tfdv.StatsOptions())
             | tfdv.WriteStatisticsToBinaryFile(str(output)))
    return tfdv.load_stats_binary(str(output))

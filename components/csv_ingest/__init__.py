"""QuarantiningCsvExampleGen: typed CSV ingestion with a quarantine."""

from components.csv_ingest.component import QuarantiningCsvExampleGen
from components.csv_ingest.executor import QuarantineLimitError

__all__ = ["QuarantiningCsvExampleGen", "QuarantineLimitError"]

"""The review of a real run: the offline report, Facets, and the notebook."""

import re
from pathlib import Path

import pytest

from components import features
from pipeline.config import REPO_ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def review(small_run):
    from pipeline.review.statistics import write_review

    config, _, _ = small_run
    return write_review(Path(config.output_dir), config.pipeline_name)


def test_report_has_a_card_per_raw_feature_and_no_anomalies(review):
    report, _ = review
    text = report.read_text()
    cards = re.findall(r'<section class="card[^"]*" data-name="([^"]+)"', text)
    assert sorted(cards) == sorted(features.raw_feature_names())
    assert '<span id="num-anomalies">anomalies: 0</span>' in text
    assert "examples: train " in text and ", eval " in text


def test_span_drift_is_tfdvs_measure_with_the_gates_threshold(review):
    report, _ = review
    text = report.read_text()
    assert "span 2014-07-01 against span 2014-04-01" in text
    # payment_type's comparator in schema/schema.pbtxt stops at 0.15.
    card = re.search(r'data-name="payment_type".*?</section>', text, re.S).group(0)
    assert re.search(
        r"span drift: L-infinity \(TFDV\) 0\.\d{4} \(the gate stops at "
        r"0\.15\)",
        card,
    ), card[-400:]


def test_sensitive_census_tracts_show_no_raw_values(review):
    report, _ = review
    assert not re.search(r"17031\d{6}|1\.703\d*e\+10|17,031,\d{3},\d{3}", report.read_text())


def test_report_opens_offline_in_a_browser(review, tmp_path):
    from tests.support.browser import Browser

    report, _ = review
    with Browser() as browser:
        browser.open(report.as_uri())
        assert browser.console_errors() == []
        assert browser.requests() == [report.as_uri()]
        assert browser.evaluate("document.querySelectorAll('.card').length") == len(
            features.RAW_FEATURES
        )


def test_facets_page_is_written_beside_the_report(review):
    report, facets = review
    assert facets.parent == report.parent
    assert "facets-overview" in facets.read_text()


def test_notebook_runs_headless_against_the_run(small_run, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    config, _, _ = small_run
    monkeypatch.setenv("TAXI_OUTPUT_DIR", config.output_dir)
    monkeypatch.setenv("TAXI_PIPELINE_NAME", config.pipeline_name)
    notebook = nbformat.read(REPO_ROOT / "notebooks" / "review_statistics.ipynb", as_version=4)
    NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(REPO_ROOT / "notebooks")}},
    ).execute()
    outputs = [
        output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs
    ]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "split train: 0 feature(s) with anomalies" in text
    assert config.output_dir in text  # Found the run's artifacts through ML Metadata.
    html = [
        o for o in outputs if o.output_type == "display_data" and "text/html" in o.get("data", {})
    ]
    assert html, "visualize_statistics / display_anomalies rendered nothing"

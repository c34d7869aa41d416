"""The review of a real run: the offline report, Facets, and the notebook."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from tensorflow_metadata.proto.v0 import statistics_pb2

from components import features
from components.artifact_files import STATISTICS_FILE, split_dir
from pipeline import node_ids
from pipeline.cli.exits import EXIT_USAGE
from pipeline.config import REPO_ROOT
from tests.support.runs import SLICE_QUARTERS

pytestmark = pytest.mark.slow


def _data(report: Path) -> dict:
    text = report.read_text()
    found = re.search(
        r'<script type="application/json" id="report-data">(.*?)</script>', text, re.S
    )
    return json.loads(found.group(1).replace("<\\/", "</"))


def _span_statistics(config, span: str) -> statistics_pb2.DatasetFeatureStatisticsList:
    from pipeline.metadata import span_artifacts

    [artifact] = [
        a
        for a in span_artifacts(
            Path(config.metadata_path), config.pipeline_name, node_ids.STATISTICS_GEN, "statistics"
        )
        if a["properties"]["span_name"] == span
    ]
    path = Path(artifact["uri"]) / split_dir("train") / STATISTICS_FILE
    return statistics_pb2.DatasetFeatureStatisticsList.FromString(path.read_bytes())


def _mean(stats, name: str) -> float:
    [feature] = [f for f in stats.datasets[0].features if f.path.step == [name]]
    return feature.num_stats.mean


@pytest.fixture(scope="module")
def review(small_run):
    from pipeline.review.statistics import write_review

    config, _, _ = small_run
    return write_review(Path(config.output_dir), config.pipeline_name)


def test_report_has_a_card_per_raw_feature_and_no_anomalies(review):
    report, _ = review
    text = report.read_text()
    cards = re.findall(r'<section class="card[^"]*" data-index="\d+" data-name="([^"]+)"', text)
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


def test_span_history_is_the_stored_per_span_statistics(review, small_run):
    config, _, _ = small_run
    report, _ = review
    data = _data(report)
    fare = next(f for f in data["features"] if f["name"] == "fare")
    points = fare["history"]["points"]
    assert [p["span"] for p in points] == list(SLICE_QUARTERS)
    for point in points:
        assert point["value"] == pytest.approx(
            _mean(_span_statistics(config, point["span"]), "fare")
        )
    # The newest point is the gate's measurement, with its threshold.
    assert points[-1]["measure"] == "Jensen-Shannon (TFDV)" and points[-1]["threshold"] == 0.5
    assert fare["domain"] == {"min": 0.0}
    assert [s["span"] for s in data["span_examples"]] == list(SLICE_QUARTERS)


def test_against_a_span_puts_its_statistics_beside_the_newest(small_run, tmp_path):
    from pipeline.review.statistics import write_review

    config, _, _ = small_run
    older = SLICE_QUARTERS[0]
    report, _ = write_review(
        Path(config.output_dir), config.pipeline_name, tmp_path / "r.html", against=older
    )
    data = _data(report)
    assert data["against"] == f"span {older}"
    fare = next(f for f in data["features"] if f["name"] == "fare")
    assert fare["splits"][f"train · span {older}"]["mean"] == pytest.approx(
        _mean(_span_statistics(config, older), "fare")
    )
    assert fare["splits"]["train"]["mean"] == pytest.approx(
        _mean(_span_statistics(config, SLICE_QUARTERS[1]), "fare")
    )


def test_against_another_run_puts_its_newest_span_beside(small_run, gate_failed_run, tmp_path):
    from pipeline.review.statistics import write_review

    config, _, _ = small_run
    other, _ = gate_failed_run
    report, _ = write_review(
        Path(config.output_dir), config.pipeline_name, tmp_path / "r.html", other.output_dir
    )
    data = _data(report)
    where = "/".join(Path(other.output_dir).resolve().parts[-2:])
    assert data["against"] == f"{where} span {SLICE_QUARTERS[1]}"
    assert set(data["splits"]) == {"train", "eval"} | {
        f"{split} · {where} span {SLICE_QUARTERS[1]}" for split in ("train", "eval")
    }
    fare = next(f for f in data["features"] if f["name"] == "fare")
    assert fare["splits"][f"train · {data['against']}"]["mean"] == pytest.approx(
        _mean(_span_statistics(other, SLICE_QUARTERS[1]), "fare")
    )


def test_against_what_is_not_there_is_a_usage_error(small_run):
    config, _, _ = small_run
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "report", "--output-dir", config.output_dir]
        + ["--against", "1999-01-01"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == EXIT_USAGE, result.stderr
    assert f"spans: {', '.join(SLICE_QUARTERS)}" in result.stderr


def test_a_value_outside_the_schema_is_marked_with_its_rule_and_override(gate_failed_run, tmp_path):
    """The failed run's out-of-range community area (99, in its older span)
    shows on the chart when that span is put beside the newest."""
    from pipeline.review.statistics import write_review
    from tests.support.browser import Browser

    config, _ = gate_failed_run
    report, _ = write_review(
        Path(config.output_dir), config.pipeline_name, tmp_path / "r.html", SLICE_QUARTERS[0]
    )
    area = next(f for f in _data(report)["features"] if f["name"] == "pickup_community_area")
    [entry] = [a for a in area["anomalies"] if a["type"] == "INT_TYPE_BIG_INT"]
    assert entry["text"].startswith(f"{SLICE_QUARTERS[0]}/")
    assert entry["rule"] == "int_domain { min: 1 max: 77 }"
    assert entry["accept"] == "--accept-anomaly pickup_community_area:INT_TYPE_BIG_INT"
    assert "to see span" not in report.read_text()
    newest_only, _ = write_review(
        Path(config.output_dir), config.pipeline_name, tmp_path / "newest.html"
    )
    assert (
        f"to see span {SLICE_QUARTERS[0]} on the chart: "
        f"<code>report --against {SLICE_QUARTERS[0]}</code>"
    ) in newest_only.read_text()
    with Browser() as browser:
        browser.open(report.as_uri())
        assert browser.console_errors() == []
        card = "document.querySelector('.card[data-name=\"pickup_community_area\"]')"
        outside = browser.evaluate(
            f"Array.from({card}.querySelectorAll('rect.bar.outside')).map(r => r.dataset.split)"
        )
        assert outside and all(split.endswith(f"span {SLICE_QUARTERS[0]}") for split in outside)
        assert browser.evaluate(f"{card}.classList.contains('has-anomaly')")

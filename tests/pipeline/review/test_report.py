"""The offline statistics report: numbers, drift, sensitivity, and a real browser."""

import numpy as np
import pandas as pd
import pytest
from tensorflow_metadata.proto.v0 import anomalies_pb2

from pipeline.review.page import render_html
from pipeline.review.summary import build_report, jensen_shannon, l_infinity, numeric_drift

ROWS = 400


@pytest.fixture(scope="module")
def frames():
    """A small non-taxi data set: train and eval, with missing values."""
    rng = np.random.default_rng(7)

    def frame(shift):
        weight = rng.normal(70 + shift, 12, ROWS)
        weight[:37] = np.nan
        return pd.DataFrame(
            {
                "weight_kg": weight,
                "colour": rng.choice(["red", "green", "blue"], ROWS, p=[0.5, 0.3, 0.2]),
                "customer_id": [f"C{i:05d}" for i in rng.integers(0, 50, ROWS)],
            }
        )

    return {"train": frame(0), "eval": frame(5)}


@pytest.fixture(scope="module")
def statistics(frames):
    import tensorflow_data_validation as tfdv

    return {
        split: tfdv.generate_statistics_from_dataframe(frame) for split, frame in frames.items()
    }


def _anomalies(feature, description):
    anomalies = anomalies_pb2.Anomalies()
    reason = anomalies.anomaly_info[feature].reason.add()
    reason.short_description = "Out-of-range values"
    reason.description = description
    return anomalies


@pytest.fixture(scope="module")
def page(statistics, tmp_path_factory):
    content = build_report(
        statistics,
        {
            "train": _anomalies("weight_kg", "Unexpectedly large value: 140."),
            "eval": anomalies_pb2.Anomalies(),
        },
        spans={"current": (2, statistics["eval"]), "previous": (1, statistics["train"])},
        sensitive=["customer_id"],
        title="Synthetic",
    )
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(render_html(content), encoding="utf-8")
    return content, path


def test_jensen_shannon_is_zero_for_equal_and_one_for_disjoint():
    assert jensen_shannon([0.5, 0.5], [0.5, 0.5]) == 0
    assert jensen_shannon([1, 0], [0, 1]) == pytest.approx(1.0)


def test_l_infinity_is_the_largest_share_difference():
    assert l_infinity({"a": 6, "b": 4}, {"a": 3, "b": 7}) == pytest.approx(0.3)
    assert l_infinity({"a": 1}, {"b": 1}) == pytest.approx(1.0)


def test_numeric_drift_grows_with_the_shift():
    same = {"histogram": [(0.0, 1.0, 10.0), (1.0, 2.0, 10.0)]}
    shifted = {"histogram": [(0.5, 1.5, 10.0), (1.5, 2.5, 10.0)]}
    apart = {"histogram": [(5.0, 6.0, 10.0), (6.0, 7.0, 10.0)]}
    assert numeric_drift(same, same) == pytest.approx(0.0)
    assert 0 < numeric_drift(same, shifted) < numeric_drift(same, apart)
    assert numeric_drift(same, apart) == pytest.approx(1.0)


def test_same_span_twice_has_no_drift(statistics):
    content = build_report(
        statistics,
        spans={"current": (1, statistics["train"]), "previous": (0, statistics["train"])},
    )
    assert [f["drift"]["score"] for f in content["features"]] == pytest.approx([0, 0, 0])


def test_the_gates_measure_replaces_the_reports_own(statistics):
    content = build_report(
        statistics,
        spans={"current": (1, statistics["eval"]), "previous": (0, statistics["train"])},
        gate_drift={"colour": ("L-infinity (TFDV)", 0.25, 0.2)},
    )
    by_name = {f["name"]: f for f in content["features"]}
    assert by_name["colour"]["drift"] == {
        "measure": "L-infinity (TFDV)",
        "score": 0.25,
        "threshold": 0.2,
    }
    assert "threshold" not in by_name["weight_kg"]["drift"]
    assert "span drift: L-infinity (TFDV) 0.2500 (the gate stops at 0.2)" in render_html(content)


def test_missing_counts_empty_values_as_missing(statistics, frames):
    content = build_report(statistics)
    weight = next(f for f in content["features"] if f["name"] == "weight_kg")
    expected = 100 * frames["train"]["weight_kg"].isna().mean()
    assert weight["splits"]["train"]["missing_pct"] == pytest.approx(expected)


def test_sensitive_values_never_reach_the_page(page, frames):
    content, path = page
    text = path.read_text()
    customers = set(frames["train"]["customer_id"]) | set(frames["eval"]["customer_id"])
    assert not [c for c in customers if c in text]
    card = next(f for f in content["features"] if f["name"] == "customer_id")
    assert card["sensitive"] and card["splits"]["train"]["unique"] == 50
    # The colours are not sensitive and are shown.
    assert "green" in text


def test_drift_and_anomalies_land_on_their_features(page):
    content, _ = page
    by_name = {f["name"]: f for f in content["features"]}
    assert by_name["weight_kg"]["drift"]["measure"] == "Jensen-Shannon"
    # Weight shifted by 5 kg (0.4 sd) between the spans; colours did not move.
    assert by_name["weight_kg"]["drift"]["score"] > 0.03
    assert by_name["colour"]["drift"]["score"] < 0.1
    assert by_name["colour"]["drift"]["measure"] == "L-infinity"
    assert by_name["weight_kg"]["anomalies"] == [
        "train: Out-of-range values: Unexpectedly large value: 140."
    ]
    assert content["num_anomalies"] == 1


@pytest.fixture(scope="module")
def browser(page):
    from tests.support.browser import Browser

    _, path = page
    with Browser() as opened:
        opened.open(path.as_uri())
        yield opened


def test_page_loads_offline_without_errors_or_requests(browser, page):
    _, path = page
    assert browser.console_errors() == []
    assert browser.requests() == [path.as_uri()]
    assert browser.failed_requests() == []


def test_feature_cards_are_visible(browser, page, tmp_path):
    from PIL import Image, ImageStat

    content, _ = page
    visible = browser.evaluate(
        "Array.from(document.querySelectorAll('.card')).filter(c => c.offsetHeight > 50).length"
    )
    assert visible == len(content["features"]) == 3
    shot = browser.screenshot(tmp_path / "report.png")
    image = Image.open(shot).convert("L")
    assert image.size[0] >= 1000
    assert ImageStat.Stat(image).stddev[0] > 20, "the screenshot is blank"


def _cell(browser, feature, split, stat):
    return browser.evaluate(
        f'document.querySelector(\'.card[data-name="{feature}"] '
        f'td[data-split="{split}"][data-stat="{stat}"]\').textContent'
    )


def test_numbers_on_the_page_equal_the_data(browser, frames):
    for split, frame in frames.items():
        weight = frame["weight_kg"]
        assert float(_cell(browser, "weight_kg", split, "missing_pct")) == pytest.approx(
            100 * weight.isna().mean(), abs=0.005
        )
        assert float(_cell(browser, "weight_kg", split, "mean")) == pytest.approx(
            weight.mean(), rel=1e-3
        )
        assert (
            int(_cell(browser, "colour", split, "unique").replace(",", ""))
            == frame["colour"].nunique()
        )


def test_sort_and_filter(browser):
    def names():
        return browser.evaluate(
            "Array.from(document.querySelectorAll('.card'))"
            ".filter(c => c.style.display !== 'none').map(c => c.dataset.name)"
        )

    def set_control(element_id, prop, value):
        browser.evaluate(
            f"var e = document.getElementById('{element_id}'); "
            f"e.{prop} = {value}; e.dispatchEvent(new Event('change'));"
        )

    set_control("sort", "value", "'missing'")
    assert names()[0] == "weight_kg"
    set_control("only-anomalies", "checked", "true")
    assert names() == ["weight_kg"]
    set_control("only-anomalies", "checked", "false")
    set_control("filter", "value", "'col'")
    assert names() == ["colour"]

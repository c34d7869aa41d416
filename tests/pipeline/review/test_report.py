"""The offline statistics report on a small non-taxi data set of three spans:
numbers, drift, history, schema domains, sensitivity, and a real browser."""

import numpy as np
import pandas as pd
import pytest
from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import anomalies_pb2, schema_pb2

from pipeline.review.domains import broken_rule
from pipeline.review.drift import jensen_shannon, l_infinity, numeric_drift
from pipeline.review.feature_stats import non_uniformity
from pipeline.review.page import render_html
from pipeline.review.summary import build_report

ROWS = 400
SPANS = ("2020-01-01", "2020-04-01", "2020-07-01")
SCHEMA = """
feature { name: "weight_kg" type: FLOAT float_domain { min: 0 max: 100 } }
feature { name: "colour" type: BYTES domain: "colour" }
feature { name: "customer_id" type: BYTES }
string_domain { name: "colour" value: "red" value: "green" value: "blue" }
"""


def _frame(rng, span_index, rows):
    """Weight moves up 5 kg a span, so the newest span passes the schema's
    100 kg; 'mauve' first appears in the newest span."""
    weight = rng.normal(70 + 5 * span_index, 12, rows)
    weight[:37] = np.nan
    colours = ["red", "green", "blue"] + (["mauve"] if span_index == 2 else [])
    shares = [0.5, 0.3, 0.2] if span_index < 2 else [0.45, 0.3, 0.15, 0.1]
    return pd.DataFrame(
        {
            "weight_kg": weight,
            "colour": rng.choice(colours, rows, p=shares),
            "customer_id": [f"C{i:05d}" for i in rng.integers(0, 50, rows)],
        }
    )


@pytest.fixture(scope="module")
def spans():
    """{span: {split: frame}}, oldest first."""
    rng = np.random.default_rng(7)
    return {
        span: {"train": _frame(rng, i, ROWS), "eval": _frame(rng, i, ROWS // 2)}
        for i, span in enumerate(SPANS)
    }


@pytest.fixture(scope="module")
def history(spans):
    import tensorflow_data_validation as tfdv

    return [
        (span, {split: tfdv.generate_statistics_from_dataframe(f) for split, f in splits.items()})
        for span, splits in spans.items()
    ]


@pytest.fixture(scope="module")
def frames(spans):
    return spans[SPANS[-1]]


@pytest.fixture(scope="module")
def statistics(history):
    return history[-1][1]


def _anomalies(feature, kind, description):
    anomalies = anomalies_pb2.Anomalies()
    reason = anomalies.anomaly_info[feature].reason.add()
    reason.type = anomalies_pb2.AnomalyInfo.Type.Value(kind)
    reason.short_description = "Out-of-range values"
    reason.description = description
    return anomalies


def _schema():
    return text_format.Parse(SCHEMA, schema_pb2.Schema())


@pytest.fixture(scope="module")
def content(statistics, history):
    return build_report(
        statistics,
        {
            "train": _anomalies("weight_kg", "FLOAT_TYPE_BIG_FLOAT", "Unexpectedly large value."),
            "eval": anomalies_pb2.Anomalies(),
        },
        schema=_schema(),
        history=history,
        sensitive=["customer_id"],
        units={"weight_kg": "kg"},
        title="Synthetic",
    )


@pytest.fixture(scope="module")
def page(content, tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(render_html(content), encoding="utf-8")
    return path


def _by_name(content):
    return {f["name"]: f for f in content["features"]}


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


def test_non_uniformity_is_zero_for_flat_and_near_one_for_a_spike():
    assert non_uniformity([5, 5, 5, 5]) == pytest.approx(0.0)
    assert non_uniformity([1000, 1, 1, 1]) > 0.9
    assert non_uniformity([7]) == 0.0


def test_same_span_twice_has_no_drift(statistics):
    content = build_report(statistics, history=[("1", statistics), ("2", statistics)])
    assert [f["drift"]["score"] for f in content["features"]] == pytest.approx([0, 0, 0])


def test_the_gates_measure_replaces_the_reports_own(statistics, history):
    content = build_report(
        statistics,
        history=history,
        gate_drift={SPANS[-1]: {"colour": ("L-infinity (TFDV)", 0.25, 0.2)}},
    )
    by_name = _by_name(content)
    assert by_name["colour"]["drift"] == {
        "measure": "L-infinity (TFDV)",
        "score": 0.25,
        "threshold": 0.2,
    }
    assert "threshold" not in by_name["weight_kg"]["drift"]
    assert "span drift: L-infinity (TFDV) 0.2500 (the gate stops at 0.2)" in render_html(content)


def test_missing_counts_empty_values_as_missing(content, frames):
    weight = _by_name(content)["weight_kg"]
    expected = 100 * frames["train"]["weight_kg"].isna().mean()
    assert weight["splits"]["train"]["missing_pct"] == pytest.approx(expected)


def test_history_has_one_point_per_span_equal_to_its_statistics(content, spans):
    weight = _by_name(content)["weight_kg"]["history"]
    assert [p["span"] for p in weight["points"]] == list(SPANS)
    for point, splits in zip(weight["points"], spans.values()):
        assert point["value"] == pytest.approx(splits["train"]["weight_kg"].mean(), rel=1e-6)
        assert point["missing_pct"] == pytest.approx(
            100 * splits["train"]["weight_kg"].isna().mean()
        )
    assert weight["points"][0]["drift"] is None
    assert all(p["drift"] > 0 for p in weight["points"][1:])
    colour = _by_name(content)["colour"]["history"]
    assert colour["value_label"] == "share of 'red'"
    for point, splits in zip(colour["points"], spans.values()):
        assert point["value"] == pytest.approx((splits["train"]["colour"] == "red").mean())
    assert [s["examples"] for s in content["span_examples"]] == [ROWS + ROWS // 2] * 3


def test_domains_come_from_the_schema(content):
    by_name = _by_name(content)
    assert by_name["weight_kg"]["domain"] == {"min": 0, "max": 100}
    assert by_name["colour"]["domain"] == {"values": ["red", "green", "blue"]}
    assert by_name["customer_id"]["domain"] is None


def test_each_anomaly_names_the_rule_it_broke_and_its_override(content):
    assert _by_name(content)["weight_kg"]["anomalies"] == [
        {
            "text": "train: Out-of-range values: Unexpectedly large value.",
            "type": "FLOAT_TYPE_BIG_FLOAT",
            "rule": "float_domain { min: 0.0 max: 100.0 }",
            "accept": "--accept-anomaly weight_kg:FLOAT_TYPE_BIG_FLOAT",
            "span": "",
        }
    ]
    assert content["num_anomalies"] == 1


def test_a_finding_on_a_span_not_drawn_says_how_to_draw_it(statistics, history):
    finding = _anomalies("weight_kg", "FLOAT_TYPE_BIG_FLOAT", "Unexpectedly large value.")
    hint = f"<code>report --against {SPANS[0]}</code>"
    older = build_report(statistics, {f"{SPANS[0]}/train": finding}, history=history)
    assert older["features"][2]["anomalies"][0]["span"] == SPANS[0]
    assert hint in render_html(older)
    newest = build_report(statistics, {f"{SPANS[-1]}/train": finding}, history=history)
    assert "report --against" not in render_html(newest)
    compared = build_report(
        statistics, {f"{SPANS[0]}/train": finding}, history=history, against_span=SPANS[0]
    )
    assert "report --against" not in render_html(compared)


@pytest.mark.parametrize(
    "feature, kind, split, rule",
    [
        ("colour", "ENUM_TYPE_UNEXPECTED_STRING_VALUES", "", "string_domain 'colour': "),
        ("weight_kg", "COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH", "span_drift", "feature {"),
        ("weight_kg", "UNEXPECTED_DATA_TYPE", "", "type: FLOAT"),
        ("shoe_size", "SCHEMA_NEW_COLUMN", "", "no feature 'shoe_size' in the schema"),
        ("dataset", "COMPARATOR_LOW_NUM_EXAMPLES", "", "dataset_constraints {"),
    ],
)
def test_broken_rule_points_at_the_schema(feature, kind, split, rule):
    assert broken_rule(_schema(), feature, kind, split).startswith(rule)


def test_sensitive_values_never_reach_the_page(content, page, spans):
    text = page.read_text()
    customers = {c for splits in spans.values() for f in splits.values() for c in f["customer_id"]}
    assert not [c for c in customers if c in text]
    card = _by_name(content)["customer_id"]
    assert card["sensitive"] and card["splits"]["train"]["unique"] == 50
    assert card["history"]["value_label"] == "top value's share"
    # The colours are not sensitive and are shown.
    assert "green" in text


def test_drift_and_anomalies_land_on_their_features(content):
    by_name = _by_name(content)
    assert by_name["weight_kg"]["drift"]["measure"] == "Jensen-Shannon"
    # Weight shifted by 5 kg (0.4 sd) between the spans.
    assert by_name["weight_kg"]["drift"]["score"] > 0.03
    assert by_name["colour"]["drift"]["measure"] == "L-infinity"
    assert by_name["colour"]["drift"]["score"] < 0.2


# ------------------------------------------------------------------ browser


@pytest.fixture(scope="module")
def browser(page):
    from tests.support.browser import Browser

    with Browser() as opened:
        opened.open(page.as_uri())
        yield opened


def _js(browser, expression):
    return browser.evaluate(f"(() => {{ {expression} }})()")


def _set(browser, element_id, prop, value):
    browser.evaluate(
        f"var e = document.getElementById('{element_id}'); "
        f"e.{prop} = {value}; e.dispatchEvent(new Event('change'));"
    )


def _card(name):
    return f"document.querySelector('.card[data-name=\"{name}\"]')"


def test_page_loads_offline_without_errors_or_requests(browser, page):
    assert browser.console_errors() == []
    assert browser.requests() == [page.as_uri()]
    assert browser.failed_requests() == []


def test_feature_cards_are_visible(browser, content, tmp_path):
    from PIL import Image, ImageStat

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


def _ticks(browser, name, axis):
    return _js(
        browser,
        f"return Array.from({_card(name)}.querySelectorAll('.distribution .{axis}-tick'))"
        ".map(t => t.textContent);",
    )


def test_axes_are_labelled_over_the_datas_range(browser, frames):
    weight = pd.concat([f["weight_kg"] for f in frames.values()]).dropna()
    ticks = [float(t) for t in _ticks(browser, "weight_kg", "x")]
    assert ticks == sorted(ticks) and len(ticks) >= 3
    step = ticks[1] - ticks[0]
    assert weight.min() - step <= ticks[0] and ticks[-1] <= weight.max() + step
    assert ticks[-1] - ticks[0] >= (weight.max() - weight.min()) / 2
    titles = _js(
        browser,
        f"return Array.from({_card('weight_kg')}.querySelectorAll('.axis-title'))"
        ".map(t => t.textContent);",
    )
    assert titles == ["weight_kg (kg)", "% of values"]


def _bars(browser, name, split):
    return _js(
        browser,
        f"return Array.from({_card(name)}.querySelectorAll('.distribution rect.bar"
        f"[data-split=\"{split}\"]')).map(r => [+r.dataset.value, +r.getAttribute('width')]);",
    )


def test_counts_and_percentages_toggle(browser, frames):
    percentages = [value for value, _ in _bars(browser, "weight_kg", "train")]
    assert sum(percentages) == pytest.approx(100)
    _set(browser, "values-as", "value", "'count'")
    try:
        counts = [value for value, _ in _bars(browser, "weight_kg", "train")]
        assert sum(counts) == pytest.approx(frames["train"]["weight_kg"].notna().sum())
        red = frames["train"]["colour"].eq("red").sum()
        assert max(value for value, _ in _bars(browser, "colour", "train")) == red
    finally:
        _set(browser, "values-as", "value", "'percent'")


def test_side_by_side_splits_each_bucket(browser):
    overlaid = [width for _, width in _bars(browser, "weight_kg", "train")]
    _set(browser, "layout", "value", "'side'")
    try:
        side = [width for _, width in _bars(browser, "weight_kg", "train")]
        assert sum(side) == pytest.approx(sum(overlaid) / 2, rel=0.05)
    finally:
        _set(browser, "layout", "value", "'overlay'")


def test_log_scale_puts_powers_of_ten_on_the_axis(browser):
    _set(browser, "log-scale", "checked", "true")
    try:
        ticks = [float(t) for t in _ticks(browser, "weight_kg", "y")]
        assert ticks and all(np.log10(t).is_integer() for t in ticks)
    finally:
        _set(browser, "log-scale", "checked", "false")


def test_quantiles_chart_shows_tfdvs_quantiles(browser, statistics):
    _set(browser, "histogram-kind", "value", "'quantiles'")
    try:
        values = _js(
            browser,
            f"return Array.from({_card('weight_kg')}.querySelectorAll("
            "'circle.quantile[data-split=\"train\"]')).map(c => +c.dataset.value);",
        )
        feature = next(
            f for f in statistics["train"].datasets[0].features if f.path.step == ["weight_kg"]
        )
        [quantiles] = [h for h in feature.num_stats.histograms if h.type == h.QUANTILES]
        expected = [quantiles.buckets[0].low_value] + [b.high_value for b in quantiles.buckets]
        assert values == pytest.approx(expected)
        assert _ticks(browser, "weight_kg", "x") == ["0%", "25%", "50%", "75%", "100%"]
    finally:
        _set(browser, "histogram-kind", "value", "'standard'")


def test_values_outside_the_schemas_domain_are_marked(browser, frames):
    assert (frames["train"]["weight_kg"] > 100).any()
    titles = _js(
        browser,
        f"return Array.from({_card('weight_kg')}.querySelectorAll('rect.bar.outside'))"
        ".map(r => r.textContent);",
    )
    assert titles and all("outside the schema's domain" in t for t in titles)
    assert _js(
        browser,
        f"return Array.from({_card('weight_kg')}.querySelectorAll('.domain-label'))"
        ".map(t => t.textContent);",
    ) == ["schema max"]
    marked = _js(
        browser,
        f"return Array.from({_card('colour')}.querySelectorAll('text.label.outside'))"
        ".map(t => t.textContent);",
    )
    assert marked == ["\u2715 mauvemauve: not in the schema's domain"]


def test_span_history_has_a_point_per_span(browser, content):
    for name, feature in _by_name(content).items():
        for measure in ("value", "missing_pct", "drift"):
            points = _js(
                browser,
                f"return Array.from({_card(name)}.querySelectorAll("
                f"'.spark[data-measure=\"{measure}\"] circle')).map(c => "
                "[c.dataset.span, +c.dataset.value, c.classList.contains('newest')]);",
            )
            expected = [
                (p["span"], p[measure])
                for p in feature["history"]["points"]
                if p[measure] is not None
            ]
            assert [(span, value) for span, value, _ in points] == [
                (span, pytest.approx(value)) for span, value in expected
            ], (name, measure)
            assert [newest for _, _, newest in points][-1]
    bars = _js(
        browser,
        "return Array.from(document.querySelectorAll('#span-examples rect.span-bar'))"
        ".map(r => [r.dataset.span, +r.dataset.value]);",
    )
    assert bars == [[s["span"], s["examples"]] for s in content["span_examples"]]


def test_gauge_and_anomaly_show_what_the_gate_knows(browser):
    assert _js(browser, f"return {_card('weight_kg')}.querySelectorAll('svg.gauge').length;") == 1
    text = _js(browser, f"return {_card('weight_kg')}.querySelector('.anomalies').textContent;")
    assert "rule: float_domain { min: 0.0 max: 100.0 }" in text
    assert "to let it pass: --accept-anomaly weight_kg:FLOAT_TYPE_BIG_FLOAT" in text


def test_expanded_card_is_wider_and_collapses(browser):
    def width():
        return _js(
            browser,
            f"return +{_card('weight_kg')}"
            ".querySelector('.distribution svg').getAttribute('width');",
        )

    collapsed = width()
    browser.evaluate(f"{_card('weight_kg')}.querySelector('.expand').click()")
    assert width() > 2 * collapsed
    browser.evaluate(f"{_card('weight_kg')}.querySelector('.expand').click()")
    assert width() == collapsed


def test_a_split_can_be_hidden(browser):
    def eval_bars():
        return _js(browser, "return document.querySelectorAll('rect[data-split=\"eval\"]').length;")

    assert eval_bars() > 0
    browser.evaluate(
        "var e = document.querySelector('.split-toggle[value=\"eval\"]'); "
        "e.checked = false; e.dispatchEvent(new Event('change'));"
    )
    try:
        assert eval_bars() == 0
    finally:
        browser.evaluate(
            "var e = document.querySelector('.split-toggle[value=\"eval\"]'); "
            "e.checked = true; e.dispatchEvent(new Event('change'));"
        )


def test_sort_and_filter(browser):
    def names():
        return browser.evaluate(
            "Array.from(document.querySelectorAll('.card'))"
            ".filter(c => c.style.display !== 'none').map(c => c.dataset.name)"
        )

    _set(browser, "sort", "value", "'missing'")
    assert names()[0] == "weight_kg"
    _set(browser, "reverse", "checked", "true")
    assert names()[-1] == "weight_kg"
    _set(browser, "reverse", "checked", "false")
    _set(browser, "only-anomalies", "checked", "true")
    assert names() == ["weight_kg"]
    _set(browser, "only-anomalies", "checked", "false")
    _set(browser, "filter", "value", "'^col'")
    assert names() == ["colour"]
    _set(browser, "filter", "value", "'('")  # Not a regex: matched as text.
    assert names() == []
    _set(browser, "filter", "value", "''")
    browser.evaluate(
        "var e = document.querySelector('.kind-filter[value=\"numeric\"]'); "
        "e.checked = false; e.dispatchEvent(new Event('change'));"
    )
    assert names() == ["colour", "customer_id"]


def test_the_comparison_shows_both_runs_numbers(statistics, history, tmp_path):
    from tests.support.browser import Browser

    older = history[0][1]
    compared = {**statistics, **{f"{s} · span {SPANS[0]}": st for s, st in older.items()}}
    content = build_report(compared, history=history, against=f"span {SPANS[0]}")
    path = tmp_path / "compared.html"
    path.write_text(render_html(content), encoding="utf-8")
    with Browser() as browser:
        browser.open(path.as_uri())
        assert browser.console_errors() == []
        assert browser.evaluate("document.getElementById('against').textContent") == (
            f"compared with span {SPANS[0]}"
        )
        for split in ("train", f"train · span {SPANS[0]}"):
            stats = compared[split].datasets[0]
            [weight] = [f for f in stats.features if f.path.step == ["weight_kg"]]
            assert float(_cell(browser, "weight_kg", split, "mean")) == pytest.approx(
                weight.num_stats.mean, rel=1e-3
            )
            assert (
                _js(
                    browser,
                    f"return {_card('weight_kg')}.querySelectorAll("
                    f"'rect.bar[data-split=\"{split}\"]').length;",
                )
                > 0
            )

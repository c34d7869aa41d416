"""The report of 200 generated features: every card drawn, in a real browser.

Its time to open is measured and reported (bench/report_page.py measures it
side by side with the taxi page); no test asserts on time."""

import pytest

from bench.report_page import DRAW_ALL, generated_history, render

FEATURES = 200


@pytest.fixture(scope="module")
def opened(tmp_path_factory):
    from tests.support.browser import Browser

    path = tmp_path_factory.mktemp("report") / "wide.html"
    path.write_text(render(generated_history(FEATURES, num_spans=4)), encoding="utf-8")
    with Browser() as browser:
        browser.open(path.as_uri())
        yield browser


def test_two_hundred_features_open_without_errors(opened, record_property):
    assert opened.console_errors() == []
    assert opened.evaluate("document.querySelectorAll('.card').length") == FEATURES
    rendered = float(opened.evaluate("document.body.dataset.rendered"))
    record_property("rendered_ms", rendered)
    print(f"200 features: first screen drawn {rendered:.0f} ms after navigation")
    # The first screen is drawn; the cards far below are drawn when reached.
    assert opened.evaluate("document.querySelector('.card').querySelector('svg.chart') !== null")
    last = "document.querySelector('.card:last-child')"
    assert opened.evaluate(f"{last}.querySelector('svg.chart') === null")
    opened.evaluate(f"{last}.scrollIntoView()")
    # The observer reports after the next frames are laid out.
    opened.evaluate("new Promise(r => setTimeout(r, 200))")
    assert opened.evaluate(f"{last}.querySelector('svg.chart') !== null")


def test_printing_draws_every_card(opened, record_property):
    elapsed = float(opened.evaluate(DRAW_ALL))
    record_property("draw_all_ms", elapsed)
    print(f"200 features: every card drawn in {elapsed:.0f} ms")
    assert opened.evaluate("document.querySelectorAll('.card svg.chart').length") == FEATURES
    assert opened.evaluate("document.querySelectorAll('.card svg.spark').length") == 3 * FEATURES

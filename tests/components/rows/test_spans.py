"""Spans: calendar quarters in UTC, numbered from 1970."""

from components.rows.spans import quarter_bounds, quarter_index, quarter_name


def test_spans_are_utc_quarters_numbered_from_1970():
    assert quarter_index(0) == 0
    assert quarter_name(177) == "2014-04-01"
    begin, end = quarter_bounds(177, 178)
    assert (begin, end) == (1396310400, 1412121600)  # 2014-04-01 .. 2014-10-01
    assert quarter_index(begin) == 177 and quarter_index(end - 1) == 178
    assert quarter_index(end) == 179

"""The report's content drawn as one self-contained HTML page: inline SVG
charts, tables and cards, with `report.css` and `report.js` inlined. No
script, style or font from the network, so it opens offline, in VS Code and
in locked-down browsers.
"""

from __future__ import annotations

import html
import json
import math
from importlib import resources
from typing import Dict, Mapping

SPLIT_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd")


def _number(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.4g}" if abs(value) < 1e6 else f"{value:.4e}"


def _svg_histogram(splits: Mapping[str, Dict]) -> str:
    """Equal-width buckets, each split's share of examples, overlaid."""
    width, height = 320, 90
    parts = []
    for index, (split, summary) in enumerate(splits.items()):
        buckets = summary.get("histogram") or []
        total = sum(count for _, _, count in buckets) or 1.0
        if not buckets:
            continue
        step = width / len(buckets)
        colour = SPLIT_COLOURS[index % len(SPLIT_COLOURS)]
        for i, (low, high, count) in enumerate(buckets):
            bar = height * count / total
            bounds = f"{_number(low)} to {_number(high)}: " if low is not None else ""
            parts.append(
                f'<rect x="{i * step + 1:.1f}" y="{height - bar:.1f}" '
                f'width="{step - 2:.1f}" height="{bar:.1f}" fill="{colour}" '
                f'fill-opacity="0.45"><title>{html.escape(split)}: '
                f"{bounds}{count / total:.1%}</title></rect>"
            )
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="histogram">{"".join(parts)}</svg>'
    )


def _svg_top_values(splits: Mapping[str, Dict]) -> str:
    """Top values' shares per split; unlabeled ranks for sensitive features."""
    first = next(iter(splits.values()))
    labels = [value for value, _ in first.get("top_values", [])]
    row, width = 16, 320
    parts = []
    for r, label in enumerate(labels):
        y = r * row * len(splits)
        text = html.escape(label) if label else f"rank {r + 1}"
        parts.append(f'<text x="0" y="{y + row - 4}" class="label">{text[:22]}</text>')
        for index, (split, summary) in enumerate(splits.items()):
            shares = summary.get("top_values", [])
            share = (
                dict(shares).get(label, 0.0)
                if label
                else (shares[r][1] if r < len(shares) else 0.0)
            )
            colour = SPLIT_COLOURS[index % len(SPLIT_COLOURS)]
            parts.append(
                f'<rect x="150" y="{y + index * row + 2}" width="{170 * share:.1f}" '
                f'height="{row - 4}" fill="{colour}"><title>{html.escape(split)}: '
                f"{share:.1%}</title></rect>"
            )
    height = max(row, len(labels) * row * len(splits))
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="top values">{"".join(parts)}</svg>'
    )


def _stats_table(feature: Dict) -> str:
    splits = feature["splits"]
    rows = [("count", "count"), ("missing %", "missing_pct")]
    if feature["kind"] == "numeric":
        rows += [
            ("mean", "mean"),
            ("std", "std"),
            ("min", "min"),
            ("median", "median"),
            ("max", "max"),
            ("zeros", "zeros"),
        ]
    elif feature["kind"] == "categorical":
        rows += [("unique", "unique")]
    first = next(iter(splits.values()))
    rows = [(label, key) for label, key in rows if key in first]
    header = "".join(f"<th>{html.escape(s)}</th>" for s in splits)
    body = "".join(
        f"<tr><td>{label}</td>"
        + "".join(
            f'<td data-split="{html.escape(s)}" data-stat="{key}">'
            f"{_number(summary.get(key)) if key != 'missing_pct' else f'{summary[key]:.2f}'}"
            f"</td>"
            for s, summary in splits.items()
        )
        + "</tr>"
        for label, key in rows
    )
    return f"<table><tr><th></th>{header}</tr>{body}</table>"


def _card(feature: Dict) -> str:
    chart = (
        _svg_histogram(feature["splits"])
        if feature["kind"] == "numeric"
        else _svg_top_values(feature["splits"])
        if feature["kind"] == "categorical"
        else ""
    )
    drift = feature["drift"]
    drift_text = f"{drift['measure']} {drift['score']:.4f}" if drift else "no previous span"
    if drift and "threshold" in drift:
        drift_text += f" (the gate stops at {drift['threshold']:g})"
    anomalies = "".join(f"<li>{html.escape(line)}</li>" for line in feature["anomalies"])
    badges = ('<span class="badge anomaly">anomaly</span>' if anomalies else "") + (
        '<span class="badge sensitive">sensitive</span>' if feature["sensitive"] else ""
    )
    return (
        f'<section class="card{" has-anomaly" if anomalies else ""}" '
        f'data-name="{html.escape(feature["name"])}" '
        f'data-missing="{feature["missing_pct"]:.6f}" '
        f'data-drift="{drift["score"] if drift else -1:.6f}" '
        f'data-anomalies="{len(feature["anomalies"])}">'
        f"<h2>{html.escape(feature['name'])} <small>{feature['kind']}</small>{badges}</h2>"
        f"{_stats_table(feature)}{chart}"
        f'<p class="drift">span drift: {drift_text}</p>'
        f"{f'<ul class=anomalies>{anomalies}</ul>' if anomalies else ''}</section>"
    )


# The page needs nothing from outside; the policy makes the browser refuse it if it asks.
_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
)


def _asset(name: str) -> str:
    """A file beside this module; read as package data, so it works from the wheel too."""
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def render_html(report: Dict) -> str:
    """One HTML file with everything inline; it requests nothing."""
    splits = ", ".join(f"{html.escape(s)} {n:,}" for s, n in report["splits"].items())
    spans = report["spans"]
    span_text = (
        f"span {spans['current']} against span {spans['previous']}"
        if spans
        else "one span in the data: no span drift"
    )
    legend = "".join(
        f'<span style="color:{SPLIT_COLOURS[i % len(SPLIT_COLOURS)]}">'
        f"&#9632; {html.escape(s)}</span>"
        for i, s in enumerate(report["splits"])
    )
    dataset_anomalies = "".join(
        f"<li>{html.escape(line)}</li>" for line in report["dataset_anomalies"]
    )
    cards = "".join(_card(feature) for feature in report["features"])
    data = json.dumps(report).replace("</", "<\\/")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_CONTENT_SECURITY_POLICY}">
<title>{html.escape(report["title"])}</title><style>
{_asset("report.css")}</style></head>
<body><header><h1>{html.escape(report["title"])}</h1><div class="overview">
<span id="examples">examples: {splits}</span>
<span id="num-features">features: {report["num_features"]}</span>
<span id="with-missing">with missing values: {report["features_with_missing"]}</span>
<span id="num-anomalies">anomalies: {report["num_anomalies"]}</span>
<span id="spans">{span_text}</span></div>
{f'<ul class="anomalies">{dataset_anomalies}</ul>' if dataset_anomalies else ""}
</header>
<div class="controls"><input id="filter" type="search" placeholder="filter by name">
<label>sort by <select id="sort"><option value="name">name</option>
<option value="missing">missing %</option><option value="drift">drift</option>
<option value="anomalies">anomalies</option></select></label>
<label><input id="only-anomalies" type="checkbox"> only features with anomalies</label>
<span class="legend">{legend}</span></div>
<main id="cards">{cards}</main>
<script type="application/json" id="report-data">{data}</script>
<script>
{_asset("report.js")}</script></body></html>
"""

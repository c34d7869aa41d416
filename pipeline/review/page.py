"""The report's content as one self-contained HTML page: tables, cards and
controls in HTML, charts drawn as inline SVG by `charts.js` and `report.js`
from the report's data embedded in the page, with `report.css`. No script,
style or font from the network, so it opens offline, in VS Code and in
locked-down browsers.
"""

from __future__ import annotations

import html
import json
import math
from importlib import resources
from typing import Dict, List

# The same palette as charts.js, for the legend.
SPLIT_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2")
SORT_KEYS = (
    ("name", "name"),
    ("non-uniformity", "nonuniformity"),
    ("missing %", "missing"),
    ("drift", "drift"),
    ("anomalies", "anomalies"),
)
SCRIPTS = ("charts.js", "report.js")


def _number(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.4g}" if abs(value) < 1e6 else f"{value:.4e}"


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
    header = "".join(f'<th data-split="{html.escape(s)}">{html.escape(s)}</th>' for s in splits)
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


def _domain_note(feature: Dict) -> str:
    domain = feature["domain"]
    if not domain:
        return ""
    if "values" in domain:
        text = f"schema allows {len(domain['values'])} values; others are marked \u2715"
    else:
        bounds = " \u2264 ".join(
            part
            for part in (
                _number(domain["min"]) if "min" in domain else "",
                "value",
                _number(domain["max"]) if "max" in domain else "",
            )
            if part
        )
        text = f"schema domain: {bounds}; buckets outside it are red"
    return f'<p class="domain-note">{html.escape(text)}</p>'


def _anomaly_list(entries: List[Dict], shown_spans: List[str]) -> str:
    """Findings with their rule and override; one about a span the charts do
    not show says how to put it beside them."""
    if not entries:
        return ""
    items = "".join(
        f"<li><span class=finding>{html.escape(entry['text'])}</span>"
        + (f'<span class="rule">rule: <code>{html.escape(entry["rule"])}</code></span>')
        * bool(entry["rule"])
        + f'<span class="accept">to let it pass: <code>{html.escape(entry["accept"])}</code>'
        "</span>"
        + (
            f'<span class="accept">to see span {html.escape(entry["span"])} on the chart: '
            f"<code>report --against {html.escape(entry['span'])}</code></span>"
        )
        * bool(entry["span"] and entry["span"] not in shown_spans)
        + "</li>"
        for entry in entries
    )
    return f'<ul class="anomalies">{items}</ul>'


def _drift_text(drift: Dict) -> str:
    if not drift:
        return "no previous span"
    text = f"{drift['measure']} {drift['score']:.4f}"
    if "threshold" in drift:
        text += f" (the gate stops at {drift['threshold']:g})"
    return text


def _card(index: int, feature: Dict, shown_spans: List[str]) -> str:
    drift = feature["drift"]
    anomalies = feature["anomalies"]
    badges = ('<span class="badge anomaly">anomaly</span>' if anomalies else "") + (
        '<span class="badge sensitive">sensitive</span>' if feature["sensitive"] else ""
    )
    unit = f" \u00b7 {html.escape(feature['unit'])}" if feature["unit"] else ""
    return (
        f'<section class="card{" has-anomaly" if anomalies else ""}" data-index="{index}" '
        f'data-name="{html.escape(feature["name"])}" data-kind="{feature["kind"]}" '
        f'data-missing="{feature["missing_pct"]:.6f}" '
        f'data-nonuniformity="{feature["non_uniformity"]:.6f}" '
        f'data-drift="{drift["score"] if drift else -1:.6f}" '
        f'data-anomalies="{len(anomalies)}">'
        f'<h2><span class="name">{html.escape(feature["name"])}</span> '
        f"<small>{feature['kind']}{unit}</small>{badges}"
        '<button class="expand" type="button" aria-expanded="false">expand</button></h2>'
        f'<div class="body">{_stats_table(feature)}<div class="distribution"></div></div>'
        f"{_domain_note(feature)}"
        f'<div class="drift-row"><span class="gauge-slot"></span>'
        f'<p class="drift">span drift: {html.escape(_drift_text(drift))}</p></div>'
        f'<div class="history"></div>{_anomaly_list(anomalies, shown_spans)}</section>'
    )


# The page needs nothing from outside; the policy makes the browser refuse it if it asks.
_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
)


def _asset(name: str) -> str:
    """A file beside this module; read as package data, so it works from the wheel too."""
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def _controls(splits: Dict[str, int]) -> str:
    sort = "".join(f'<option value="{key}">{label}</option>' for label, key in SORT_KEYS)
    legend = "".join(
        f'<label style="color:{SPLIT_COLOURS[i % len(SPLIT_COLOURS)]}">'
        f'<input class="split-toggle" type="checkbox" value="{html.escape(s)}" checked>'
        f"&#9632; {html.escape(s)}</label>"
        for i, s in enumerate(splits)
    )
    kinds = "".join(
        f'<label><input class="kind-filter" type="checkbox" value="{kind}" checked> {kind}</label>'
        for kind in ("numeric", "categorical")
    )
    return f"""<div class="controls">
<input id="filter" type="search" placeholder="filter by name (regex)">
<label>sort by <select id="sort">{sort}</select></label>
<label><input id="reverse" type="checkbox"> reverse</label>
<label><input id="only-anomalies" type="checkbox"> only with anomalies</label>{kinds}
</div><div class="controls">
<label>numeric chart <select id="histogram-kind"><option value="standard">standard histogram
</option><option value="quantiles">quantiles</option></select></label>
<label>show <select id="values-as"><option value="percent">percentages</option>
<option value="count">counts</option></select></label>
<label><input id="log-scale" type="checkbox"> log scale</label>
<label>splits <select id="layout"><option value="overlay">overlaid outlines</option>
<option value="side">side by side</option></select></label>
<span class="legend">{legend}</span></div>"""


def _overview(report: Dict) -> str:
    splits = ", ".join(f"{html.escape(s)} {n:,}" for s, n in report["splits"].items())
    spans = report["spans"]
    span_text = (
        f"span {spans['current']} against span {spans['previous']}"
        if spans
        else "one span in the data: no span drift"
    )
    against = (
        f'<span id="against">compared with {html.escape(report["against"])}</span>'
        if report["against"]
        else ""
    )
    return f"""<div class="overview">
<span id="examples">examples: {splits}</span>
<span id="num-features">features: {report["num_features"]}</span>
<span id="with-missing">with missing values: {report["features_with_missing"]}</span>
<span id="num-anomalies">anomalies: {report["num_anomalies"]}</span>
<span id="spans">{span_text}</span>{against}</div>
{_anomaly_list(report["dataset_anomalies"], report["shown_spans"])}
<div id="span-examples"></div>"""


def render_html(report: Dict) -> str:
    """One HTML file with everything inline; it requests nothing."""
    shown = report["shown_spans"]
    cards = "".join(_card(i, feature, shown) for i, feature in enumerate(report["features"]))
    data = json.dumps(report).replace("</", "<\\/")
    scripts = "".join(_asset(name) for name in SCRIPTS)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_CONTENT_SECURITY_POLICY}">
<title>{html.escape(report["title"])}</title><style>
{_asset("report.css")}</style></head>
<body><header><h1>{html.escape(report["title"])}</h1>{_overview(report)}</header>
{_controls(report["splits"])}
<main id="cards">{cards}</main>
<script type="application/json" id="report-data">{data}</script>
<script>
{scripts}</script></body></html>
"""

"""A self-contained HTML review of TFDV statistics: no script, style or font
from the network, so it opens offline, in VS Code and in locked-down browsers.

`build_report` turns any `DatasetFeatureStatisticsList` per split (plus,
optionally, the previous span's statistics and ExampleValidator anomalies)
into a plain dict; `render_html` draws it with inline SVG, CSS and a little
JavaScript for sorting and filtering.
"""

from __future__ import annotations

import bisect
import html
import json
import math
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from tensorflow_metadata.proto.v0 import anomalies_pb2, statistics_pb2

SPLIT_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd")
TOP_VALUES_SHOWN = 8


# ---------------------------------------------------------------- statistics


def _feature_name(feature: statistics_pb2.FeatureNameStatistics) -> str:
    return ".".join(feature.path.step) or feature.name


def _features(dataset: statistics_pb2.DatasetFeatureStatistics):
    return {_feature_name(f): f for f in dataset.features}


def _common(feature) -> statistics_pb2.CommonStatistics:
    kind = feature.WhichOneof("stats")
    return getattr(feature, kind).common_stats if kind != "struct_stats" else \
        feature.struct_stats.common_stats


def missing_count(feature, num_examples: int) -> int:
    """Examples without a value: absent, or present with no value (how
    CsvExampleGen writes an empty cell) for single-valued features."""
    common = _common(feature)
    missing = common.num_missing
    if common.max_num_values <= 1:
        missing += max(0, common.num_non_missing - common.tot_num_values)
    return int(min(missing, num_examples))


def _standard_histogram(num_stats) -> Optional[statistics_pb2.Histogram]:
    for histogram in num_stats.histograms:
        if histogram.type == statistics_pb2.Histogram.STANDARD:
            return histogram
    return None


def _top_values(string_stats) -> List[Tuple[str, float]]:
    if string_stats.top_values:
        return [(v.value, v.frequency) for v in string_stats.top_values]
    return [(b.label, b.sample_count) for b in string_stats.rank_histogram.buckets]


def _numeric_summary(num_stats) -> Dict:
    histogram = _standard_histogram(num_stats)
    buckets = [(b.low_value, b.high_value, b.sample_count)
               for b in (histogram.buckets if histogram else [])]
    return {"mean": num_stats.mean, "std": num_stats.std_dev, "min": num_stats.min,
            "median": num_stats.median, "max": num_stats.max,
            "zeros": int(num_stats.num_zeros), "histogram": buckets}


def _categorical_summary(string_stats, sensitive: bool) -> Dict:
    top = _top_values(string_stats)
    total = sum(count for _, count in top) or 1.0
    summary = {"unique": int(string_stats.unique),
               # Sensitive features keep the shape of the distribution only.
               "top_values": [("" if sensitive else value, count / total)
                              for value, count in top[:TOP_VALUES_SHOWN]]}
    return summary


def summarize(feature, num_examples: int, sensitive: bool) -> Dict:
    kind = feature.WhichOneof("stats")
    summary = {"count": int(_common(feature).num_non_missing),
               "missing": missing_count(feature, num_examples),
               "missing_pct": 100.0 * missing_count(feature, num_examples)
               / num_examples if num_examples else 0.0}
    if kind == "num_stats":
        numeric = _numeric_summary(feature.num_stats)
        if sensitive:  # Min, max and even the mean can reveal raw values.
            numeric = {"zeros": numeric["zeros"],
                       "histogram": [(None, None, count)
                                     for _, _, count in numeric["histogram"]]}
        summary.update(kind="numeric", **numeric)
    elif kind == "string_stats":
        summary.update(kind="categorical",
                       **_categorical_summary(feature.string_stats, sensitive))
    else:
        summary.update(kind=kind or "unknown")
    return summary


# --------------------------------------------------------------------- drift


def _histogram_mass(buckets: Sequence[Tuple[float, float, float]],
                    edges: Sequence[float]) -> List[float]:
    """Re-bins counts onto `edges`, spreading each bucket uniformly."""
    mass = [0.0] * (len(edges) - 1)
    for low, high, count in buckets:
        if high <= low:  # All values equal: a point mass.
            index = bisect.bisect_right(edges, low) - 1
            mass[min(max(index, 0), len(mass) - 1)] += count
            continue
        for i in range(len(mass)):
            overlap = min(high, edges[i + 1]) - max(low, edges[i])
            if overlap > 0:
                mass[i] += count * overlap / (high - low)
    total = sum(mass)
    return [m / total for m in mass] if total else mass


def jensen_shannon(p: Sequence[float], q: Sequence[float]) -> float:
    """JS divergence (base 2, so in [0, 1]) between two distributions."""
    def kl(a, b):
        return sum(x * math.log2(x / y) for x, y in zip(a, b) if x > 0)
    middle = [(x + y) / 2 for x, y in zip(p, q)]
    return max(0.0, (kl(p, middle) + kl(q, middle)) / 2)


def numeric_drift(previous: Dict, current: Dict) -> Optional[float]:
    edges = sorted({edge for low, high, _ in previous["histogram"] + current["histogram"]
                    for edge in (low, high)})
    if len(edges) < 2:
        return None
    return jensen_shannon(_histogram_mass(previous["histogram"], edges),
                          _histogram_mass(current["histogram"], edges))


def l_infinity(previous: Mapping[str, float], current: Mapping[str, float]) -> float:
    """Largest difference in a value's share between two distributions."""
    prev_total = sum(previous.values()) or 1.0
    cur_total = sum(current.values()) or 1.0
    return max((abs(previous.get(v, 0) / prev_total - current.get(v, 0) / cur_total)
                for v in set(previous) | set(current)), default=0.0)


def drift(previous_feature, current_feature) -> Optional[Tuple[str, float]]:
    """(measure, score) between two spans' statistics of one feature."""
    kind = current_feature.WhichOneof("stats")
    if kind != previous_feature.WhichOneof("stats"):
        return None
    if kind == "num_stats":
        score = numeric_drift(_numeric_summary(previous_feature.num_stats),
                              _numeric_summary(current_feature.num_stats))
        return None if score is None else ("Jensen-Shannon", score)
    if kind == "string_stats":
        return ("L-infinity", l_infinity(dict(_top_values(previous_feature.string_stats)),
                                         dict(_top_values(current_feature.string_stats))))
    return None


# -------------------------------------------------------------------- report


def _anomaly_lines(anomalies_by_split: Mapping[str, anomalies_pb2.Anomalies]
                   ) -> Dict[str, List[str]]:
    lines: Dict[str, List[str]] = {}
    for split, anomalies in sorted(anomalies_by_split.items()):
        for feature, info in anomalies.anomaly_info.items():
            for reason in info.reason or [info]:
                lines.setdefault(feature, []).append(
                    f"{split}: {reason.short_description}: {reason.description}")
    return lines


def build_report(stats_by_split: Mapping[str, statistics_pb2.DatasetFeatureStatisticsList],
                 anomalies_by_split: Mapping[str, anomalies_pb2.Anomalies] = {},
                 spans: Optional[Dict] = None,
                 sensitive: Iterable[str] = (), title: str = "Statistics",
                 gate_drift: Mapping[str, Tuple[str, float, float]] = {}) -> Dict:
    """The report's content as a plain dict, from any TFDV statistics.

    `spans`, when given, is {"current": (span, stats_list), "previous": (span,
    stats_list)}: each feature gets a drift score between them.
    `gate_drift` maps a feature to (measure, value, threshold) as TFDV's
    comparator measured it for the gate; it replaces the report's own score.
    """
    sensitive = set(sensitive)
    datasets = {split: stats.datasets[0] for split, stats in stats_by_split.items()}
    anomaly_lines = _anomaly_lines(anomalies_by_split)
    drift_pairs = {}
    if spans:
        previous = _features(spans["previous"][1].datasets[0])
        current = _features(spans["current"][1].datasets[0])
        drift_pairs = {name: drift(previous[name], current[name])
                       for name in current if name in previous}
    names = sorted({name for d in datasets.values() for name in _features(d)})
    features = []
    for name in names:
        per_split = {split: summarize(_features(d)[name], int(d.num_examples),
                                      name in sensitive)
                     for split, d in datasets.items() if name in _features(d)}
        measured = drift_pairs.get(name)
        drift_entry = ({"measure": measured[0], "score": measured[1]}
                       if measured else None)
        if name in gate_drift:
            measure, score, threshold = gate_drift[name]
            drift_entry = {"measure": measure, "score": score, "threshold": threshold}
        features.append({
            "name": name,
            "kind": next(iter(per_split.values()))["kind"],
            "sensitive": name in sensitive,
            "splits": per_split,
            "missing_pct": max(s["missing_pct"] for s in per_split.values()),
            "drift": drift_entry,
            "anomalies": anomaly_lines.get(name, []),
        })
    return {
        "title": title,
        "splits": {split: int(d.num_examples) for split, d in datasets.items()},
        "spans": ({"current": spans["current"][0], "previous": spans["previous"][0]}
                  if spans else None),
        "num_features": len(features),
        "features_with_missing": sum(1 for f in features if f["missing_pct"] > 0),
        "num_anomalies": sum(len(lines) for lines in anomaly_lines.values()),
        "dataset_anomalies": [line for split, a in anomalies_by_split.items()
                              for line in (f"{split}: {r.description}"
                                           for r in a.dataset_anomaly_info.reason)],
        "features": features,
    }


# ---------------------------------------------------------------------- html


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
                f'{bounds}{count / total:.1%}</title></rect>')
    return (f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="histogram">{"".join(parts)}</svg>')


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
            share = dict(shares).get(label, 0.0) if label else (
                shares[r][1] if r < len(shares) else 0.0)
            colour = SPLIT_COLOURS[index % len(SPLIT_COLOURS)]
            parts.append(
                f'<rect x="150" y="{y + index * row + 2}" width="{170 * share:.1f}" '
                f'height="{row - 4}" fill="{colour}"><title>{html.escape(split)}: '
                f'{share:.1%}</title></rect>')
    height = max(row, len(labels) * row * len(splits))
    return (f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="top values">{"".join(parts)}</svg>')


def _stats_table(feature: Dict) -> str:
    splits = feature["splits"]
    rows = [("count", "count"), ("missing %", "missing_pct")]
    if feature["kind"] == "numeric":
        rows += [("mean", "mean"), ("std", "std"), ("min", "min"),
                 ("median", "median"), ("max", "max"), ("zeros", "zeros")]
    elif feature["kind"] == "categorical":
        rows += [("unique", "unique")]
    first = next(iter(splits.values()))
    rows = [(label, key) for label, key in rows if key in first]
    header = "".join(f"<th>{html.escape(s)}</th>" for s in splits)
    body = "".join(
        f'<tr><td>{label}</td>' + "".join(
            f'<td data-split="{html.escape(s)}" data-stat="{key}">'
            f'{_number(summary.get(key)) if key != "missing_pct" else f"{summary[key]:.2f}"}'
            f'</td>' for s, summary in splits.items()) + "</tr>"
        for label, key in rows)
    return f"<table><tr><th></th>{header}</tr>{body}</table>"


def _card(feature: Dict) -> str:
    chart = (_svg_histogram(feature["splits"]) if feature["kind"] == "numeric"
             else _svg_top_values(feature["splits"]) if feature["kind"] == "categorical"
             else "")
    drift = feature["drift"]
    drift_text = (f'{drift["measure"]} {drift["score"]:.4f}' if drift
                  else "no previous span")
    if drift and "threshold" in drift:
        drift_text += f' (the gate stops at {drift["threshold"]:g})'
    anomalies = "".join(f"<li>{html.escape(line)}</li>" for line in feature["anomalies"])
    badges = (('<span class="badge anomaly">anomaly</span>' if anomalies else "")
              + ('<span class="badge sensitive">sensitive</span>'
                 if feature["sensitive"] else ""))
    return (
        f'<section class="card{" has-anomaly" if anomalies else ""}" '
        f'data-name="{html.escape(feature["name"])}" '
        f'data-missing="{feature["missing_pct"]:.6f}" '
        f'data-drift="{drift["score"] if drift else -1:.6f}" '
        f'data-anomalies="{len(feature["anomalies"])}">'
        f'<h2>{html.escape(feature["name"])} <small>{feature["kind"]}</small>{badges}</h2>'
        f'{_stats_table(feature)}{chart}'
        f'<p class="drift">span drift: {drift_text}</p>'
        f'{f"<ul class=anomalies>{anomalies}</ul>" if anomalies else ""}</section>')


_STYLE = """
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;
background:#f6f7f9;color:#1d232b}header{background:#243447;color:#fff;padding:16px 24px}
h1{margin:0 0 8px;font-size:20px}.overview span{margin-right:20px}
.controls{padding:12px 24px;display:flex;gap:12px;flex-wrap:wrap;align-items:center}
.controls input,.controls select{font:inherit;padding:4px 6px}
#cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:14px;
padding:0 24px 24px}.card{background:#fff;border:1px solid #d5dae1;border-radius:6px;
padding:10px 14px}.card.has-anomaly{border-color:#d62728;border-width:2px}
.card h2{font-size:15px;margin:0 0 6px}.card small{color:#68717d;font-weight:normal}
table{border-collapse:collapse;font-size:12px;margin-bottom:6px}
td,th{padding:1px 8px 1px 0;text-align:right}td:first-child{text-align:left;color:#68717d}
.chart{width:100%;max-height:220px}.label{font-size:11px;fill:#1d232b}
.badge{font-size:11px;border-radius:3px;padding:1px 5px;margin-left:6px;color:#fff}
.anomaly{background:#d62728}.sensitive{background:#7f7f7f}.drift{color:#68717d;margin:4px 0}
.anomalies{color:#d62728;margin:4px 0;padding-left:18px}.legend span{margin-right:12px}
"""

_SCRIPT = """
(function(){
  var cards=Array.prototype.slice.call(document.querySelectorAll('.card'));
  var box=document.getElementById('cards');
  function update(){
    var text=document.getElementById('filter').value.toLowerCase();
    var only=document.getElementById('only-anomalies').checked;
    var key=document.getElementById('sort').value;
    cards.sort(function(a,b){
      if(key==='name'){return a.dataset.name.localeCompare(b.dataset.name);}
      return parseFloat(b.dataset[key])-parseFloat(a.dataset[key]);
    });
    cards.forEach(function(card){
      var show=card.dataset.name.toLowerCase().indexOf(text)>=0 &&
        (!only||card.dataset.anomalies!=='0');
      card.style.display=show?'':'none';
      box.appendChild(card);
    });
  }
  ['filter','only-anomalies','sort'].forEach(function(id){
    document.getElementById(id).addEventListener('input',update);
    document.getElementById(id).addEventListener('change',update);
  });
  update();
})();
"""


def render_html(report: Dict) -> str:
    """One HTML file with everything inline; it requests nothing."""
    splits = ", ".join(f"{html.escape(s)} {n:,}" for s, n in report["splits"].items())
    spans = report["spans"]
    span_text = (f"span {spans['current']} against span {spans['previous']}" if spans
                 else "one span in the data: no span drift")
    legend = "".join(f'<span style="color:{SPLIT_COLOURS[i % len(SPLIT_COLOURS)]}">'
                     f'&#9632; {html.escape(s)}</span>'
                     for i, s in enumerate(report["splits"]))
    dataset_anomalies = "".join(f"<li>{html.escape(line)}</li>"
                                for line in report["dataset_anomalies"])
    cards = "".join(_card(feature) for feature in report["features"])
    data = json.dumps(report).replace("</", "<\\/")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>{html.escape(report['title'])}</title><style>{_STYLE}</style></head>
<body><header><h1>{html.escape(report['title'])}</h1><div class="overview">
<span id="examples">examples: {splits}</span>
<span id="num-features">features: {report['num_features']}</span>
<span id="with-missing">with missing values: {report['features_with_missing']}</span>
<span id="num-anomalies">anomalies: {report['num_anomalies']}</span>
<span id="spans">{span_text}</span></div>
{f'<ul class="anomalies">{dataset_anomalies}</ul>' if dataset_anomalies else ''}
</header>
<div class="controls"><input id="filter" type="search" placeholder="filter by name">
<label>sort by <select id="sort"><option value="name">name</option>
<option value="missing">missing %</option><option value="drift">drift</option>
<option value="anomalies">anomalies</option></select></label>
<label><input id="only-anomalies" type="checkbox"> only features with anomalies</label>
<span class="legend">{legend}</span></div>
<main id="cards">{cards}</main>
<script type="application/json" id="report-data">{data}</script>
<script>{_SCRIPT}</script></body></html>
"""

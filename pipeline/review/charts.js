// The report's charts as SVG strings: axes with ticks, histograms (standard
// and quantile), top-value bars, the drift gauge and span history. No
// library: the page must open offline and with a strict CSP.
var Charts = (function () {
  'use strict';
  var COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#e377c2'];
  var OUTSIDE = '#d62728';
  var MARGIN = {left: 52, right: 12, top: 10, bottom: 38};

  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c];
    });
  }

  function trim(value, digits) {
    return String(+value.toPrecision(digits));
  }

  // Tick labels: short; dates for Unix seconds.
  function tick(value, unit) {
    if (value === null || value === undefined || !isFinite(value)) return '–';
    if (unit === 'Unix seconds') return new Date(value * 1000).toISOString().slice(0, 10);
    var a = Math.abs(value);
    if (a >= 1e9) return trim(value / 1e9, 3) + 'G';
    if (a >= 1e6) return trim(value / 1e6, 3) + 'M';
    if (a >= 1e4) return trim(value / 1e3, 3) + 'k';
    return trim(value, 4);
  }

  // Three significant digits, for the small charts' ranges.
  function short(value) {
    var a = Math.abs(value);
    return a !== 0 && a < 0.01 ? value.toExponential(1) : tick(+value.toPrecision(3));
  }

  // Hover text: full precision, grouped digits.
  function full(value, unit) {
    if (value === null || value === undefined || !isFinite(value)) return '–';
    if (unit === 'Unix seconds') return new Date(value * 1000).toISOString().slice(0, 16).replace('T', ' ');
    return value.toLocaleString('en-US', {maximumSignificantDigits: 7});
  }

  function linearTicks(lo, hi, count) {
    if (!(hi > lo)) return [lo];
    var raw = (hi - lo) / count;
    var power = Math.pow(10, Math.floor(Math.log10(raw)));
    var m = raw / power;
    var step = (m < 1.5 ? 1 : m < 3 ? 2 : m < 7 ? 5 : 10) * power;
    var out = [];
    for (var t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
      out.push(+t.toPrecision(12));
    }
    return out;
  }

  // Powers of ten; 1-2-5 steps when the range spans under two of them,
  // linear ticks when it spans less still.
  function logTicks(lo, hi) {
    var steps = [[1], [1, 2, 5]];
    for (var k = 0; k < steps.length; k++) {
      var out = [];
      for (var e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
        steps[k].forEach(function (m) {
          var t = +(m * Math.pow(10, e)).toPrecision(12);
          if (t >= lo * 0.999 && t <= hi * 1.001) out.push(t);
        });
      }
      if (out.length >= 2) return out;
    }
    return linearTicks(lo, hi, 4);
  }

  // A scale maps a value to a pixel; log scales put zero and below at the floor.
  function scale(lo, hi, from, to, log) {
    if (log) {
      var a = Math.log10(lo), b = Math.log10(hi);
      return function (v) {
        return v <= 0 ? from : from + (to - from) * (Math.log10(v) - a) / ((b - a) || 1);
      };
    }
    return function (v) { return from + (to - from) * (v - lo) / ((hi - lo) || 1); };
  }

  function range(values, log) {
    var kept = values.filter(function (v) { return isFinite(v) && (!log || v > 0); });
    if (!kept.length) return log ? [1, 10] : [0, 1];
    var lo = Math.min.apply(null, kept), hi = Math.max.apply(null, kept);
    // The floor is the power of ten below the smallest value, so its bar shows.
    if (log) return [Math.pow(10, Math.floor(Math.log10(lo))), hi > lo ? hi : lo * 10];
    if (hi > lo) return [lo, hi];
    return lo >= 0 ? [0, hi || 1] : [lo - 1, hi + 1];
  }

  function frame(width, height) {
    return {x0: MARGIN.left, x1: width - MARGIN.right, y0: height - MARGIN.bottom, y1: MARGIN.top};
  }

  // Axis lines, ticks, tick labels and a title; `ticks` are values, `at` their pixel.
  function axes(f, x, y, width, height) {
    var parts = ['<g class="axis">',
      '<line x1="' + f.x0 + '" y1="' + f.y0 + '" x2="' + f.x1 + '" y2="' + f.y0 + '"/>',
      '<line x1="' + f.x0 + '" y1="' + f.y0 + '" x2="' + f.x0 + '" y2="' + f.y1 + '"/>'];
    x.ticks.forEach(function (t) {
      var px = x.at(t).toFixed(1);
      parts.push('<line x1="' + px + '" y1="' + f.y0 + '" x2="' + px + '" y2="' + (f.y0 + 4) + '"/>' +
        '<text class="tick x-tick" x="' + px + '" y="' + (f.y0 + 14) + '" text-anchor="middle">' +
        esc(x.label(t)) + '</text>');
    });
    y.ticks.forEach(function (t) {
      var py = y.at(t).toFixed(1);
      parts.push('<line x1="' + (f.x0 - 4) + '" y1="' + py + '" x2="' + f.x0 + '" y2="' + py + '"/>' +
        '<text class="tick y-tick" x="' + (f.x0 - 6) + '" y="' + py + '" dy="0.32em" text-anchor="end">' +
        esc(y.label(t)) + '</text>');
    });
    parts.push('<text class="axis-title x-title" x="' + ((f.x0 + f.x1) / 2) + '" y="' + (height - 4) +
      '" text-anchor="middle">' + esc(x.title) + '</text>');
    parts.push('<text class="axis-title y-title" transform="translate(11,' + ((f.y0 + f.y1) / 2) +
      ') rotate(-90)" text-anchor="middle">' + esc(y.title) + '</text></g>');
    return parts.join('');
  }

  function svg(width, height, kind, body) {
    return '<svg class="chart ' + kind + '" viewBox="0 0 ' + width + ' ' + height + '" width="' + width +
      '" height="' + height + '" role="img" aria-label="' + kind + '">' + body + '</svg>';
  }

  function valueAxis(title, values, log, unit, from, to, count) {
    var r = range(values, log);
    if (!log) r = [Math.min(0, r[0]), r[1]];
    return {ticks: log ? logTicks(r[0], r[1]) : linearTicks(r[0], r[1], count), at: scale(r[0], r[1], from, to, log),
      label: function (t) { return tick(t, unit); }, title: title, lo: r[0], hi: r[1]};
  }

  function outsideDomain(domain, lo, hi) {
    if (!domain || lo === null) return false;
    return ('min' in domain && hi < domain.min) || ('max' in domain && lo > domain.max);
  }

  function domainLine(f, domain, x, vertical) {
    var parts = [];
    ['min', 'max'].forEach(function (key) {
      if (!domain || !(key in domain) || domain[key] < x.lo || domain[key] > x.hi) return;
      var p = x.at(domain[key]).toFixed(1);
      parts.push(vertical
        ? '<line class="domain-line" x1="' + p + '" y1="' + f.y0 + '" x2="' + p + '" y2="' + f.y1 + '"/>' +
          '<text class="domain-label" x="' + (key === 'min' ? +p + 2 : p - 2) + '" y="' + (f.y1 + 8) + '" text-anchor="' +
          (key === 'min' ? 'start' : 'end') + '">schema ' + key + '</text>'
        : '<line class="domain-line" x1="' + f.x0 + '" y1="' + p + '" x2="' + f.x1 + '" y2="' + p + '"/>' +
          '<text class="domain-label" x="' + (f.x1 - 2) + '" y="' + (p - 3) + '" text-anchor="end">schema ' + key + '</text>');
    });
    return parts.join('');
  }

  // TFDV's equal-width buckets; each split's own edges, overlaid as outlines or side by side.
  function histogram(series, o) {
    var f = frame(o.width, o.height), hidden = series.some(function (s) { return s.buckets.length && s.buckets[0][0] === null; });
    var lows = [], highs = [], heights = [];
    series.forEach(function (s) {
      s.buckets.forEach(function (b, i) {
        lows.push(hidden ? i : b[0]); highs.push(hidden ? i + 1 : b[1]);
        heights.push(o.pct ? 100 * b[2] / s.total : b[2]);
      });
    });
    var xr = range(lows.concat(highs), false);
    var x = {ticks: hidden ? [] : linearTicks(xr[0], xr[1], o.width > 500 ? 10 : 5), at: scale(xr[0], xr[1], f.x0, f.x1, false),
      label: function (t) { return tick(t, o.unit); }, lo: xr[0], hi: xr[1],
      title: hidden ? 'buckets (values hidden: sensitive)' : o.name + (o.unit ? ' (' + o.unit + ')' : '')};
    var y = valueAxis(o.pct ? '% of values' : 'values', heights, o.log, '', f.y0, f.y1, 4);
    var parts = [];
    series.forEach(function (s, k) {
      var partly = o.domain && (('min' in o.domain && s.min < o.domain.min) || ('max' in o.domain && s.max > o.domain.max));
      s.buckets.forEach(function (b, i) {
        var lo = hidden ? i : b[0], hi = hidden ? i + 1 : b[1], value = o.pct ? 100 * b[2] / s.total : b[2];
        var left = x.at(lo), w = Math.max(1, x.at(hi) - left);
        if (o.layout === 'side') { w = w / series.length; left += k * w; }
        var top = y.at(Math.max(value, o.log ? 0 : y.lo)), base = y.at(o.log ? y.lo : Math.max(0, y.lo));
        var out = outsideDomain(o.domain, lo, hi) || (partly && o.domain &&
          (('min' in o.domain && lo < o.domain.min) || ('max' in o.domain && hi > o.domain.max)));
        var colour = out ? OUTSIDE : s.colour;
        var bounds = hidden ? 'bucket ' + (i + 1) : full(lo, o.unit) + ' to ' + full(hi, o.unit) + (o.unit && o.unit !== 'Unix seconds' ? ' ' + o.unit : '');
        parts.push('<rect class="bar' + (out ? ' outside' : '') + '" data-split="' + esc(s.name) + '" data-value="' + value +
          '" x="' + left.toFixed(1) + '" y="' + Math.min(top, base).toFixed(1) + '" width="' + Math.max(0.5, w - (o.layout === 'side' ? 0.5 : 0)).toFixed(1) +
          '" height="' + Math.abs(base - top).toFixed(1) + '" fill="' + colour + '" fill-opacity="' + (o.layout === 'side' ? 0.75 : 0.2) +
          '" stroke="' + colour + '" stroke-width="' + (o.layout === 'side' ? 0 : 1.5) + '"><title>' + esc(s.name) + ': ' + esc(bounds) + ': ' +
          full(b[2]) + ' values (' + (100 * b[2] / s.total).toFixed(1) + '%)' + (out ? ', outside the schema\'s domain' : '') + '</title></rect>');
      });
    });
    return svg(o.width, o.height, 'histogram', axes(f, x, y, o.width, o.height) + parts.join('') + domainLine(f, o.domain, x, true));
  }

  // TFDV's quantile buckets as the quantile function: value at each cumulative share.
  function quantiles(series, o) {
    var f = frame(o.width, o.height), values = [];
    var lines = series.map(function (s) {
      var total = s.buckets.reduce(function (a, b) { return a + b[2]; }, 0) || 1, seen = 0;
      var points = s.buckets.length ? [[0, s.buckets[0][0]]] : [];
      s.buckets.forEach(function (b) { seen += b[2]; points.push([100 * seen / total, b[1]]); });
      points.forEach(function (p) { values.push(p[1]); });
      return points;
    });
    var log = o.log && values.every(function (v) { return v > 0; });
    var x = {ticks: [0, 25, 50, 75, 100], at: scale(0, 100, f.x0, f.x1, false), label: function (t) { return t + '%'; },
      title: 'share of values at or below (quantiles' + (o.log && !log ? '; log scale needs positive values' : '') + ')'};
    // Points, not bars: the axis starts at the smallest value.
    var r = log ? [Math.min.apply(null, values), range(values, true)[1]] : range(values, false);
    var y = {ticks: log ? logTicks(r[0], r[1]) : linearTicks(r[0], r[1], 4), at: scale(r[0], r[1], f.y0, f.y1, log),
      label: function (t) { return tick(t, o.unit); }, lo: r[0], hi: r[1], title: o.name + (o.unit ? ' (' + o.unit + ')' : '')};
    var parts = [];
    series.forEach(function (s, k) {
      var pts = lines[k].map(function (p) { return x.at(p[0]).toFixed(1) + ',' + y.at(p[1]).toFixed(1); });
      parts.push('<polyline fill="none" stroke="' + s.colour + '" stroke-width="1.5" points="' + pts.join(' ') + '"/>');
      lines[k].forEach(function (p) {
        var out = outsideDomain(o.domain, p[1], p[1]);
        parts.push('<circle class="quantile' + (out ? ' outside' : '') + '" data-split="' + esc(s.name) + '" data-value="' + p[1] +
          '" cx="' + x.at(p[0]).toFixed(1) + '" cy="' + y.at(p[1]).toFixed(1) + '" r="2.5" fill="' + (out ? OUTSIDE : s.colour) + '"><title>' +
          esc(s.name) + ': ' + p[0].toFixed(0) + '%: ' + full(p[1], o.unit) + (out ? ', outside the schema\'s domain' : '') + '</title></circle>');
      });
    });
    return svg(o.width, o.height, 'quantiles', axes(f, x, y, o.width, o.height) + parts.join('') + domainLine(f, o.domain, y, false));
  }

  // Top values per split: bars with counts and shares; values outside the schema's domain in red.
  function topValues(series, o) {
    var labels = [], seen = {};
    series.forEach(function (s) {
      s.values.forEach(function (v, rank) {
        var key = v[0] === '' ? 'rank ' + (rank + 1) : v[0];
        if (!(key in seen)) { seen[key] = labels.length; labels.push(key); }
      });
    });
    labels = labels.slice(0, o.shown);
    var rows = o.layout === 'side' ? series.length : 1, bar = 11, rowHeight = rows * bar + 6, labelWidth = o.width > 500 ? 220 : 120;
    var fits = Math.floor((labelWidth - 18) / 6.2);  // Characters of an 11px label.
    var height = MARGIN.top + labels.length * rowHeight + MARGIN.bottom;
    var f = {x0: labelWidth, x1: o.width - 90, y0: height - MARGIN.bottom, y1: MARGIN.top};
    var values = [];
    series.forEach(function (s) { s.values.forEach(function (v) { values.push(o.pct ? 100 * v[2] : v[1]); }); });
    var x = valueAxis(o.pct ? '% of values' : 'values', values, o.log, '', f.x0, f.x1, 4);
    var parts = ['<g class="axis"><line x1="' + f.x0 + '" y1="' + f.y0 + '" x2="' + f.x1 + '" y2="' + f.y0 + '"/>'];
    x.ticks.forEach(function (t) {
      parts.push('<text class="tick x-tick" x="' + x.at(t).toFixed(1) + '" y="' + (f.y0 + 14) + '" text-anchor="middle">' + esc(x.label(t)) + '</text>');
    });
    parts.push('<text class="axis-title x-title" x="' + ((f.x0 + f.x1) / 2) + '" y="' + (height - 4) + '" text-anchor="middle">' + esc(x.title) + '</text></g>');
    labels.forEach(function (label, r) {
      var top = MARGIN.top + r * rowHeight, out = o.domain && o.domain.values && !o.sensitive && o.domain.values.indexOf(label) < 0;
      parts.push('<text class="label' + (out ? ' outside' : '') + '" x="' + (labelWidth - 6) + '" y="' + (top + rows * bar / 2 + 4) +
        '" text-anchor="end">' + (out ? '\u2715 ' : '') + esc(label.length > fits ? label.slice(0, fits - 1) + '\u2026' : label) +
        '<title>' + esc(label) + (out ? ': not in the schema\'s domain' : '') + '</title></text>');
      series.forEach(function (s, k) {
        var v = s.values.filter(function (entry, rank) { return (entry[0] === '' ? 'rank ' + (rank + 1) : entry[0]) === label; })[0];
        var count = v ? v[1] : 0, share = v ? v[2] : 0, value = o.pct ? 100 * share : count;
        var y0 = top + (o.layout === 'side' ? k * bar : 0), w = Math.max(0, x.at(value) - f.x0);
        parts.push('<rect class="bar' + (out ? ' outside' : '') + '" data-split="' + esc(s.name) + '" data-value="' + value + '" x="' + f.x0 + '" y="' + y0 +
          '" width="' + w.toFixed(1) + '" height="' + (bar - 2) + '" fill="' + (out ? OUTSIDE : s.colour) + '" fill-opacity="' + (o.layout === 'side' ? 0.8 : 0.25) +
          '" stroke="' + (out ? OUTSIDE : s.colour) + '"><title>' + esc(s.name) + ': ' + esc(label) + ': ' + full(count) + ' (' + (100 * share).toFixed(1) + '%)</title></rect>');
        if (o.layout === 'side' || k === 0) {
          parts.push('<text class="bar-value" x="' + (f.x0 + w + 4).toFixed(1) + '" y="' + (y0 + bar - 3) + '">' +
            (o.pct ? (100 * share).toFixed(1) + '%' : tick(count)) + '</text>');
        }
      });
    });
    return svg(o.width, height, 'top-values', parts.join(''));
  }

  // The newest span's drift against the gate's threshold.
  function gauge(drift) {
    var width = 180, height = 22, max = Math.max(drift.threshold ? drift.threshold * 1.5 : 1, drift.score * 1.1, 1e-9);
    var at = scale(0, max, 2, width - 2, false), over = drift.threshold !== undefined && drift.score > drift.threshold;
    var body = '<rect class="track" x="2" y="6" width="' + (width - 4) + '" height="10" rx="2"/>' +
      '<rect class="fill' + (over ? ' over' : '') + '" x="2" y="6" width="' + Math.max(1, at(drift.score) - 2).toFixed(1) + '" height="10" rx="2"/>';
    if (drift.threshold !== undefined) {
      body += '<line class="threshold" x1="' + at(drift.threshold).toFixed(1) + '" y1="2" x2="' + at(drift.threshold).toFixed(1) + '" y2="20"/>';
    }
    return '<svg class="gauge" viewBox="0 0 ' + width + ' ' + height + '" width="' + width + '" height="' + height +
      '" role="img" aria-label="drift gauge"><title>' + esc(drift.measure) + ' ' + drift.score.toFixed(4) +
      (drift.threshold !== undefined ? '; the gate stops above ' + drift.threshold : '') + '</title>' + body + '</svg>';
  }

  // One measure over the spans, the newest point highlighted.
  function sparkline(points, key, title, threshold) {
    var width = 186, height = 62, f = {x0: 48, x1: width - 6, y0: height - 16, y1: 14};
    var values = points.map(function (p) { return p[key]; }).filter(function (v) { return v !== null && v !== undefined; });
    if (threshold !== undefined) values.push(threshold);
    var r = range(values.length ? values : [0, 1], false);
    var x = scale(0, Math.max(1, points.length - 1), f.x0, f.x1, false), y = scale(r[0], r[1], f.y0, f.y1, false);
    var parts = ['<text class="spark-title" x="0" y="9">' + esc(title) + '</text>',
      '<text class="tick" x="' + (f.x0 - 3) + '" y="' + (f.y1 + 3) + '" text-anchor="end">' + short(r[1]) + '</text>',
      '<text class="tick" x="' + (f.x0 - 3) + '" y="' + (f.y0 + 3) + '" text-anchor="end">' + short(r[0]) + '</text>',
      '<line class="spark-axis" x1="' + f.x0 + '" y1="' + f.y0 + '" x2="' + f.x1 + '" y2="' + f.y0 + '"/>'];
    if (points.length) {
      parts.push('<text class="tick" x="' + f.x0 + '" y="' + (height - 3) + '">' + esc(points[0].span) + '</text>');
      if (points.length > 1) {
        parts.push('<text class="tick" x="' + f.x1 + '" y="' + (height - 3) + '" text-anchor="end">' + esc(points[points.length - 1].span) + '</text>');
      }
    }
    if (threshold !== undefined) {
      parts.push('<line class="threshold" x1="' + f.x0 + '" y1="' + y(threshold).toFixed(1) + '" x2="' + f.x1 + '" y2="' + y(threshold).toFixed(1) + '"/>');
    }
    var line = [];
    points.forEach(function (p, i) {
      var v = p[key];
      if (v === null || v === undefined) return;
      line.push(x(i).toFixed(1) + ',' + y(v).toFixed(1));
    });
    parts.push('<polyline class="spark-line" points="' + line.join(' ') + '"/>');
    points.forEach(function (p, i) {
      var v = p[key], newest = i === points.length - 1;
      if (v === null || v === undefined) return;
      parts.push('<circle class="point' + (newest ? ' newest' : '') + '" data-span="' + esc(p.span) + '" data-value="' + v +
        '" cx="' + x(i).toFixed(1) + '" cy="' + y(v).toFixed(1) + '" r="' + (newest ? 3.5 : 2) + '"><title>' + esc(p.span) + ': ' +
        esc(title) + ' ' + full(v) + (p.measure && key === 'drift' ? ' (' + esc(p.measure) + ')' : '') + '</title></circle>');
    });
    return '<svg class="spark" data-measure="' + key + '" viewBox="0 0 ' + width + ' ' + height + '" width="' + width +
      '" height="' + height + '" role="img" aria-label="' + esc(title) + ' per span">' + parts.join('') + '</svg>';
  }

  // Examples per span, the newest highlighted.
  function spanBars(spans, width) {
    var height = 120, f = frame(width, height);
    var y = valueAxis('examples', spans.map(function (s) { return s.examples; }), false, '', f.y0, f.y1, 3);
    var step = (f.x1 - f.x0) / Math.max(1, spans.length), every = Math.max(1, Math.ceil(spans.length / 8));
    var x = {ticks: [], at: function () { return 0; }, label: String, title: 'span'};
    var parts = [];
    spans.forEach(function (s, i) {
      var top = y.at(s.examples), newest = i === spans.length - 1;
      parts.push('<rect class="span-bar' + (newest ? ' newest' : '') + '" data-span="' + esc(s.span) + '" data-value="' + s.examples +
        '" x="' + (f.x0 + i * step + 1).toFixed(1) + '" y="' + top.toFixed(1) + '" width="' + Math.max(1, step - 2).toFixed(1) +
        '" height="' + (f.y0 - top).toFixed(1) + '"><title>span ' + esc(s.span) + ': ' + full(s.examples) + ' examples</title></rect>');
      // Every few spans and the newest, unless it would overlap the one before.
      if ((i % every === 0 && spans.length - 1 - i >= every) || newest) {
        parts.push('<text class="tick" x="' + (f.x0 + (i + 0.5) * step).toFixed(1) + '" y="' + (f.y0 + 14) + '" text-anchor="middle">' + esc(s.span) + '</text>');
      }
    });
    return svg(width, height, 'span-examples', axes(f, x, y, width, height) + parts.join(''));
  }

  return {COLOURS: COLOURS, histogram: histogram, quantiles: quantiles, topValues: topValues,
    gauge: gauge, sparkline: sparkline, spanBars: spanBars, esc: esc};
})();

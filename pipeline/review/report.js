// Draws each card's charts from the embedded report data and wires the
// controls: chart kind, scale, counts or percentages, layout, splits shown,
// sorting, filtering and the expanded view of one feature.
(function () {
  'use strict';
  var report = JSON.parse(document.getElementById('report-data').textContent);
  var splits = Object.keys(report.splits);
  var cards = Array.prototype.slice.call(document.querySelectorAll('.card'));
  var box = document.getElementById('cards');
  var hiddenSplits = {};
  var TOP_SHOWN = 8;

  function control(id) { return document.getElementById(id); }

  function options() {
    return {hist: control('histogram-kind').value, log: control('log-scale').checked,
      pct: control('values-as').value === 'percent', layout: control('layout').value};
  }

  function series(feature, pick) {
    return splits.map(function (split, i) {
      var summary = feature.splits[split];
      if (!summary || hiddenSplits[split]) return null;
      var s = pick(summary);
      s.name = split; s.colour = Charts.COLOURS[i % Charts.COLOURS.length];
      s.min = summary.min; s.max = summary.max;
      return s;
    }).filter(Boolean);
  }

  function distribution(feature, expanded, o) {
    var base = {name: feature.name, unit: feature.unit, domain: feature.domain, sensitive: feature.sensitive,
      log: o.log, pct: o.pct, layout: o.layout, width: expanded ? 900 : 340, height: expanded ? 300 : 170};
    if (feature.kind === 'numeric') {
      if (o.hist === 'quantiles' && !feature.sensitive) {
        return Charts.quantiles(series(feature, function (s) { return {buckets: s.quantiles || []}; }), base);
      }
      return Charts.histogram(series(feature, function (s) {
        var total = s.histogram.reduce(function (a, b) { return a + b[2]; }, 0) || 1;
        return {buckets: s.histogram, total: total};
      }), base);
    }
    if (feature.kind === 'categorical') {
      base.shown = expanded ? 1000 : TOP_SHOWN;
      return Charts.topValues(series(feature, function (s) { return {values: s.top_values}; }), base);
    }
    return '';
  }

  function history(feature) {
    var h = feature.history;
    if (!h || h.points.length < 2) return '';
    var threshold = feature.drift ? feature.drift.threshold : undefined;
    return Charts.sparkline(h.points, 'value', h.value_label) +
      Charts.sparkline(h.points, 'missing_pct', 'missing %') +
      Charts.sparkline(h.points, 'drift', 'drift to previous span', threshold);
  }

  // What a card's charts were drawn with; a card is redrawn when it differs.
  function drawnWith(card) {
    return JSON.stringify([options(), hiddenSplits, card.classList.contains('expanded')]);
  }

  function draw(card) {
    var key = drawnWith(card);
    if (card.dataset.drawnWith === key) return;
    var feature = report.features[+card.dataset.index];
    var expanded = card.classList.contains('expanded');
    card.querySelector('.distribution').innerHTML = distribution(feature, expanded, options());
    if (!card.dataset.drawnWith) {
      card.querySelector('.history').innerHTML = history(feature);
      if (feature.drift) card.querySelector('.gauge-slot').innerHTML = Charts.gauge(feature.drift);
    }
    card.dataset.drawnWith = key;
  }

  // Cards are drawn when they come near the viewport, so a page of hundreds
  // of features opens as fast as one of a few; printing draws them all.
  var onScreen = new Set();
  var observer = new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (entry.isIntersecting) { onScreen.add(entry.target); draw(entry.target); }
      else onScreen.delete(entry.target);
    });
    if (!document.body.dataset.rendered) document.body.dataset.rendered = String(performance.now());
  }, {rootMargin: '300px 0px'});

  function drawAll() {
    onScreen.forEach(draw);
    document.querySelectorAll('td[data-split],th[data-split]').forEach(function (cell) {
      cell.style.display = hiddenSplits[cell.dataset.split] ? 'none' : '';
    });
  }

  function matcher(text) {
    try { return new RegExp(text, 'i'); } catch (e) {
      var lower = text.toLowerCase();
      return {test: function (name) { return name.toLowerCase().indexOf(lower) >= 0; }};
    }
  }

  function arrange() {
    var pattern = matcher(control('filter').value);
    var only = control('only-anomalies').checked;
    var key = control('sort').value, reverse = control('reverse').checked ? -1 : 1;
    var kinds = {};
    document.querySelectorAll('.kind-filter').forEach(function (box) { kinds[box.value] = box.checked; });
    cards.sort(function (a, b) {
      var order = key === 'name' ? a.dataset.name.localeCompare(b.dataset.name)
        : parseFloat(b.dataset[key]) - parseFloat(a.dataset[key]) || a.dataset.name.localeCompare(b.dataset.name);
      return reverse * order;
    });
    cards.forEach(function (card) {
      var show = pattern.test(card.dataset.name) && (!only || card.dataset.anomalies !== '0') &&
        kinds[card.dataset.kind] !== false;
      card.style.display = show ? '' : 'none';
      box.appendChild(card);
    });
  }

  ['filter', 'only-anomalies', 'sort', 'reverse'].forEach(function (id) {
    control(id).addEventListener('input', arrange);
    control(id).addEventListener('change', arrange);
  });
  document.querySelectorAll('.kind-filter').forEach(function (box) { box.addEventListener('change', arrange); });
  ['histogram-kind', 'log-scale', 'values-as', 'layout'].forEach(function (id) {
    control(id).addEventListener('change', drawAll);
  });
  document.querySelectorAll('.split-toggle').forEach(function (box) {
    box.addEventListener('change', function () { hiddenSplits[box.value] = !box.checked; drawAll(); });
  });
  cards.forEach(function (card) {
    card.querySelector('.expand').addEventListener('click', function (event) {
      var expanded = card.classList.toggle('expanded');
      event.target.textContent = expanded ? 'collapse' : 'expand';
      event.target.setAttribute('aria-expanded', String(expanded));
      draw(card);
      if (expanded) card.scrollIntoView({block: 'nearest'});
    });
  });
  var spans = document.getElementById('span-examples');
  if (spans && report.span_examples.length > 1) spans.innerHTML = Charts.spanBars(report.span_examples, 720);
  window.addEventListener('beforeprint', function () { cards.forEach(draw); });
  arrange();
  cards.forEach(function (card) { observer.observe(card); });
})();

"""`python -m bench.report_page`: how long the statistics report takes to open.

Renders two pages with `pipeline.review`, the bundled taxi quarters (18
features, every quarter a span, the curated schema) and a generated one of
200 features over as many spans, opens each in headless Chromium with the
network cut, several times, and reports the median time from navigation to
the end of the page's drawing script (`document.body.dataset.rendered`, in
ms of `performance.now()`: cards are drawn as they come near the viewport),
the first paint, and the time to draw every card, as printing does. Sizes, not times, are what a
test may assert; the times are for the README.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from tensorflow_metadata.proto.v0 import statistics_pb2

from components import features
from pipeline.config import REPO_ROOT

BASE_COLUMNS = 10


def _frame(rng, shift: int, rows: int):
    import numpy as np
    import pandas as pd

    columns = {}
    for i in range(BASE_COLUMNS // 2):
        columns[f"number_{i}"] = rng.lognormal(1 + 0.05 * shift + 0.1 * i, 0.7, rows)
        columns[f"category_{i}"] = rng.choice(
            [f"v{k}" for k in range(3 + 4 * i)], rows, p=_shares(3 + 4 * i, rng)
        )
    frame = pd.DataFrame(columns)
    frame.loc[: rows // 10, "number_0"] = np.nan
    return frame


def _shares(count: int, rng) -> List[float]:
    weights = rng.random(count) + 0.1
    return list(weights / weights.sum())


def _widened(stats, copies: int, num_features: int):
    """`stats` with each feature repeated under new names, `num_features` in all."""
    widened = statistics_pb2.DatasetFeatureStatisticsList()
    widened.CopyFrom(stats)
    dataset = widened.datasets[0]
    base = list(dataset.features)
    del dataset.features[:]
    for k in range(copies):
        for feature in base:
            if len(dataset.features) == num_features:
                return widened
            copy = dataset.features.add()
            copy.CopyFrom(feature)
            copy.path.step[0] = f"{feature.path.step[0]}_{k:03d}"
    return widened


def generated_history(num_features: int, num_spans: int, rows: int = 300, seed: int = 11):
    """[(span, {train, eval: statistics})] of `num_features` generated
    features, oldest first: ten base columns that drift a little every span,
    repeated under new names."""
    import numpy as np
    import tensorflow_data_validation as tfdv

    rng = np.random.default_rng(seed)
    copies = -(-num_features // BASE_COLUMNS)
    history = []
    for index in range(num_spans):
        span = f"{2000 + index // 4}-{1 + 3 * (index % 4):02d}-01"
        history.append(
            (
                span,
                {
                    split: _widened(
                        tfdv.generate_statistics_from_dataframe(_frame(rng, index, size)),
                        copies,
                        num_features,
                    )
                    for split, size in (("train", rows), ("eval", rows // 2))
                },
            )
        )
    return history


def taxi_history() -> Tuple[List[Tuple[str, Dict]], object]:
    """[(quarter, {train: statistics})] of the bundled trips, and the curated schema."""
    import pandas as pd
    import tensorflow_data_validation as tfdv

    from pipeline.review.schema import load_schema

    quarters = sorted(p for p in (REPO_ROOT / "data" / "trips").iterdir() if p.is_dir())
    history = [
        (q.name, {"train": tfdv.generate_statistics_from_dataframe(pd.read_csv(q / "trips.csv"))})
        for q in quarters
    ]
    return history, load_schema(REPO_ROOT / "schema" / "schema.pbtxt")


def render(history: Sequence, schema=None, title: str = "bench") -> str:
    from pipeline.review.page import render_html
    from pipeline.review.summary import build_report

    sensitive = [f.name for f in features.RAW_FEATURES if f.sensitive]
    units = {f.name: f.unit for f in features.RAW_FEATURES if f.unit}
    content = build_report(
        history[-1][1],
        schema=schema,
        history=history,
        sensitive=sensitive,
        units=units,
        title=title,
    )
    return render_html(content)


# Draws every card (as printing does) and returns how long that took, in ms.
DRAW_ALL = (
    "(() => { const start = performance.now(); window.dispatchEvent(new Event('beforeprint'));"
    " document.body.offsetHeight; return performance.now() - start; })()"
)


def open_times(page: Path, repeats: int) -> Dict[str, float]:
    """Median ms from navigation to the first screen drawn, to the first
    paint, and to draw every card after that."""
    sys.path.insert(0, str(REPO_ROOT))
    from tests.support.browser import Browser

    rendered, painted, all_drawn = [], [], []
    with Browser() as browser:
        for _ in range(repeats):
            browser.events.clear()
            browser.open(page.as_uri(), settle=0.2)
            if browser.console_errors():
                raise RuntimeError(f"{page}: {browser.console_errors()}")
            rendered.append(float(browser.evaluate("document.body.dataset.rendered")))
            paint = browser.evaluate(
                "(performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime"
            )
            if paint is not None:
                painted.append(float(paint))
            all_drawn.append(float(browser.evaluate(DRAW_ALL)))
            cards = browser.evaluate("document.querySelectorAll('.card svg.chart').length")
    return {
        "rendered_ms": statistics.median(rendered),
        "first_paint_ms": statistics.median(painted) if painted else None,
        "draw_all_ms": statistics.median(all_drawn),
        "charts": cards,
        "repeats": repeats,
    }


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.report_page", description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--features", type=int, default=200)
    parser.add_argument("--results", type=Path, default=None, help="write the figures as JSON")
    args = parser.parse_args(argv or None)
    taxi, schema = taxi_history()
    pages = {
        "taxi": render(taxi, schema, "taxi"),
        f"generated-{args.features}": render(generated_history(args.features, len(taxi))),
    }
    figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in pages.items():
            path = Path(tmp) / f"{name}.html"
            path.write_text(text, encoding="utf-8")
            figures[name] = {"bytes": len(text.encode()), **open_times(path, args.repeats)}
            print(f"{name}: {json.dumps(figures[name])}", flush=True)
    if args.results:
        args.results.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

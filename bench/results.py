"""Summaries, the issue's targets, and the outputs: JSON, markdown, PNG charts."""

from __future__ import annotations

import dataclasses
import json
import os
import platform
from importlib import metadata as package_metadata
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from bench.run import BY_QUARTER_MODE, Run, median
from bench.systems import SYSTEMS

GIB = 2**30
# The issue's targets.
MAX_COLD_RATIO = 0.5
MIN_AUC = 0.93
MAX_RSS_GROWTH = 1.5
MAX_PEAK_RSS_BYTES = 6 * 10**9
MAX_ADD_QUARTER_RATIO = 0.25
MAX_INCREMENTAL_AUC_GAP = 0.005
MAX_HELP_SECONDS = 1.0
MAX_KTH_QUARTER_GROWTH = 1.2
# The k-th quarter's cost is held to the cost of this one.
KTH_QUARTER_BASE = 4
COLD_RATIO_SIZES = ("15k", "1m")
ADD_QUARTER_SIZES = ("15k", "1m")
RSS_SIZES = ("1m", "5m")
BY_QUARTER_SIZE = "1m"
# Components given a column of their own in the by-quarter table and chart.
BY_QUARTER_COLUMNS = 5
# The limit of a figure reported with no verdict.
NO_LIMIT = "none"
# The runs whose component times results.md lists: the full run and the run
# that added one quarter, whose cached components show what it re-used.
COMPONENT_MODES = ("cold", "add-quarter")
PACKAGES = (
    "tfx",
    "tensorflow",
    "tensorflow-transform",
    "tensorflow-data-validation",
    "apache-beam",
    "polars",
)


@dataclasses.dataclass(frozen=True)
class Target:
    name: str
    value: Optional[float]  # None: not measured in this run.
    limit: str
    met: Optional[bool]  # None with a value: a figure held to no limit.
    detail: str

    @property
    def verdict(self) -> str:
        if self.value is None:
            return "not measured"
        if self.met is None:
            return "no verdict"
        return "met" if self.met else "missed"


def target_record(target: Target) -> Dict:
    """A target as the results documents hold it, its verdict spelled out."""
    return {**dataclasses.asdict(target), "verdict": target.verdict}


def _runs(runs: Iterable[Run], size: str, system: str, mode: str = "cold") -> List[Run]:
    return [r for r in runs if (r.size, r.system, r.mode) == (size, system, mode)]


def _pairs(numerators: Sequence[Run], denominators: Sequence[Run]) -> List[Tuple[Run, Run]]:
    """Runs of the same repeat: side by side, so load hits both."""
    by_repeat = {r.repeat: r for r in denominators}
    return [(r, by_repeat[r.repeat]) for r in numerators if r.repeat in by_repeat]


def _paired_ratios(numerators: Sequence[Run], denominators: Sequence[Run]) -> List[float]:
    return [n.wall_seconds / d.wall_seconds for n, d in _pairs(numerators, denominators)]


def _cold_ratio(runs: Sequence[Run], size: str) -> Target:
    ours = _runs(runs, size, "pipeline")
    ratio = median(_paired_ratios(ours, _runs(runs, size, "tfx_example")))
    aucs = [r.metrics.get("auc") for r in ours]
    auc = min(aucs) if aucs and None not in aucs else None
    met = (
        None if ratio is None else (ratio <= MAX_COLD_RATIO and auc is not None and auc >= MIN_AUC)
    )
    tfx_accuracy = median(
        [
            r.metrics["binary_accuracy"]
            for r in _runs(runs, size, "tfx_example")
            if "binary_accuracy" in r.metrics
        ]
    )
    return Target(
        name=f"cold wall time vs TFX's example at {size}",
        value=ratio,
        limit=f"<= {MAX_COLD_RATIO}x, with AUC >= {MIN_AUC}",
        met=met,
        detail=(
            f"median of per-repeat ratios; our lowest AUC "
            f"{format_value(auc, '.4f')}, TFX's example accuracy "
            f"{format_value(tfx_accuracy, '.4f')}"
        ),
    )


def _rss_growth(runs: Sequence[Run]) -> Target:
    small, large = (
        median([r.peak_rss_bytes for r in _runs(runs, size, "pipeline")]) for size in RSS_SIZES
    )
    ratio = large / small if small and large else None
    met = None if ratio is None else (ratio <= MAX_RSS_GROWTH and large < MAX_PEAK_RSS_BYTES)
    return Target(
        name=f"peak RSS at {RSS_SIZES[1]} vs {RSS_SIZES[0]} rows",
        value=ratio,
        limit=f"<= {MAX_RSS_GROWTH}x and under {MAX_PEAK_RSS_BYTES / 1e9:.0f} GB",
        met=met,
        detail=(
            f"{format_value(small and small / GIB, '.2f')} GiB -> "
            f"{format_value(large and large / GIB, '.2f')} GiB"
        ),
    )


def _pipeline_ratio(runs: Sequence[Run], size: str, mode: str, to_system: str) -> Optional[float]:
    """Median per-repeat ratio of this pipeline's `mode` run to `to_system`'s cold run."""
    return median(_paired_ratios(_runs(runs, size, "pipeline", mode), _runs(runs, size, to_system)))


def _cached_ratio(runs: Sequence[Run], size: str) -> Target:
    ratio = _pipeline_ratio(runs, size, "cached", "pipeline")
    return Target(
        name=f"fully cached re-run vs cold run at {size}",
        value=ratio,
        limit=NO_LIMIT,
        met=None,
        detail="a figure, no longer a target (it was <= 0.25x); median of per-repeat "
        "ratios; the run after the re-run that re-evaluates against the newly blessed model",
    )


def _add_quarter_ratio(runs: Sequence[Run], size: str) -> Target:
    ratio = _pipeline_ratio(runs, size, "add-quarter", "pipeline")
    return Target(
        name=f"adding one quarter vs this pipeline's cold run at {size}",
        value=ratio,
        limit=f"<= {MAX_ADD_QUARTER_RATIO}x",
        met=None if ratio is None else ratio <= MAX_ADD_QUARTER_RATIO,
        detail="median of per-repeat ratios; the newest quarter added to a run's "
        "output dir that holds every other quarter",
    )


def _add_quarter_vs_tfx(runs: Sequence[Run], size: str) -> Target:
    ratio = _pipeline_ratio(runs, size, "add-quarter", "tfx_example")
    return Target(
        name=f"adding one quarter vs TFX's example at {size}",
        value=ratio,
        limit=NO_LIMIT,
        met=None,
        detail="median of per-repeat ratios; TFX's example has no incremental mode, "
        "it re-runs over every quarter: its cold run",
    )


def _incremental_auc(runs: Sequence[Run], size: str) -> Target:
    gaps = [
        abs(ours.metrics["auc"] - full.metrics["auc"])
        for ours, full in _pairs(
            _runs(runs, size, "pipeline", "add-quarter"), _runs(runs, size, "pipeline")
        )
        if "auc" in ours.metrics and "auc" in full.metrics
    ]
    gap = max(gaps) if gaps else None
    return Target(
        name=f"AUC trained incrementally vs a full re-run at {size}",
        value=gap,
        limit=f"<= {MAX_INCREMENTAL_AUC_GAP} apart",
        met=None if gap is None else gap <= MAX_INCREMENTAL_AUC_GAP,
        detail="largest per-repeat absolute difference between the AUC after adding "
        "a quarter and the cold run's",
    )


def by_quarter(runs: Sequence[Run]) -> List[Dict]:
    """The by-quarter runs, one row per quarter added: what it cost, by component."""
    return [
        {
            "size": r.size,
            "quarters": r.quarters,
            "exit_code": r.exit_code,
            "wall_seconds": r.wall_seconds,
            "peak_rss_bytes": r.peak_rss_bytes,
            "component_seconds": r.component_seconds,
        }
        for r in sorted(runs, key=lambda r: (r.rows, r.quarters or 0))
        if r.mode == BY_QUARTER_MODE
    ]


def _kth_quarter_growth(runs: Sequence[Run], size: str = BY_QUARTER_SIZE) -> Target:
    # A failed run's time is no cost of a quarter: its k goes unmeasured.
    added = {
        r.quarters: r
        for r in runs
        if (r.size, r.mode) == (size, BY_QUARTER_MODE) and r.quarters and r.exit_code == 0
    }
    last = max(added, default=None)
    base = added.get(KTH_QUARTER_BASE)
    ratio = added[last].wall_seconds / base.wall_seconds if base and last > base.quarters else None
    return Target(
        name=f"cost of the newest quarter vs the {KTH_QUARTER_BASE}th at {size}",
        value=ratio,
        limit=f"<= {MAX_KTH_QUARTER_GROWTH}x",
        met=None if ratio is None else ratio <= MAX_KTH_QUARTER_GROWTH,
        detail=(
            f"wall time of the by-quarter run that added quarter {last} over the one that "
            f"added quarter {KTH_QUARTER_BASE}, same output dir, one after the other"
            if ratio is not None
            else "needs the by-quarter runs (--by-quarter)"
        ),
    )


def _help_time(help_seconds: Sequence[float]) -> Target:
    seconds = median(help_seconds)
    return Target(
        name="python -m pipeline --help",
        value=seconds,
        limit=f"< {MAX_HELP_SECONDS} s",
        met=None if seconds is None else seconds < MAX_HELP_SECONDS,
        detail=f"median of {len(help_seconds)} runs, seconds",
    )


def targets(runs: Sequence[Run], help_seconds: Sequence[float]) -> List[Target]:
    cached_sizes = list(
        dict.fromkeys(
            r.size
            for r in sorted(runs, key=lambda r: r.rows)
            if (r.system, r.mode) == ("pipeline", "cached")
        )
    ) or list(COLD_RATIO_SIZES)
    return (
        [_cold_ratio(runs, size) for size in COLD_RATIO_SIZES]
        + [_rss_growth(runs)]
        + [_cached_ratio(runs, size) for size in cached_sizes]
        + [
            target(runs, size)
            for size in ADD_QUARTER_SIZES
            for target in (_add_quarter_ratio, _add_quarter_vs_tfx, _incremental_auc)
        ]
        + [_kth_quarter_growth(runs)]
        + [_help_time(help_seconds)]
    )


def summary(runs: Sequence[Run]) -> List[Dict]:
    """Per size, system and mode: medians over the repeats."""
    rows = []
    keys = dict.fromkeys(
        (r.size, r.rows, r.system, r.mode)
        for r in sorted(runs, key=lambda r: r.rows)
        if r.mode != BY_QUARTER_MODE  # A row per quarter: see by_quarter.
    )
    for size, rows_count, system, mode in keys:
        group = _runs(runs, size, system, mode)
        components = sorted({name for r in group for name in r.component_seconds})
        rows.append(
            {
                "size": size,
                "rows": rows_count,
                "system": system,
                "mode": mode,
                "repeats": len(group),
                "failed_runs": sum(1 for r in group if r.exit_code != 0),
                "wall_seconds": median([r.wall_seconds for r in group]),
                "wall_seconds_range": [
                    min(r.wall_seconds for r in group),
                    max(r.wall_seconds for r in group),
                ],
                "peak_rss_bytes": median([r.peak_rss_bytes for r in group]),
                "rows_per_second": median([r.rows_per_second for r in group]),
                "auc": median([r.metrics["auc"] for r in group if "auc" in r.metrics]),
                "binary_accuracy": median(
                    [r.metrics["binary_accuracy"] for r in group if "binary_accuracy" in r.metrics]
                ),
                "training_seconds": median(
                    [r.training_seconds for r in group if r.training_seconds is not None]
                ),
                "component_seconds": {
                    name: median(
                        [r.component_seconds[name] for r in group if name in r.component_seconds]
                    )
                    for name in components
                },
                "component_peak_rss_bytes": {
                    name: max(
                        r.component_peak_rss_bytes[name]
                        for r in group
                        if name in r.component_peak_rss_bytes
                    )
                    for name in components
                    if any(name in r.component_peak_rss_bytes for r in group)
                },
            }
        )
    return rows


def machine() -> Dict:
    def version(package):
        try:
            return package_metadata.version(package)
        except package_metadata.PackageNotFoundError:
            return None

    total_memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {
        "cpus": os.cpu_count(),
        "memory_bytes": total_memory,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "packages": {p: version(p) for p in PACKAGES},
    }


def format_value(value, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)


def verdict_line(target: Target, spec: str = ".3f") -> str:
    """A target as the benches print it: `met: NAME: VALUE (LIMIT)`."""
    return (
        f"{target.verdict:>12}: {target.name}: {format_value(target.value, spec)} ({target.limit})"
    )


def targets_table(targets, value_format) -> List[str]:
    """The markdown table of a results document's targets; `value_format`
    gives the format spec of each value."""
    return [
        "## Targets",
        "",
        "| target | value | limit | verdict | detail |",
        "|---|---|---|---|---|",
        *(
            f"| {target['name']} | {format_value(target['value'], value_format(target['value']))}"
            f" | {target['limit']} | **{target['verdict']}** | {target['detail']} |"
            for target in targets
        ),
    ]


def markdown(document: Dict) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"{document['started']}, {document['machine']['cpus']} CPUs, "
        f"{document['machine']['memory_bytes'] / GIB:.0f} GiB, "
        f"{document['machine']['platform']}; "
        f"{document['repeats']} repeat(s) A B A B; medians, ranges in brackets.",
        "",
        *targets_table(document["targets"], lambda value: ".3f"),
    ]
    lines += [
        "",
        "## Runs",
        "",
        "| rows | system | mode | wall s | peak RSS GiB | rows/s | accuracy | AUC |",
        "|---:|---|---|---:|---:|---:|---:|---:|",
    ]
    for row in document["summary"]:
        low, high = row["wall_seconds_range"]
        failed = f" ({row['failed_runs']} failed)" if row["failed_runs"] else ""
        lines.append(
            f"| {row['rows']:,} | {SYSTEMS[row['system']].label}{failed} | {row['mode']} | "
            f"{row['wall_seconds']:.1f} [{low:.1f}-{high:.1f}] | "
            f"{row['peak_rss_bytes'] / GIB:.2f} | {row['rows_per_second']:,.0f} | "
            f"{format_value(row['binary_accuracy'], '.4f')} | {format_value(row['auc'], '.4f')} |"
        )
    lines += [
        "",
        "Modes: `cold` on a fresh output dir, `rerun` and `cached` right after it on "
        "the same one; `history` on a fresh output dir with every quarter but the newest, "
        "`add-quarter` on that output dir once the newest quarter is in its data root.",
        "",
        "## Component seconds (cold and add-quarter runs, from ML Metadata)",
        "",
    ]
    for row in document["summary"]:
        if row["mode"] in COMPONENT_MODES and row["component_seconds"]:
            parts = ", ".join(
                f"{name} {seconds:.1f}"
                for name, seconds in row["component_seconds"].items()
                if seconds >= 0.05
            )
            lines.append(
                f"- {row['rows']:,} rows, {SYSTEMS[row['system']].label}, {row['mode']}: {parts}"
            )
    lines += [
        "",
        "## Model quality (overall slice of each system's eval split)",
        "",
        "| rows | system | mode | accuracy | AUC | training s |",
        "|---:|---|---|---:|---:|---:|",
    ]
    for row in document["summary"]:
        if row["auc"] is not None or row["binary_accuracy"] is not None:
            lines.append(
                f"| {row['rows']:,} | {SYSTEMS[row['system']].label} | {row['mode']} | "
                f"{format_value(row['binary_accuracy'], '.4f')} | "
                f"{format_value(row['auc'], '.4f')} | "
                f"{format_value(row['training_seconds'], '.1f')} |"
            )
    lines += _by_quarter_table(document["by_quarter"])
    lines += ["", "## Peak RSS while each component ran, GiB (cold runs, largest)", ""]
    for row in document["summary"]:
        if row["mode"] == "cold" and row["component_peak_rss_bytes"]:
            parts = ", ".join(
                f"{name} {peak / GIB:.2f}" for name, peak in row["component_peak_rss_bytes"].items()
            )
            lines.append(f"- {row['rows']:,} rows, {SYSTEMS[row['system']].label}: {parts}")
    return "\n".join(lines) + "\n"


def _by_quarter_components(rows: Sequence[Dict]) -> List[str]:
    """The components that cost most over the by-quarter runs, costliest first."""
    totals: Dict[str, float] = {}
    for row in rows:
        for name, seconds in row["component_seconds"].items():
            totals[name] = totals.get(name, 0.0) + seconds
    return sorted(totals, key=totals.get, reverse=True)[:BY_QUARTER_COLUMNS]


def _by_quarter_split(row: Dict, components: Sequence[str]) -> List[float]:
    """Seconds of each of `components`, then the rest of the wall time
    (the other components, starting Python, importing TFX, planning)."""
    parts = [row["component_seconds"].get(name, 0.0) for name in components]
    return parts + [max(row["wall_seconds"] - sum(parts), 0.0)]


def _by_quarter_table(rows: Sequence[Dict]) -> List[str]:
    if not rows:
        return []
    components = _by_quarter_components(rows)
    lines = [
        "",
        f"## Adding the k-th quarter ({rows[0]['size']} rows, by-quarter runs)",
        "",
        "One output dir; before each run the next quarter's folder lands in its data root.",
        "Seconds per component from ML Metadata; `rest`: the wall time outside them.",
        "",
        f"| k | wall s | peak RSS GiB | {' | '.join(components)} | rest |",
        "|---:|---:|---:|" + "---:|" * (len(components) + 1),
    ]
    for row in rows:
        failed = "" if row["exit_code"] == 0 else f" (exit {row['exit_code']})"
        split = " | ".join(f"{seconds:.1f}" for seconds in _by_quarter_split(row, components))
        lines.append(
            f"| {row['quarters']}{failed} | {row['wall_seconds']:.1f} | "
            f"{row['peak_rss_bytes'] / GIB:.2f} | {split} |"
        )
    return lines


def by_quarter_chart(rows: Sequence[Dict], path: Path) -> None:
    """Stacked seconds per component of each by-quarter run."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    components = _by_quarter_components(rows)
    figure, axis = pyplot.subplots(figsize=(10, 4.8))
    ks = [row["quarters"] for row in rows]
    bottoms = [0.0] * len(rows)
    splits = [_by_quarter_split(row, components) for row in rows]
    for index, label in enumerate([*components, "rest"]):
        heights = [split[index] for split in splits]
        color = "lightgrey" if label == "rest" else None
        axis.bar(ks, heights, bottom=bottoms, label=label, color=color)
        bottoms = [b + h for b, h in zip(bottoms, heights)]
    axis.set_xticks(ks)
    axis.set_xlabel("quarters in the data root (k): the run that added the k-th")
    axis.set_ylabel("wall seconds")
    axis.set_title(f"Cost of adding the k-th quarter, {rows[0]['size']} rows")
    axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    pyplot.close(figure)


def chart(document: Dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # Files only, no display.
    from matplotlib import pyplot

    cold = [row for row in document["summary"] if row["mode"] == "cold"]  # By size.
    sizes = list(dict.fromkeys(row["size"] for row in cold))
    systems = list(dict.fromkeys(row["system"] for row in cold))
    figure, axes = pyplot.subplots(1, 2, figsize=(13, 4.8))
    width = 0.8 / max(len(systems), 1)  # No cold run yet: empty axes.
    for index, system in enumerate(systems):
        by_size = {row["size"]: row for row in cold if row["system"] == system}
        positions = [i + index * width for i, size in enumerate(sizes) if size in by_size]
        present = [size for size in sizes if size in by_size]
        for axis, field, scale in ((axes[0], "wall_seconds", 1), (axes[1], "peak_rss_bytes", GIB)):
            axis.bar(
                positions,
                [by_size[s][field] / scale for s in present],
                width,
                label=SYSTEMS[system].label,
            )
    for axis, title in (
        (axes[0], "Cold wall time, s (log)"),
        (axes[1], "Peak RSS of the process tree, GiB"),
    ):
        axis.set_xticks([i + width * (len(systems) - 1) / 2 for i in range(len(sizes))])
        axis.set_xticklabels([f"{size} rows" for size in sizes])
        axis.set_title(title)
    axes[0].set_yscale("log")
    if systems:
        axes[1].legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    pyplot.close(figure)


def write(
    runs: Sequence[Run],
    help_seconds: Sequence[float],
    started: str,
    repeats: int,
    results_dir: Path,
) -> Dict[str, Path]:
    document = {
        "started": started,
        "repeats": repeats,
        "machine": machine(),
        "help_seconds": list(help_seconds),
        "targets": [target_record(t) for t in targets(runs, help_seconds)],
        "summary": summary(runs),
        "by_quarter": by_quarter(runs),
        "runs": [{**dataclasses.asdict(r), "rows_per_second": r.rows_per_second} for r in runs],
    }
    results_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "json": results_dir / "results.json",
        "markdown": results_dir / "results.md",
        "chart": results_dir / "results.png",
    }
    paths["json"].write_text(json.dumps(document, indent=2) + "\n")
    paths["markdown"].write_text(markdown(document))
    chart(document, paths["chart"])
    if document["by_quarter"]:
        paths["by_quarter_chart"] = results_dir / "by_quarter.png"
        by_quarter_chart(document["by_quarter"], paths["by_quarter_chart"])
    return paths

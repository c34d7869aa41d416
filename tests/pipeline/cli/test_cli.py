"""The command line: instant usage errors, exit codes, and a full run on all data."""

import csv
import json
import os
import shutil
import subprocess
import sys

import pytest

from pipeline.cli import exits
from pipeline.cli.main import build_parser
from pipeline.cli.run import _beam_args, _run_config
from pipeline.config import REPO_ROOT


def _cli(*args, cwd=REPO_ROOT):
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=1800,
    )


def test_help_lists_commands_and_exit_codes():
    result = _cli("--help")
    assert result.returncode == 0
    assert "run" in result.stdout and "artifacts" in result.stdout
    assert "exit codes" in result.stdout


def test_help_does_not_import_tensorflow():
    code = (
        "import sys\nfrom pipeline.cli.main import main\n"
        "try:\n    main(['run', '--help'])\nexcept SystemExit:\n    pass\n"
        "assert 'tensorflow' not in sys.modules and 'tfx' not in sys.modules\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["run", "--train-steps", "0"], "must be at least 1"),
        (["run", "--train-steps", "many"], "not a whole number"),
        (["run", "--data-root", "/no/such/dir"], "data root /no/such/dir is not a directory"),
        (["frobnicate"], "invalid choice"),
        (
            ["serve", "--serving-dir", "/no/such/dir"],
            "no pushed model under /no/such/dir; run `python -m pipeline run`",
        ),
        (["serve", "--port", "70000"], "not a TCP port: 70000"),
        (["serve", "--poll-seconds", "0"], "must be above 0"),
        (
            ["predict", "--source", "data/trips", "--to", "out.csv", "--table", "t"],
            "--table is for database targets and sources, not a CSV target",
        ),
        (
            ["predict", "--source", "data/trips", "--to", "out.csv", "--beam-arg=--x"],
            "--beam-arg is for database targets and sources, not a CSV target",
        ),
        (
            ["predict", "--source", "sqlite:///x.db", "--to", "out.csv"],
            "a CSV target takes a CSV file or folder as --source",
        ),
    ],
)
def test_bad_arguments_exit_2_with_a_message(args, message):
    result = _cli(*args)
    assert result.returncode == exits.EXIT_USAGE
    assert message in result.stderr


def test_serve_refuses_a_taken_port_before_loading_the_model(tmp_path):
    import socket

    version = tmp_path / "taxi" / "1"
    version.mkdir(parents=True)
    (version / "saved_model.pb").write_bytes(b"")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _cli("serve", "--serving-dir", str(tmp_path / "taxi"), "--port", str(port))
    assert result.returncode == exits.EXIT_USAGE
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


def test_data_root_without_quarter_files_is_refused(tmp_path):
    (tmp_path / "trips.csv").write_text("fare\n1.0\n")
    result = _cli("run", "--data-root", str(tmp_path))
    assert result.returncode == exits.EXIT_USAGE
    assert "no files matching '*/trips.csv'" in result.stderr


def test_output_dir_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "out").write_text("")
    result = _cli("run", "--output-dir", str(tmp_path / "out"))
    assert result.returncode == exits.EXIT_USAGE
    assert "is not a directory" in result.stderr


def test_artifacts_before_any_run_explains_what_to_do(tmp_path):
    result = _cli("artifacts", "--output-dir", str(tmp_path))
    assert result.returncode == exits.EXIT_USAGE
    assert "run the pipeline first" in result.stderr


def test_beam_mode_follows_input_size_and_beam_args_win():
    args = build_parser().parse_args(["run", "--beam-arg=--direct_num_workers=4", "--no-cache"])
    assert _run_config(args).enable_cache is False
    small = _beam_args(args, input_rows=15_002)
    assert "--direct_running_mode=in_memory" in small
    large = _beam_args(args, input_rows=1_000_000)
    assert "--direct_running_mode=multi_processing" in large
    assert f"--direct_num_workers={os.cpu_count()}" in large
    assert small[-1] == large[-1] == "--direct_num_workers=4"


def test_statistics_gen_beam_mode_follows_the_largest_span(tmp_path, monkeypatch):
    """The bundled quarters hold under 2,000 trips each, 15,002 in all."""
    from pipeline import config as config_module
    from pipeline.cli import run

    monkeypatch.setattr(config_module, "IN_PROCESS_MAX_ROWS", 2_000)
    configs = []
    monkeypatch.setattr(run, "_run_pipeline", lambda config, verbose: configs.append(config))
    run.run(build_parser().parse_args(["run", "--output-dir", str(tmp_path)]))
    [config] = configs
    assert "--direct_running_mode=multi_processing" in config.beam_args
    assert "--direct_running_mode=in_memory" in config.span_beam_args


def test_a_refused_model_exits_4_with_each_value_and_threshold(tmp_path, monkeypatch, capsys):
    """The run's end, without the pipeline: the Evaluator's refusal reaches
    the terminal as the values TFMA checked and the bars they missed."""
    from pipeline.cli.run import _run_pipeline
    from pipeline.config import PipelineConfig
    from pipeline.runners import local

    reasons = [
        "auc is undefined (NaN: e.g. no positive label in the eval split); "
        "it must be at least 0.9000",
        "binary_accuracy 0.8000 is below the required 0.8500",
    ]
    monkeypatch.setattr(local, "_run_pipeline", lambda *args, **kwargs: None)
    monkeypatch.setattr(
        local, "evaluation_summary", lambda config: {"blessed": False, "failures": reasons}
    )
    code = _run_pipeline(PipelineConfig(output_dir=tmp_path), verbose=False)
    assert code == exits.EXIT_NOT_BLESSED
    # After the run's own progress line, the refusal closes the output.
    assert capsys.readouterr().err.endswith(
        "\nerror: the Evaluator did not bless the new model, so nothing was pushed:\n"
        f"  - {reasons[0]}\n  - {reasons[1]}\n"
    )


@pytest.mark.slow
def test_full_run_meets_the_quality_bar(tmp_path):
    """`run` on all bundled data: exit 0, a pushed model with eval AUC >= 0.93."""
    from pipeline.config import PipelineConfig
    from pipeline.runners.local import evaluation_summary

    result = _cli("run", "--output-dir", str(tmp_path))
    assert result.returncode == exits.EXIT_OK, result.stdout + result.stderr
    assert "[14/14] Pusher ... done" in result.stderr
    summary = evaluation_summary(PipelineConfig(output_dir=tmp_path))
    assert summary["blessed"]
    assert summary["metrics"]["auc"] >= 0.93
    assert summary["metrics"]["binary_accuracy"] >= 0.85
    assert summary["pushed_model_dir"] in result.stdout
    report = tmp_path.resolve() / "report" / "statistics.html"
    assert f"Statistics report: {report}" in result.stdout
    assert report.is_file()

    listing = _cli("artifacts", "--output-dir", str(tmp_path))
    assert listing.returncode == exits.EXIT_OK
    components = json.loads(listing.stdout)["components"]
    assert (
        components["Pusher"]["outputs"]["pushed_model"][0]["properties"]["pushed_destination"]
        == summary["pushed_model_dir"]
    )


def _lock_holder(output_dir):
    """Another process that takes the output dir's run lock and keeps it."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path\n"
            "from pipeline.runners.run_lock import run_lock\n"
            "with run_lock(Path(sys.argv[1])):\n"
            "    print('locked', flush=True); time.sleep(60)\n",
            str(output_dir),
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "locked"
    return holder


def test_second_run_on_a_busy_output_dir_is_refused(tmp_path):
    holder = _lock_holder(tmp_path)
    try:
        result = _cli("run", "--output-dir", str(tmp_path))
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == exits.EXIT_BUSY
    assert f"output dir {tmp_path} is in use by a run (pid {holder.pid}" in result.stderr
    assert not (tmp_path / "logs").exists() and not (tmp_path / "pipeline").exists()


def test_a_killed_run_leaves_no_stale_lock(tmp_path):
    from pipeline.runners.run_lock import run_lock

    holder = _lock_holder(tmp_path)
    holder.kill()  # SIGKILL: no cleanup runs.
    holder.wait()
    with run_lock(tmp_path):
        pass


def _serving_sample(folder, quarter="2014-10-01"):
    """A quarter the model did not train on, as requests: no tips column."""
    import csv

    from components.rows import layout

    folder.mkdir()
    with (REPO_ROOT / "data" / "trips" / quarter / layout.QUARTER_FILE).open(newline="") as handle:
        rows = list(csv.reader(handle))
    tips = rows[0].index("tips")
    with (folder / "requests.csv").open("w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(
            [row[:tips] + row[tips + 1 :] for row in rows]
        )
    return folder


@pytest.mark.slow
def test_two_runs_on_different_output_dirs_at_once(tmp_path):
    """Both finish and push; one also quarantines a bad row and checks skew."""
    from tests.support.runs import slice_of_data

    plain = slice_of_data(tmp_path / "plain")
    with_bad_row = slice_of_data(tmp_path / "bad", edit=("fare", "N/A"))
    serving = _serving_sample(tmp_path / "serving")
    command = [sys.executable, "-m", "pipeline", "run"]
    runs = [
        subprocess.Popen(
            command + ["--data-root", str(data), "--output-dir", str(tmp_path / out), *extra],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for data, out, extra in (
            (plain, "out-a", []),
            (
                with_bad_row,
                "out-b",
                ["--max-quarantined", "0.001", "--serving-sample", str(serving)],
            ),
        )
    ]
    (a_out, a_err), (b_out, b_err) = (run.communicate(timeout=1800) for run in runs)
    assert [run.returncode for run in runs] == [exits.EXIT_OK] * 2, a_err + b_err
    for out, stdout in (("out-a", a_out), ("out-b", b_out)):
        assert f"pushed to {(tmp_path / out).resolve()}/serving/chicago-taxi/" in stdout
    assert "Serving skew: not checked: no serving sample given" in a_out
    assert "Quarantine: CsvExampleGen: 0 of 2683 rows\n" in a_out
    assert "Serving skew: span 2014-07-01 against a serving sample of 1231 requests" in b_out
    assert (
        "Quarantine: CsvExampleGen: 1 of 2683 rows, in "
        f"{(tmp_path / 'out-b').resolve()}/pipeline/CsvExampleGen/quarantine/"
    ) in b_out
    assert "ServingExampleGen: 0 of 1231 rows" in b_out
    assert "1 of 2683 row(s) cannot be parsed and will be quarantined" in b_err


def _model_folder(root):
    """Enough of a model folder for the checks made before loading it."""
    from components.trainer.contract import SCHEMA_FILE

    folder = root / "model" / "1"
    (folder / SCHEMA_FILE).parent.mkdir(parents=True)
    (folder / "saved_model.pb").write_bytes(b"")
    shutil.copy(REPO_ROOT / "schema" / "schema.pbtxt", folder / SCHEMA_FILE)
    return folder


def test_scoring_refuses_a_model_without_its_schema(tmp_path):
    folder = _model_folder(tmp_path)
    (folder / "assets.extra" / "schema.pbtxt").unlink()
    result = _cli(
        "predict", "--source", "data/trips", "--to", str(tmp_path / "s.csv"), "--model", str(folder)
    )
    assert result.returncode == exits.EXIT_USAGE
    assert f"{folder} has no assets.extra/schema.pbtxt" in result.stderr
    assert not (tmp_path / "s.csv").exists()


def test_csv_scoring_refuses_an_output_inside_its_source_folder(tmp_path):
    shutil.copytree(REPO_ROOT / "data" / "trips" / "2016-10-01", tmp_path / "q")
    result = _cli(
        "predict",
        "--source",
        str(tmp_path / "q"),
        "--to",
        str(tmp_path / "q" / "scores.csv"),
        "--model",
        str(_model_folder(tmp_path)),
    )
    assert result.returncode == exits.EXIT_DATA_INVALID
    assert "is inside the source folder" in result.stderr
    assert not (tmp_path / "q" / "scores.csv").exists()


def test_csv_scoring_refuses_files_with_different_columns(tmp_path):
    source = tmp_path / "trips"
    shutil.copytree(REPO_ROOT / "data" / "trips" / "2016-07-01", source / "a")
    with (REPO_ROOT / "data" / "trips" / "2016-10-01" / "trips.csv").open() as handle:
        rows = list(csv.reader(handle))
    company = rows[0].index("company")
    (source / "b").mkdir()
    with (source / "b" / "trips.csv").open("w", newline="") as handle:
        csv.writer(handle).writerows(row[:company] + row[company + 1 :] for row in rows)
    result = _cli(
        "predict",
        "--source",
        str(source),
        "--to",
        str(tmp_path / "s.csv"),
        "--model",
        str(_model_folder(tmp_path)),
    )
    assert result.returncode == exits.EXIT_DATA_INVALID
    assert (
        f"{source / 'b' / 'trips.csv'}:1: columns ['company'] are in this file or in"
        in result.stderr
    )

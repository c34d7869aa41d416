"""The engine choice: Beam arguments per engine and worker environment, the
job server's command, and every reason it cannot start, named before
TensorFlow loads."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.cli import exits
from pipeline.config import REPO_ROOT, Engine
from pipeline.runners import engines


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"name": "dataflow"}, "choose one of direct, spark, flink"),
        ({"name": "spark", "workers": "docker"}, "docker=IMAGE"),
        ({"name": "spark", "workers": "loopback=x"}, "loopback"),
        ({"name": "spark", "workers": "kubernetes=pod"}, "external=HOST:PORT"),
        ({"name": "flink", "parallelism": 0}, "parallelism must be at least 1"),
    ],
)
def test_engine_refuses_what_it_cannot_run(fields, message):
    with pytest.raises(ValueError, match=message):
        Engine(**fields)


def test_direct_needs_no_arguments_and_no_job_server():
    assert engines.engine_beam_args(Engine()) == ()
    engines.check(Engine())  # Nothing to check: no Java needed.
    with engines.running_job_server(Engine(), log=None) as process:
        assert process is None


@pytest.mark.parametrize(
    "workers, expected",
    [
        ("loopback", ["--environment_type=LOOPBACK"]),
        (
            "external=127.0.0.1:50000",
            ["--environment_type=EXTERNAL", "--environment_config=127.0.0.1:50000"],
        ),
        (
            "docker=registry/taxi:1",
            [
                "--environment_type=DOCKER",
                "--environment_config=registry/taxi:1",
                "--sdk_container_image=registry/taxi:1",
            ],
        ),
    ],
)
def test_cluster_engines_run_through_their_job_server(workers, expected):
    args = engines.engine_beam_args(Engine("flink", workers=workers, parallelism=3, job_port=9))
    assert args == (
        "--runner=PortableRunner",
        "--job_endpoint=localhost:9",
        *expected,
        "--parallelism=3",
    )


def test_workers_of_this_install_get_no_tfx_sdist():
    """TFX stages an sdist of itself unless the args name the workers'
    dependencies; LOOPBACK and EXTERNAL workers import this install."""
    from pipeline.pipeline import beam_pipeline_args

    for workers in ("loopback", "external=127.0.0.1:50000"):
        args = beam_pipeline_args(engines.engine_beam_args(Engine("spark", workers=workers)))
        assert [a for a in args if a.startswith("--sdk_container_image=")], workers
    docker = engines.engine_beam_args(Engine("spark", workers="docker=registry/taxi:1"))
    assert beam_pipeline_args(docker) == list(docker)


@pytest.fixture()
def installed(tmp_path, monkeypatch):
    """A classpath file whose jars exist, in a cache of the test's own."""
    jar = tmp_path / "a.jar"
    jar.write_bytes(b"PK")
    monkeypatch.setattr(engines, "CLASSPATH_DIR", tmp_path)
    for name in ("spark", "flink"):
        engines.classpath_file(name).write_text(str(jar))
    return tmp_path


@pytest.mark.parametrize(
    "engine, main_class, master",
    [
        (Engine("spark", parallelism=3), "SparkJobServerDriver", "local[3]"),
        (Engine("spark", master="spark://10.0.0.5:7077"), "SparkJobServerDriver", "spark://"),
        (Engine("flink"), "FlinkJobServerDriver", "[local]"),
        (Engine("flink", master="jobmanager:8081"), "FlinkJobServerDriver", "jobmanager:8081"),
    ],
)
def test_job_server_command(installed, engine, main_class, master):
    command = engines.job_server_command(engine)
    assert "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED" in command
    assert command[command.index("-cp") + 1] == str(installed / "a.jar")
    main = next(arg for arg in command if arg.endswith(main_class))
    assert command[command.index(main) + 2].startswith(master)
    assert f"--job-port={engine.job_port}" in command and "--job-host=127.0.0.1" in command


def test_only_the_embedded_flink_cluster_reads_the_projects_flink_configuration(installed):
    embedded = engines.job_server_command(Engine("flink"))
    conf_dir = Path(embedded[embedded.index("--flink-conf-dir") + 1])
    settings = (conf_dir / "flink-conf.yaml").read_text(encoding="utf-8")
    assert "taskmanager.memory.network.max: 256mb" in settings
    assert "--flink-conf-dir" not in engines.job_server_command(Engine("flink", master="jm:8081"))


def test_a_missing_classpath_says_to_run_make_engines(tmp_path, monkeypatch):
    monkeypatch.setattr(engines, "CLASSPATH_DIR", tmp_path)
    with pytest.raises(engines.EngineError, match="run `make engines`"):
        engines.check(Engine("spark"))
    engines.classpath_file("spark").write_text(str(tmp_path / "gone.jar"))
    with pytest.raises(engines.EngineError, match="1 jar.*gone.jar.*make engines"):
        engines.check(Engine("spark"))


def test_no_java_is_named(installed, monkeypatch):
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(installed))
    with pytest.raises(engines.EngineError, match="need Java 17"):
        engines.check(Engine("flink"))


def test_a_busy_job_port_is_named(installed):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(engines.EngineError, match=f"port {port} is in use"):
            engines.check(Engine("spark", job_port=port))


@pytest.mark.parametrize(
    "command, message",
    [(["false"], "exited with code 1"), (["sleep", "30"], "did not listen on port")],
)
def test_a_job_server_that_does_not_come_up_is_stopped(tmp_path, monkeypatch, command, message):
    monkeypatch.setattr(engines, "job_server_command", lambda engine: command)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(engines.EngineError, match=message):
        with engines.running_job_server(Engine("spark", job_port=port), tmp_path / "js.log", 1.0):
            pass  # pragma: no cover - never reached
    assert subprocess.run(["pgrep", "-f", "^sleep 30$"], capture_output=True).returncode == 1


def test_run_names_a_busy_port_and_exits_2_before_tensorflow_loads(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        check = (
            "import sys; from pipeline.cli.main import main; code = main(sys.argv[1:]); "
            "assert 'tensorflow' not in sys.modules, 'TensorFlow was loaded'; sys.exit(code)"
        )
        result = subprocess.run(
            [sys.executable, "-c", check, "run", "--runner", "spark", f"--job-port={port}"]
            + ["--output-dir", str(tmp_path / "out")],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)),
        )
    assert result.returncode == exits.EXIT_USAGE, result.stderr
    assert f"port {port} is in use" in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--master", "spark://10.0.0.5:7077"], "--master need --runner spark or flink"),
        (["--workers", "docker=registry/taxi:1"], "--workers need --runner spark or flink"),
        (["--runner", "spark", "--workers", "docker"], "docker=IMAGE"),
    ],
)
def test_cluster_options_without_a_cluster_engine_are_refused(arguments, message):
    from pipeline.cli import options
    from pipeline.cli.exits import UsageError
    from pipeline.cli.main import build_parser

    args = build_parser().parse_args(["run", *arguments])
    with pytest.raises(UsageError, match=message):
        options.engine(args)

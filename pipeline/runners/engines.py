"""Apache Spark and Apache Flink for the Beam components, through Beam's
portable job servers, which this project starts itself.

The job servers are Java: `make engines` resolves each one's classpath with
Maven from the pinned POMs beside this module (`jvm/`) into `~/.m2` and
writes it to `.cache/jvm/ENGINE.classpath`. Nothing is fetched at run time:
Beam's SparkRunner and FlinkRunner would download a job-server jar on first
use (and Maven Central as served here has none), so runs use Beam's
PortableRunner against the job server started here, with Java 17's module
opens that Spark needs, a bounded wait for its port, and its log in the
run's log dir. Everything here is cheap to import: no TensorFlow, no Beam.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

from pipeline.config import REPO_ROOT, Engine
from pipeline.serving.ports import listening

DIRECT = "direct"
# Where `make engines` writes each engine's classpath (git-ignored).
CLASSPATH_DIR = Path(os.environ.get("TAXI_JVM_CACHE", REPO_ROOT / ".cache" / "jvm"))
POM_DIR = Path(__file__).parent / "jvm"
# Seconds a job server may take to listen before the run gives up.
START_TIMEOUT = 120
# Spark (and Flink's Kryo) reflect into the JDK; Java 17 refuses unless opened.
JVM_OPTIONS = tuple(
    f"--add-opens=java.base/{package}=ALL-UNNAMED"
    for package in (
        "java.lang",
        "java.lang.invoke",
        "java.lang.reflect",
        "java.io",
        "java.net",
        "java.nio",
        "java.util",
        "java.util.concurrent",
        "java.util.concurrent.atomic",
        "sun.nio.ch",
        "sun.nio.cs",
        "sun.security.action",
        "sun.util.calendar",
    )
)


def log_options() -> Tuple[str, ...]:
    """Warnings and job-level lines only: Spark's log4j2 and Flink's SLF4J
    simple logger each read their own property."""
    return (
        f"-Dlog4j2.configurationFile={POM_DIR / 'log4j2.properties'}",
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
        "-Dorg.slf4j.simpleLogger.log.org.apache.beam.runners.jobsubmission=info",
    )


@dataclasses.dataclass(frozen=True)
class JobServer:
    """How one engine's Beam job server starts."""

    main_class: str
    master_flag: str
    # The master that means "an embedded cluster in the job server", for
    # `parallelism` slots or cores.
    embedded: str
    # Extra job-server arguments for the embedded cluster only.
    embedded_args: Tuple[str, ...] = ()

    def embedded_master(self, parallelism: int) -> str:
        return self.embedded.format(parallelism=parallelism)


JOB_SERVERS: Dict[str, JobServer] = {
    "spark": JobServer(
        "org.apache.beam.runners.spark.SparkJobServerDriver",
        "--spark-master-url",
        "local[{parallelism}]",
    ),
    "flink": JobServer(
        "org.apache.beam.runners.flink.FlinkJobServerDriver",
        "--flink-master",
        "[local]",
        ("--flink-conf-dir", str(POM_DIR / "flink")),
    ),
}
ENGINES = (DIRECT, *JOB_SERVERS)


class EngineError(RuntimeError):
    """The engine cannot start: no Java, no classpath, a busy port, or a job
    server that does not come up."""


def classpath_file(name: str) -> Path:
    return CLASSPATH_DIR / f"{name}.classpath"


def classpath(name: str) -> str:
    """The job server's classpath as `make engines` resolved it; every jar present."""
    path = classpath_file(name)
    if not path.is_file():
        raise EngineError(
            f"the {name} job server is not installed ({path} is missing): run `make engines`"
        )
    jars = path.read_text(encoding="utf-8").strip().split(os.pathsep)
    missing = [jar for jar in jars if not Path(jar).is_file()]
    if missing:
        raise EngineError(
            f"{len(missing)} jar(s) of the {name} job server are missing, e.g. "
            f"{missing[0]}: run `make engines` again"
        )
    return os.pathsep.join(jars)


def java() -> str:
    home = os.environ.get("JAVA_HOME")
    found = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if not found or not Path(found).is_file():
        raise EngineError(
            "the Spark and Flink engines need Java 17 (`java` on PATH or JAVA_HOME): "
            "apt-get install openjdk-17-jre-headless"
        )
    return found


def check(engine: Engine) -> None:
    """Everything the engine needs, checked before TensorFlow loads."""
    if engine.name == DIRECT or engine.job_server:
        return
    java()
    classpath(engine.name)
    if listening(engine.job_port):
        raise EngineError(
            f"port {engine.job_port} is in use (another job server?); pass --job-port"
        )


def _environment_args(workers: str) -> Tuple[str, ...]:
    """Where the Python workers run. LOOPBACK and EXTERNAL workers import
    this install, so TFX is told not to stage its own sdist; DOCKER workers
    run the project's image, which has everything installed."""
    kind, _, where = workers.partition("=")
    if kind == "loopback":
        return ("--environment_type=LOOPBACK",)
    if kind == "external":
        return ("--environment_type=EXTERNAL", f"--environment_config={where}")
    return (
        "--environment_type=DOCKER",
        f"--environment_config={where}",
        f"--sdk_container_image={where}",
    )


def engine_beam_args(engine: Engine) -> Tuple[str, ...]:
    """The Beam options a run on `engine` needs (none for direct); the job
    server must be running when the components start."""
    if engine.name == DIRECT:
        return ()
    return (
        "--runner=PortableRunner",
        f"--job_endpoint={engine.job_endpoint}",
        *_environment_args(engine.workers),
        f"--parallelism={engine.parallelism}",
    )


def job_server_command(engine: Engine) -> List[str]:
    server = JOB_SERVERS[engine.name]
    master = engine.master or server.embedded_master(engine.parallelism)
    embedded_args = () if engine.master else server.embedded_args
    return [
        java(),
        *JVM_OPTIONS,
        *log_options(),
        "-cp",
        classpath(engine.name),
        server.main_class,
        server.master_flag,
        master,
        *embedded_args,
        "--job-host=127.0.0.1",
        f"--job-port={engine.job_port}",
        # The client learns these from the job service.
        "--artifact-port=0",
        "--expansion-port=0",
    ]


def _wait_for_port(process: subprocess.Popen, port: int, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while not listening(port):
        if process.poll() is not None:
            raise EngineError(f"the job server exited with code {process.returncode}; see {log}")
        if time.monotonic() > deadline:
            raise EngineError(f"the job server did not listen on port {port} in {timeout:.0f} s")
        time.sleep(0.2)


@contextlib.contextmanager
def running_job_server(
    engine: Engine, log: Path, timeout: float = START_TIMEOUT
) -> Iterator[Optional[subprocess.Popen]]:
    """The engine's job server for the duration of a run (nothing for
    direct, or when the engine names a running one)."""
    if engine.name == DIRECT or engine.job_server:
        yield None
        return
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as output:
        process = subprocess.Popen(
            job_server_command(engine),
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        _wait_for_port(process, engine.job_port, timeout, log)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

"""A standalone Apache Spark cluster of the tests' own: a master and a worker,
separate JVMs on loopback as in production, from the Spark jars that `make
engines` resolved for the job server (no Spark download). The worker starts
executors from SPARK_HOME, so a temporary SPARK_HOME links those jars."""

import contextlib
import dataclasses
import json
import os
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Iterator

from pipeline.runners import engines
from pipeline.serving.ports import free_port


def _spark_home(root: Path) -> Path:
    """jars/ linking the job server's classpath; RELEASE marks a distribution."""
    home = root / "spark-home"
    (home / "jars").mkdir(parents=True)
    for jar in engines.classpath("spark").split(os.pathsep):
        (home / "jars" / Path(jar).name).symlink_to(jar)
    (home / "RELEASE").write_text("jars linked by tests/support/spark_cluster.py\n")
    return home


def _alive_workers(cluster: "SparkCluster") -> int:
    try:
        return cluster.status()["aliveworkers"]
    except OSError:
        return 0


@dataclasses.dataclass(frozen=True)
class SparkCluster:
    master: str  # spark://127.0.0.1:PORT
    ui_port: int

    def status(self) -> dict:
        """The master's own account, from its web UI's JSON."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.ui_port}/json/", timeout=5) as page:
            return json.load(page)

    def completed_applications(self) -> int:
        return len(self.status()["completedapps"])


@contextlib.contextmanager
def standalone_cluster(cores: int = 2, memory: str = "2g") -> Iterator[SparkCluster]:
    """A master with one worker of `cores` cores registered."""
    with tempfile.TemporaryDirectory(prefix="spark-cluster-") as tmp:
        root = Path(tmp)
        env = {**os.environ, "SPARK_HOME": str(_spark_home(root)), "SPARK_SCALA_VERSION": "2.12"}
        java = [engines.java(), *engines.JVM_OPTIONS, *engines.log_options()]
        classpath = ["-cp", engines.classpath("spark")]
        port, ui_port = free_port(), free_port()
        master = f"spark://127.0.0.1:{port}"
        commands = {
            "master": [
                *java,
                *classpath,
                "org.apache.spark.deploy.master.Master",
                *("--host", "127.0.0.1", "--port", str(port), "--webui-port", str(ui_port)),
            ],
            "worker": [
                *java,
                *classpath,
                "org.apache.spark.deploy.worker.Worker",
                *("--host", "127.0.0.1", "--cores", str(cores), "--memory", memory),
                *("--webui-port", str(free_port()), "--work-dir", str(root / "work"), master),
            ],
        }
        processes = []
        try:
            for name, command in commands.items():
                log = (root / f"{name}.log").open("wb")
                processes.append(
                    subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
                )
            cluster = SparkCluster(master, ui_port)
            deadline = time.monotonic() + 90
            while _alive_workers(cluster) < 1:
                if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
                    logs = {n: (root / f"{n}.log").read_text()[-2000:] for n in commands}
                    raise RuntimeError(f"the Spark cluster did not come up: {logs}")
                time.sleep(0.5)
            yield cluster
        finally:
            for process in reversed(processes):
                process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()

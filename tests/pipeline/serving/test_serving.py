"""The pushed model behind the REST service, end to end: the service's
predictions equal the Evaluator's, a new version swaps in under load without
a failed request, bad requests never break it, `serve` works from the
command line, and CSV batch scoring agrees with the service."""

import base64
import csv
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from pipeline.config import REPO_ROOT
from pipeline.serving.app import VERSION_HEADER

pytestmark = pytest.mark.slow

MODEL = "taxi"
BATCH = 64


def _post(url: str, body, content_type="application/json"):
    """(status, parsed body, model version header) of a predict request."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(
        f"{url}/v1/models/{MODEL}:predict", data=data, headers={"Content-Type": content_type}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.load(response), response.headers[VERSION_HEADER]
    except urllib.error.HTTPError as error:
        return error.code, json.load(error), None


def _get(url: str):
    with urllib.request.urlopen(url, timeout=60) as response:
        return json.load(response)


def _pushed_model(small_run) -> Path:
    config, result, _ = small_run
    assert result.pushed_model_dir, "the small run pushed no model"
    return Path(result.pushed_model_dir)


def _serving_dir_with(model: Path, root: Path, version: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(model, root / version)
    return root


class Service:
    """The service on a serving dir, in a thread of this process, on loopback;
    `with` gives its URL."""

    def __init__(self, serving_dir: Path, poll_seconds: float = 0.1):
        from pipeline.serving.ports import free_port
        from pipeline.serving.server import uvicorn_server
        from pipeline.serving.versions import ServedVersions

        self.versions = ServedVersions(serving_dir, poll_seconds)
        assert self.versions.refresh()
        self.port = free_port()
        self._server = uvicorn_server(
            self.versions,
            MODEL,
            "127.0.0.1",
            self.port,
            max_request_bytes=1 << 20,
            log_level="warning",
        )
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self) -> str:
        self.versions.start()
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            assert self._thread.is_alive() and time.monotonic() < deadline, (
                f"the server on port {self.port} did not start"
            )
            time.sleep(0.05)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc_info):
        self._server.should_exit = True
        self._thread.join(timeout=30)
        self.versions.stop()


@pytest.fixture(scope="module")
def service(small_run, tmp_path_factory):
    serving_dir = _serving_dir_with(
        _pushed_model(small_run), tmp_path_factory.mktemp("serving") / MODEL, "1"
    )
    with Service(serving_dir) as url:
        yield url


def _instance(serialized: bytes, not_served) -> dict:
    """A raw tf.Example as a JSON instance, as a client would send the trip."""
    import tensorflow as tf

    instance = {}
    for name, feature in tf.train.Example.FromString(serialized).features.feature.items():
        kind = feature.WhichOneof("kind")
        values = list(getattr(feature, kind).value) if kind else []
        if name in not_served or not values:
            continue
        instance[name] = [v.decode() if isinstance(v, bytes) else v for v in values]
    return instance


def _tfma_predictions(model_dir: str, examples_uris, work_dir: Path):
    """{serialized example: probability} from TFMA's extractors, configured
    as the Evaluator is, over the eval split of every span (the Evaluator
    writes metrics, not per-example predictions)."""
    import apache_beam as beam
    import tensorflow_model_analysis as tfma
    from tfx_bsl.public import tfxio

    from pipeline.config import PipelineConfig
    from pipeline.evaluation import eval_config

    # The same model spec; no metrics, so no baseline is needed.
    config = tfma.EvalConfig(model_specs=eval_config(PipelineConfig()).model_specs)
    model = tfma.default_eval_shared_model(eval_saved_model_path=model_dir, eval_config=config)
    source = tfxio.TFExampleRecord(
        file_pattern=[f"{uri}/Split-eval/*" for uri in examples_uris],
        raw_record_column_name=tfma.ARROW_INPUT_COLUMN,
    )
    output = work_dir / "tfma_predictions.jsonl"

    def as_json(extract) -> str:
        [serialized] = extract["input"].reshape(-1)
        [probability] = extract["predictions"].reshape(-1)
        return json.dumps([base64.b64encode(serialized).decode(), float(probability)])

    with beam.Pipeline() as pipeline:
        extracts = pipeline | source.BeamSource() | tfma.BatchedInputsToExtracts()
        for extractor in tfma.default_extractors(eval_config=config, eval_shared_model=model):
            extracts = extracts | extractor.stage_name >> extractor.ptransform
        _ = extracts | beam.Map(as_json) | beam.io.WriteToText(str(output), shard_name_template="")
    with output.open() as lines:
        return {base64.b64decode(key): p for key, p in map(json.loads, lines)}


def test_service_predictions_equal_the_evaluator_s(small_run, service, tmp_path):
    from pipeline.scoring.checks import ServingChecks

    _, _, outputs = small_run
    model_dir = outputs["Trainer"]["outputs"]["model"][0]["uri"] + "/Format-Serving"
    examples_uris = [a["uri"] for a in outputs["CsvExampleGen"]["outputs"]["examples"]]
    expected = _tfma_predictions(model_dir, examples_uris, tmp_path)
    assert len(expected) > 300  # The slice's eval split, one per distinct trip.

    not_served = ServingChecks.from_file(REPO_ROOT / "schema" / "schema.pbtxt").not_served
    examples = sorted(expected)
    served = []
    for start in range(0, len(examples), BATCH):
        batch = examples[start : start + BATCH]
        status, body, _ = _post(
            service, {"instances": [_instance(example, not_served) for example in batch]}
        )
        assert status == 200, body
        served += [prediction for [prediction] in body["predictions"]]
    differences = [abs(served[i] - expected[example]) for i, example in enumerate(examples)]
    assert max(differences) <= 1e-6, max(differences)


def test_a_new_version_swaps_in_under_load_without_a_failed_request(small_run, tmp_path):
    model = _pushed_model(small_run)
    serving_dir = _serving_dir_with(model, tmp_path / MODEL, "1")
    trips = _bundled_instances(8)
    outcomes, stop = [], threading.Event()

    def client(url):
        while not stop.is_set():
            started = time.monotonic()
            try:
                status, body, version = _post(url, {"instances": trips})
                outcome = (status, version, len(body.get("predictions", [])))
            except Exception as error:  # A dropped connection counts too.
                outcome = (repr(error), None, 0)
            outcomes.append((started, time.monotonic(), *outcome))

    with Service(serving_dir) as url:
        clients = [threading.Thread(target=client, args=(url,)) for _ in range(8)]
        for thread in clients:
            thread.start()
        time.sleep(1)
        # As Pusher does it: complete under a staging name, then one rename.
        shutil.copytree(model, serving_dir / ".staging" / "2")
        os.rename(serving_dir / ".staging" / "2", serving_dir / "2")
        deadline = time.monotonic() + 120
        while _get(f"{url}/healthz")["version"] != "2":
            assert time.monotonic() < deadline, "version 2 was never served"
            time.sleep(0.2)
        served_new = len(outcomes)
        time.sleep(1)
        stop.set()
        for thread in clients:
            thread.join()
        status = _get(f"{url}/v1/models/{MODEL}")

    failed = [
        (status, answers) for _, _, status, _, answers in outcomes if status != 200 or answers != 8
    ]
    assert failed == [] and len(outcomes) > served_new
    assert {version for *_, version, _ in outcomes} == {"1", "2"}
    # In-flight requests finish on the old version; a request that starts
    # after one was answered by the new version gets the new one too.
    switched = min(end for _, end, _, version, _ in outcomes if version == "2")
    assert {version for start, _, _, version, _ in outcomes if start > switched} == {"2"}
    assert status == {
        "model_version_status": [
            {
                "version": "2",
                "state": "AVAILABLE",
                "status": {"error_code": "OK", "error_message": ""},
            }
        ]
    }


def test_a_broken_push_is_reported_and_the_last_good_version_keeps_serving(small_run, tmp_path):
    model = _pushed_model(small_run)
    serving_dir = _serving_dir_with(model, tmp_path / MODEL, "1")
    with Service(serving_dir) as url:
        shutil.copytree(model, serving_dir / "2")
        (serving_dir / "2" / "saved_model.pb").write_bytes(b"not a SavedModel")
        deadline = time.monotonic() + 60
        while len(_get(f"{url}/v1/models/{MODEL}")["model_version_status"]) < 2:
            assert time.monotonic() < deadline, "the broken version was never tried"
            time.sleep(0.2)
        [broken, serving] = _get(f"{url}/v1/models/{MODEL}")["model_version_status"]
        status, body, version = _post(url, {"instances": _bundled_instances(1)})
    assert broken["version"] == "2" and broken["state"] == "END"
    assert "cannot load the SavedModel" in broken["status"]["error_message"]
    assert serving["version"] == "1" and serving["state"] == "AVAILABLE"
    assert (status, version) == (200, "1")


def _bundled_rows(count: int):
    path = REPO_ROOT / "data" / "trips" / "2016-10-01" / "trips.csv"
    with path.open(newline="") as handle:
        return [row for _, row in zip(range(count), csv.DictReader(handle))]


def _bundled_instances(count: int):
    """Raw trips from the newest bundled quarter, as JSON instances."""
    from pipeline.scoring.checks import csv_instance

    rows = _bundled_rows(count)
    return [csv_instance(list(row), list(row.values())) for row in rows]


def test_bad_requests_against_the_real_model_get_a_4xx_and_it_keeps_serving(service):
    trip = _bundled_instances(1)[0]
    cases = [
        ({"instances": [{**trip, "fare": -1.0}]}, 400, "instances[0].fare: -1.0 is below"),
        (
            {"instances": [{**trip, "payment_type": "Bitcoin"}]},
            400,
            "instances[0].payment_type: 'Bitcoin' is not one of",
        ),
        (
            {"instances": [{**trip, "trip_seconds": "ten"}]},
            400,
            "instances[0].trip_seconds: 'ten' is not an integer",
        ),
        ({"instances": [{**trip, "surge": 2}]}, 400, "instances[0].surge: unknown feature"),
        (b"{not json", 400, "malformed JSON"),
    ]
    for body, status, message in cases:
        got, answer, _ = _post(service, body)
        assert got == status and message in answer["error"], (got, answer)
    got, answer, _ = _post(service, {"instances": [trip]}, content_type="text/csv")
    assert got == 415
    assert _oversize_request(service) == (
        413,
        {"error": "request body of 2097152 bytes is over the limit of 1048576 bytes"},
    )
    assert _post(service, {"instances": [trip]})[0] == 200


def _oversize_request(url: str):
    """Declares a body over the limit and sends only its start: the answer
    must come without the server reading the rest."""
    host, port = url.rsplit("/", 1)[-1].split(":")
    with socket.create_connection((host, int(port)), timeout=60) as connection:
        connection.sendall(
            f"POST /v1/models/{MODEL}:predict HTTP/1.1\r\nHost: {host}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {2**21}\r\n\r\n"
            f'{{"instances": ['.encode()
        )
        response = http.client.HTTPResponse(connection)
        response.begin()
        return response.status, json.loads(response.read())


def test_csv_batch_scoring_agrees_with_the_service(small_run, service, tmp_path):
    from pipeline.cli import exits
    from pipeline.cli.main import main

    source = REPO_ROOT / "data" / "trips" / "2016-10-01" / "trips.csv"
    target = tmp_path / "scores.csv"
    # The model the service serves (later tests may push newer ones).
    model = _pushed_model(small_run)
    code = main(["predict", "--source", str(source), "--to", str(target), "--model", str(model)])
    assert code == exits.EXIT_OK
    with target.open(newline="") as handle:
        scored = list(csv.DictReader(handle))
    rows = _bundled_rows(10_000)
    assert [row["fare"] for row in scored] == [row["fare"] for row in rows]
    _, body, version = _post(service, {"instances": _bundled_instances(BATCH)})
    for row, [probability] in zip(scored, body["predictions"]):
        assert abs(float(row["big_tipper_probability"]) - probability) <= 1e-6
        assert row["big_tipper"] == str(int(probability >= 0.5))
    assert {row["model_version"] for row in scored} == {model.name}


def test_a_row_the_service_would_refuse_fails_csv_scoring_and_writes_nothing(
    small_run, tmp_path, capsys
):
    from pipeline.cli import exits
    from pipeline.cli.main import main

    config, _, _ = small_run
    rows = _bundled_rows(3)
    rows[2]["pickup_community_area"] = "99"
    source = tmp_path / "trips.csv"
    with source.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    target = tmp_path / "out" / "scores.csv"
    code = main(
        [
            "predict",
            "--source",
            str(source),
            "--to",
            str(target),
            "--output-dir",
            str(config.output_dir),
        ]
    )
    assert code == exits.EXIT_DATA_INVALID
    assert (
        f"{source}:4: pickup_community_area: 99 is above the schema's maximum 77"
        in capsys.readouterr().err
    )
    assert list(target.parent.iterdir()) == []


def test_serve_from_the_command_line_answers_a_raw_trip(small_run, tmp_path):
    from pipeline.serving.ports import free_port

    serving_dir = _serving_dir_with(_pushed_model(small_run), tmp_path / MODEL, "5")
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipeline",
            "serve",
            "--serving-dir",
            str(serving_dir),
            "--port",
            str(port),
        ],
        cwd=REPO_ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, server.stderr.read()
            assert time.monotonic() < deadline, "serve did not come up"
            try:
                health = _get(f"{url}/healthz")
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.5)
        status, body, version = _post(url, {"instances": _bundled_instances(1)})
    finally:
        server.send_signal(signal.SIGTERM)  # How Kubernetes stops a pod.
        _, stderr = server.communicate(timeout=60)
    assert health == {"status": "ok", "model": MODEL, "version": "5"}
    assert status == 200 and version == "5"
    [[probability]] = body["predictions"]
    assert 0.0 < probability < 1.0
    assert f"Serving 'taxi' version 5 on {url}/v1/models/taxi" in stderr
    assert "Stopped." in stderr and server.returncode == 0, stderr


def test_the_pushed_model_carries_its_schema_and_warm_up_requests(small_run):
    import tensorflow as tf
    from tensorflow_serving.apis import prediction_log_pb2

    from components.trainer.contract import EXAMPLES_INPUT, SCHEMA_FILE, WARMUP_FILE
    from components.trainer.export import WARMUP_EXAMPLES
    from pipeline.scoring.model import LoadedModel

    model = _pushed_model(small_run)
    assert (model / SCHEMA_FILE).read_text() == (REPO_ROOT / "schema" / "schema.pbtxt").read_text()
    [record] = tf.data.TFRecordDataset(str(model / WARMUP_FILE)).as_numpy_iterator()
    request = prediction_log_pb2.PredictionLog.FromString(record).predict_log.request
    assert request.model_spec.signature_name == "serving_default"
    examples = tf.make_ndarray(request.inputs[EXAMPLES_INPUT]).reshape(-1)
    assert len(examples) == WARMUP_EXAMPLES
    for serialized in examples:
        assert "tips" not in tf.train.Example.FromString(serialized).features.feature
    assert LoadedModel(model).warm_up() == WARMUP_EXAMPLES

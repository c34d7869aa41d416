"""The REST service's contract with a stand-in model: TF Serving's request
and response shapes, and a 4xx for every kind of bad request. The real
model behind the same service is tested in test_serving.py."""

import json

import pytest
from starlette.testclient import TestClient

from pipeline.scoring.checks import ServingChecks
from pipeline.serving.app import VERSION_HEADER, create_app
from tests.pipeline.scoring.test_checks import SCHEMA, TRIP

PREDICT = "/v1/models/taxi:predict"
LIMIT = 64 * 1024


class StandInModel:
    """Scores a trip by its fare, and records what it was asked."""

    version = "7"
    checks = ServingChecks.from_file(SCHEMA)

    def __init__(self):
        self.calls = []

    def predict(self, instances):
        self.calls.append(instances)
        return [values["fare"][0] / 100 for values in instances]


class StandInVersions:
    def __init__(self, model):
        self.current = model

    def status(self):
        if self.current is None:
            return [
                {
                    "version": "8",
                    "state": "END",
                    "status": {"error_code": "UNKNOWN", "error_message": "broken"},
                }
            ]
        return [
            {
                "version": str(self.current.version),
                "state": "AVAILABLE",
                "status": {"error_code": "OK", "error_message": ""},
            }
        ]


@pytest.fixture()
def model():
    return StandInModel()


@pytest.fixture()
def client(model):
    return TestClient(
        create_app(StandInVersions(model), "taxi", LIMIT), raise_server_exceptions=False
    )


def _post(client, body, content_type="application/json", path=PREDICT):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post(path, content=data, headers={"Content-Type": content_type})


def _error(response, status):
    assert response.status_code == status, response.text
    return response.json()["error"]


def test_predict_answers_in_tf_serving_s_row_format(client, model):
    response = _post(client, {"instances": [TRIP, {**TRIP, "fare": 30.0}]})
    assert response.status_code == 200
    assert response.json() == {"predictions": [[0.0925], [0.3]]}
    assert response.headers[VERSION_HEADER] == "7"
    assert model.calls[0][1]["fare"] == [30.0]


def test_the_served_version_and_the_signature_may_be_named(client):
    body = {"signature_name": "serving_default", "instances": [TRIP]}
    assert _post(client, body, path="/v1/models/taxi/versions/7:predict").status_code == 200
    assert "version 6 of 'taxi' is not served; the served version is 7" in _error(
        _post(client, body, path="/v1/models/taxi/versions/6:predict"), 404
    )
    assert "signature_name 'transform_features' is not served" in _error(
        _post(client, {**body, "signature_name": "transform_features"}), 400
    )


def test_status_and_health(client):
    status = client.get("/v1/models/taxi")
    assert status.json() == {
        "model_version_status": [
            {
                "version": "7",
                "state": "AVAILABLE",
                "status": {"error_code": "OK", "error_message": ""},
            }
        ]
    }
    assert client.get("/v1/models/taxi/versions/7").status_code == 200
    _error(client.get("/v1/models/taxi/versions/3"), 404)
    assert client.get("/healthz").json() == {"status": "ok", "model": "taxi", "version": "7"}


def test_no_loaded_version_is_a_503_not_a_crash(model):
    versions = StandInVersions(None)
    client = TestClient(create_app(versions, "taxi", LIMIT))
    assert "no version of 'taxi' is loaded yet" in _error(_post(client, {"instances": [TRIP]}), 503)
    _error(client.get("/healthz"), 503)
    status = client.get("/v1/models/taxi")
    assert status.status_code == 200
    assert status.json()["model_version_status"][0]["state"] == "END"


def test_a_bad_instance_fails_the_request_before_the_model_runs(client, model):
    message = _error(_post(client, {"instances": [TRIP, {**TRIP, "fare": "x"}]}), 400)
    assert message == "instances[1].fare: 'x' is not a number"
    assert model.calls == []


@pytest.mark.parametrize(
    "body, content_type, status, message",
    [
        pytest.param(
            '{"instances": [', "application/json", 400, "malformed JSON", id="truncated JSON"
        ),
        pytest.param(b"\xff\xfe{}", "application/json", 400, "malformed JSON", id="not UTF-8"),
        pytest.param("[" * 50_000, "application/json", 400, "malformed JSON", id="nested too deep"),
        pytest.param(
            {"instances": [TRIP]},
            "text/plain",
            415,
            "Content-Type must be application/json, got 'text/plain'",
            id="text content type",
        ),
        pytest.param(
            {"instances": [TRIP]},
            "",
            415,
            "Content-Type must be application/json",
            id="no content type",
        ),
        pytest.param(
            [TRIP], "application/json", 400, "the body must be a JSON object", id="a list body"
        ),
        pytest.param(
            {"instances": []}, "application/json", 400, "non-empty list", id="no instances"
        ),
        pytest.param(
            {"instances": TRIP},
            "application/json",
            400,
            "non-empty list",
            id="instances not a list",
        ),
        pytest.param(
            {"inputs": {"fare": [1.0]}},
            "application/json",
            400,
            "unsupported request field(s) ['inputs']",
            id="columnar format",
        ),
        pytest.param(
            {"instances": [TRIP, "trip"]},
            "application/json",
            400,
            "instances[1]: expected an object of feature values, got str",
            id="instance not an object",
        ),
        pytest.param(
            {"instances": [{**TRIP, "tips": 1.0}]},
            "application/json",
            400,
            "instances[0].tips: not sent at serving time",
            id="label source sent",
        ),
    ],
)
def test_bad_requests_get_a_4xx_that_names_the_problem(
    client, model, body, content_type, status, message
):
    assert message in _error(_post(client, body, content_type), status)
    assert model.calls == []


def test_a_body_over_the_limit_is_refused_declared_or_chunked(client, model):
    oversize = json.dumps({"instances": [TRIP] * 200}).encode()
    assert len(oversize) > LIMIT
    assert "over the limit of 65536 bytes" in _error(_post(client, oversize), 413)

    def chunks():  # No Content-Length: sent with chunked transfer encoding.
        for start in range(0, len(oversize), 4096):
            yield oversize[start : start + 4096]

    response = client.post(PREDICT, content=chunks(), headers={"Content-Type": "application/json"})
    assert "over the limit" in _error(response, 413)
    assert model.calls == []


def test_unknown_models_routes_and_methods_get_json_errors(client):
    assert "model 'other' is not served here; this server serves 'taxi'" in _error(
        _post(client, {"instances": [TRIP]}, path="/v1/models/other:predict"), 404
    )
    _error(client.get("/v1/models/other"), 404)
    _error(client.get("/v2/anything"), 404)
    _error(client.get(PREDICT), 404)  # GET on the predict URL: no such model.
    _error(client.delete("/healthz"), 405)


def test_a_bug_in_the_model_is_a_500_with_a_json_body(client, model):
    def broken(instances):
        raise RuntimeError("bug")

    model.predict = broken
    assert _error(_post(client, {"instances": [TRIP]}), 500) == ("internal error: RuntimeError")
    assert client.get("/healthz").status_code == 200

"""Serving requests against the curated schema's SERVING environment."""

import math

import pytest

from components import features
from pipeline.config import REPO_ROOT
from pipeline.scoring.checks import BadInstance, ServingChecks, csv_instance

SCHEMA = REPO_ROOT / "schema" / "schema.pbtxt"

# A raw trip from the bundled data (2016 Q4), as a client would send it.
TRIP = {
    "trip_start_timestamp": 1476784800,
    "fare": 9.25,
    "trip_miles": 1.8,
    "trip_seconds": 720,
    "payment_type": "Credit Card",
    "company": "Taxi Affiliation Services",
    "pickup_community_area": 8,
    "dropoff_community_area": 32,
    "dropoff_census_tract": 17031320100,
    "pickup_latitude": 41.899,
    "pickup_longitude": -87.633,
    "dropoff_latitude": 41.885,
    "dropoff_longitude": -87.621,
    "trip_start_hour": 10,
    "trip_start_day": 3,
    "trip_start_month": 10,
}


@pytest.fixture(scope="module")
def checks():
    return ServingChecks.from_file(SCHEMA)


def _refusal(checks, **changes) -> str:
    instance = {**TRIP, **changes}
    for name, value in changes.items():
        if value is ...:
            del instance[name]
    with pytest.raises(BadInstance) as raised:
        checks.check(instance, "instances[0]")
    return str(raised.value)


def test_serving_features_are_the_spec_s_minus_the_label_source(checks):
    # pickup_census_tract stays optional: absent from most trips.
    assert checks.types == {
        f.name: f.raw_type for f in features.RAW_FEATURES if f.present_at_serving
    }
    assert checks.not_served == {"tips"}


def test_a_raw_trip_passes_with_every_feature_as_a_list(checks):
    checked = checks.check(TRIP, "instances[0]")
    assert checked["fare"] == [9.25]
    assert checked["pickup_census_tract"] == []
    assert checks.check({**TRIP, "fare": [9.25]}, "x") == checked


@pytest.mark.parametrize(
    "missing", ["company", "dropoff_census_tract", "pickup_latitude", "trip_seconds"]
)
def test_missing_optional_features_are_allowed(checks, missing):
    for absent in (None, []):
        assert checks.check({**TRIP, missing: absent}, "x")[missing] == []
    instance = dict(TRIP)
    del instance[missing]
    assert checks.check(instance, "x")[missing] == []


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"fare": ...}, "instances[0].fare: missing (the schema requires a value)"),
        ({"payment_type": None}, "instances[0].payment_type: missing"),
        ({"surge": 1.5}, "instances[0].surge: unknown feature"),
        ({"tips": 2.0}, "instances[0].tips: not sent at serving time"),
        ({"fare": "9.25"}, "instances[0].fare: '9.25' is not a number"),
        ({"fare": True}, "instances[0].fare: True is not a number"),
        ({"trip_seconds": 720.5}, "instances[0].trip_seconds: 720.5 is not an integer"),
        ({"company": 7}, "instances[0].company: 7 is not text"),
        ({"fare": [1.0, 2.0]}, "instances[0].fare: 2 values, at most 1 allowed"),
        ({"fare": [[1.0]]}, "instances[0].fare: [1.0] is not a number"),
        ({"fare": -3.5}, "instances[0].fare: -3.5 is below the schema's minimum 0"),
        (
            {"pickup_community_area": 78},
            "instances[0].pickup_community_area: 78 is above the schema's maximum 77",
        ),
        (
            {"payment_type": "Bitcoin"},
            "instances[0].payment_type: 'Bitcoin' is not one of ['Cash', 'Credit Card'",
        ),
        ({"fare": math.nan}, "instances[0].fare: NaN is not allowed"),
        ({"fare": 1e39}, "instances[0].fare: 1e+39 is not a finite 32-bit float"),
        (
            {"trip_seconds": 2**63},
            "instances[0].trip_seconds: 9223372036854775808 does not fit in 64 bits",
        ),
    ],
)
def test_bad_values_name_the_instance_and_field(checks, changes, message):
    assert _refusal(checks, **changes).startswith(message)


def test_an_instance_must_be_an_object(checks):
    with pytest.raises(
        BadInstance,
        match=r"instances\[4\]: expected an object "
        r"of feature values, got list",
    ):
        checks.check([1, 2], "instances[4]")


def test_open_string_domains_accept_new_values(checks):
    # company has no domain: a new company maps to an out-of-vocabulary id.
    assert checks.check({**TRIP, "company": "New Cab Co"}, "x")["company"] == ["New Cab Co"]


def test_a_schema_naming_an_undefined_domain_is_refused(tmp_path):
    broken = tmp_path / "schema.pbtxt"
    broken.write_text(
        'feature { name: "payment_type" type: BYTES domain: "nope" }\n'
        'default_environment: "SERVING"\n'
    )
    with pytest.raises(ValueError, match="names string domain 'nope'"):
        ServingChecks.from_file(broken)


def test_a_csv_row_becomes_the_instance_a_client_sends():
    header = ["trip_id", "fare", "company", "trip_seconds", "tips"]
    assert csv_instance(header, ["17", "9.25", "", "720", "2.0"]) == {
        "fare": 9.25,
        "trip_seconds": 720,
    }
    with pytest.raises(ValueError):
        csv_instance(header, ["17", "N/A", "", "720", "2.0"])

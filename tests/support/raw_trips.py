"""Raw trips as tft_beam instance dicts ([] is a missing value, as
CsvExampleGen writes an empty cell), with known transformed outputs: the
transform tests' rows, and the rows engines' transform graphs are compared on."""

from components import features

# 2014-05-16 19:45 (a Friday) and 2013-12-31 23:30 (a Tuesday), local time.
FRIDAY_EVENING = 1400269500
NEW_YEARS_EVE = 1388532600


def raw_row(**overrides):
    """A raw trip as tft_beam instance dict: [] is a missing value."""
    row = {name: [] for name in features.raw_feature_names()}
    row.update(
        {
            "trip_start_timestamp": [FRIDAY_EVENING],
            "fare": [10.0],
            "trip_miles": [2.0],
            "trip_seconds": [600],
            "payment_type": [b"Cash"],
            "tips": [0.0],
            "company": [b"Flash Cab"],
            "pickup_community_area": [8],
            "dropoff_community_area": [32],
            "pickup_latitude": [41.9],
            "pickup_longitude": [-87.63],
            "dropoff_latitude": [41.88],
            "dropoff_longitude": [-87.62],
        }
    )
    row.update(overrides)
    return row


ROWS = [
    raw_row(payment_type=[b"Credit Card"], tips=[3.0]),  # 30% tip: big
    raw_row(payment_type=[b"Credit Card"], tips=[2.0]),  # exactly 20%: not big
    raw_row(
        trip_seconds=[],
        company=[],
        pickup_community_area=[],
        pickup_latitude=[],
        trip_start_timestamp=[NEW_YEARS_EVE],
    ),
    raw_row(fare=[0.0], tips=[1.0], trip_miles=[0.0], trip_seconds=[1200]),
    raw_row(pickup_community_area=[78]),  # out of range
]


def serialized(row) -> bytes:
    """A raw row as the serialized tf.Example a client would send."""
    import tensorflow as tf

    kinds = {
        features.RawType.INT: ("int64_list", tf.train.Int64List),
        features.RawType.FLOAT: ("float_list", tf.train.FloatList),
        features.RawType.BYTES: ("bytes_list", tf.train.BytesList),
    }
    feature = {}
    for name, values in row.items():
        kind, values_class = kinds[features.raw_feature(name).raw_type]
        feature[name] = tf.train.Feature(**{kind: values_class(value=values)})
    return tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()

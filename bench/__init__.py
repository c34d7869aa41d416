"""`make bench`: this pipeline against TFX's taxi example and a parsing floor,
side by side (`python -m bench`), and `bench/serving/`, the model server under
load. Imports the pipeline; nothing imports it but its tests."""

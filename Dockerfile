# The image every Kubeflow task of this pipeline runs:
# Python 3.10, the locked dependencies, and this project at /opt/taxi-pipeline,
# so components import `components...` by path and find schema/ and data/.
#
#   docker build -t REGISTRY/taxi-pipeline:TAG .
#   docker push REGISTRY/taxi-pipeline:TAG
#   python -m pipeline export-kubeflow --image REGISTRY/taxi-pipeline:TAG ...
#
# It also serves a pushed model (TF Serving's REST API on port 8501):
#   docker run -p 8501:8501 -v $PWD/runs/serving:/models --entrypoint python \
#     REGISTRY/taxi-pipeline:TAG -m pipeline serve --host 0.0.0.0 \
#     --serving-dir /models/chicago-taxi
FROM python:3.10-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/opt/taxi-pipeline/.venv \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    TF_CPP_MIN_LOG_LEVEL=2

RUN pip install --no-cache-dir uv==0.13.9

WORKDIR /opt/taxi-pipeline

# Dependencies first, so code changes do not reinstall 3 GB of wheels.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project --no-cache

COPY README.md ./
COPY components/ components/
COPY pipeline/ pipeline/
COPY schema/ schema/
COPY data/ data/
RUN uv sync --frozen --no-dev --no-editable --no-cache

# The spec's command is `python -m ...`: make that the project's interpreter.
ENV PATH=/opt/taxi-pipeline/.venv/bin:$PATH

# Beam's SDK harness, so this image also runs Dataflow, Flink and Spark
# workers (--sdk_container_image / --environment_config), which execute
# preprocessing_fn and need this project too. Kubeflow sets the command
# explicitly, so the entrypoint does not get in its way.
COPY --from=apache/beam_python3.10_sdk:2.61.0 /opt/apache/beam /opt/apache/beam
ENTRYPOINT ["/opt/apache/beam/boot"]

EXPOSE 8501

RUN useradd --create-home --uid 1000 pipeline
USER pipeline

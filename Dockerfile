# Airflow 3 image with the project's locked runtime dependencies and its two packages.
# The base tag must match apache-airflow in uv.lock (tests/test_scaffold.py checks it).
FROM apache/airflow:3.3.2-python3.12

USER airflow
WORKDIR /opt/spotify-pipeline
COPY --chown=airflow:0 pyproject.toml uv.lock README.md ./
COPY --chown=airflow:0 dags ./dags
COPY --chown=airflow:0 lambda ./lambda

# Export exactly the locked runtime set (no dev tools), install it, then the project itself.
RUN pip install --no-cache-dir "uv==0.13.9" \
 && python -m uv export --frozen --no-dev --no-emit-project --no-hashes -o /tmp/requirements.txt \
 && python -m uv pip install --no-cache --python "$(command -v python)" -r /tmp/requirements.txt \
 && python -m uv pip install --no-cache --python "$(command -v python)" --no-deps . \
 && rm /tmp/requirements.txt

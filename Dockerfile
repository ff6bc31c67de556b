# Airflow 3 image with the project's locked runtime dependencies and its two packages.
# The base tag must match apache-airflow in uv.lock (tests/test_compose.py checks it).
FROM apache/airflow:3.3.2-python3.12

USER airflow
WORKDIR /opt/spotify-pipeline
COPY --chown=airflow:0 pyproject.toml uv.lock README.md ./
COPY --chown=airflow:0 dags ./dags
COPY --chown=airflow:0 lambda ./lambda

# The image's virtualenv becomes exactly the locked runtime set (plus the `image` group: the
# Postgres driver and pip): `uv pip sync` also removes the base image's bundled providers, whose
# own pins (aiobotocore → an older botocore) clash with the lock. uv runs from /tmp so it does
# not sync itself away; `uv pip check` fails the build on any inconsistency left.
RUN python -m pip install --no-cache-dir --quiet --target /tmp/uv "uv==0.13.9" \
 && export UV=/tmp/uv/bin/uv PY="$(command -v python)" \
 && "$UV" export --frozen --no-dev --group image --no-emit-project --no-hashes -o /tmp/requirements.txt \
 && "$UV" pip sync --no-cache --python "$PY" /tmp/requirements.txt \
 && "$UV" pip install --no-cache --python "$PY" --no-deps . \
 && "$UV" pip check --python "$PY" \
 && rm -rf /tmp/uv /tmp/requirements.txt

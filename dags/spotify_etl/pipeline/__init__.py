"""The pipeline's steps, shared by the Airflow DAGs and the command line.

Each step takes a `Run` (validated settings, the platform, the partition date, the run id),
does its work through the module that owns it, and returns a small JSON-able dict (URIs,
counts) — never data. `snapshot` holds the daily DAG's steps, `listening` the hourly one's.
"""

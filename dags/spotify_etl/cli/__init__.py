"""The `spotify-pipeline` command: `main` parses and dispatches, `commands` does each command's
work through the pipeline's steps, `output` formats what is printed, `runner` runs a DAG
in-process (the only module that imports Airflow, and only when a DAG runs)."""

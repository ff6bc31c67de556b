"""The run report: a JSON file and a self-contained HTML page with charts, per snapshot date.

`gather` collects the figures (I/O: queries and manifests), `cost` prices them (pure), `page`
renders them (pure HTML with `charts`' inline SVG). Written to `<home>/reports/snapshot_date=D/`
locally, `s3://<curated>/_reports/snapshot_date=D/` on AWS (outside every table folder, so the
crawler never sees it).
"""

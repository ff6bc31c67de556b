"""Regenerate docs/data-dictionary.md from the table contracts in spotify_transform.schemas.

Run: `.venv/bin/python scripts/gen_docs.py`. A test fails when the committed file is stale.
"""

from __future__ import annotations

from pathlib import Path

from spotify_transform.schemas import data_dictionary

TARGET = Path(__file__).resolve().parents[1] / "docs" / "data-dictionary.md"
HEADER = (
    "# Data dictionary\n\n"
    "Generated from `lambda/spotify_transform/schemas.py` by `scripts/gen_docs.py`; do not edit.\n"
    "Types are the Athena / Glue types of the Parquet columns. Curated files live at\n"
    "`<curated>/<table>/<partition key>=<value>/part-00000.parquet` (a date, a month or an "
    "import, as each table says).\n\n"
)


def render() -> str:
    """The whole page."""
    return HEADER + data_dictionary()


if __name__ == "__main__":
    TARGET.write_text(render(), encoding="utf-8")
    print(f"wrote {TARGET}")

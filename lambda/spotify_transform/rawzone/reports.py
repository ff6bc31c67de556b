"""Where the report's pages live (standard library): the paths of the listener's periods,
beside `layout` (whose `report_folder` is the week's, the run report's), in the raw zone's
package, the one place that spells a zone path.

    <reports>/snapshot_date=D/report.{json,html}           the week ending on D (run.json beside)
    <reports>/period=month/month=YYYY-MM/report.{json,html} a calendar month
    <reports>/period=year/year=YYYY/report.{json,html}     a calendar year ("wrapped")
    <reports>/period=all/end=D/report.{json,html}          all time up to D
    <reports>/index.html                                   every page, linked
"""

from __future__ import annotations

import re

from spotify_transform.rawzone.layout import report_folder
from spotify_transform.uris import join

REPORT_PAGE = "report.html"
_PERIOD_KEY = {"month": "month", "year": "year", "all": "end"}
_PAGE = re.compile(r"(?:snapshot_date=([\d-]+)|period=(month|year|all)/\w+=([\d-]+))/report\.html$")


def period_report_folder(reports_root: str, kind: str, value: str) -> str:
    """A period's page folder: `week` (value: its last day; the run report's folder), `month`
    (YYYY-MM), `year` (YYYY) or `all` (all time up to the day `value`)."""
    if kind == "week":
        return report_folder(reports_root, value)
    if kind not in _PERIOD_KEY:
        raise ValueError(f"no report period {kind!r}")
    return join(reports_root, f"period={kind}", f"{_PERIOD_KEY[kind]}={value}")


def reports_index(reports_root: str) -> str:
    """The page that links every report page."""
    return join(reports_root, "index.html")


def parse_report_page(uri: str) -> tuple[str, str] | None:
    """(kind, value) of a report page's path (`period_report_folder`'s inverse), or None for
    any other file."""
    m = _PAGE.search(uri)
    if not m:
        return None
    return ("week", m[1]) if m[1] else (m[2], m[3])

"""The headless Chromium harness (tests/browser.py) sees errors and requests, and can fail."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from tests import browser

HEAD = '<!doctype html><html lang="en"><head><meta charset="utf-8">'
HEAD += '<meta name="viewport" content="width=device-width, initial-scale=1"><title>t</title>'


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", f"{path} is no PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_a_broken_page_shows_its_error_and_its_request(tmp_path: Path) -> None:
    # GIVEN a page that logs an error and asks for an image from a port nothing serves
    page = tmp_path / "broken.html"
    page.write_text(
        f'{HEAD}</head><body><p>broken</p><img src="http://127.0.0.1:9/x.png" alt="x">'
        "<script>console.error('boom')</script></body></html>"
    )
    # WHEN it is rendered at one width
    (seen,) = browser.view(page.as_uri(), tmp_path / "shots", widths=(800,), timeout=30)
    # THEN the error and the request are both listed
    assert "error: boom" in seen.errors
    assert "error: boom" in seen.console
    assert any(url.startswith("http://127.0.0.1:9/") for url in seen.requests), seen.requests
    assert seen.requests[0] == page.as_uri()


def test_a_clean_page_has_no_errors_and_a_screenshot_per_width(tmp_path: Path) -> None:
    # GIVEN a page with no script and nothing to fetch, taller than the viewport
    page = tmp_path / "clean.html"
    page.write_text(
        f"{HEAD}</head><body><p>one</p><p>two</p>"
        '<div style="height:1500px">tall</div><p>three</p></body></html>'
    )
    # WHEN it is rendered at a desktop and a phone width, with an expression to evaluate
    views = browser.view(
        page.as_uri(),
        tmp_path / "shots",
        evaluate={"n": "document.querySelectorAll('p').length", "mobile": "innerWidth < 600"},
        timeout=30,
    )
    # THEN each width has no errors, only the document as request, the text and the values
    assert [v.width for v in views] == [1280, 390]
    for seen in views:
        assert seen.errors == [], seen.errors
        assert seen.console == [], seen.console
        assert seen.requests == [page.as_uri()]
        assert seen.values == {"n": 3, "mobile": seen.width < 600}
        assert "one" in seen.text and "three" in seen.text
        assert seen.height > 1500
        # AND a full-page PNG as wide as the viewport, named after the page and the width
        assert seen.screenshot == tmp_path / "shots" / f"clean-{seen.width}.png"
        assert png_size(seen.screenshot) == (seen.width, seen.height)


def test_no_chromium_on_path_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a PATH without chromium
    monkeypatch.setenv("PATH", "/nonexistent")
    # WHEN the harness looks for it / THEN it says how to install it
    with pytest.raises(AssertionError, match="apt-get install chromium"):
        browser.chromium()

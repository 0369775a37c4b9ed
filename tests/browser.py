"""Headless Chromium for the tests, with the network closed.

Every request is recorded. Requests for the built site (``file://`` under its folder, or the local
test server) go through; anything else is aborted and listed in ``outside``, so a test can assert
that a page asked for nothing beyond the site.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from conftest import expect_slow, require_tool

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class PageVisit:
    page: object
    requests: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


@contextlib.contextmanager
def chromium():
    """A headless Debian Chromium driven by Playwright (no browser download)."""
    expect_slow("opens Chromium")
    executable = require_tool("chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def serve(folder: Path):
    """Serve ``folder`` over HTTP on 127.0.0.1 (a free port); yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # the tests read results, not access logs
        pass


def open_page(browser, url: str, allowed_prefix: str) -> PageVisit:
    """Open ``url`` with every request outside ``allowed_prefix`` aborted; wait for the load."""
    context = browser.new_context(offline=False)
    page = context.new_page()
    visit = PageVisit(page=page)

    def route(r):
        address = r.request.url
        visit.requests.append(address)
        if address.startswith(allowed_prefix) or address.startswith("data:") or address.startswith("blob:"):
            r.continue_()
        else:
            visit.outside.append(address)
            r.abort()

    page.route("**/*", route)
    page.on("requestfailed", lambda req: visit.failed.append(req.url))
    page.on("console", lambda msg: visit.console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda err: visit.console_errors.append(str(err)))
    # A page that only redirects (the site's root index.html): wait until the page it leads to has
    # loaded too, so that checks run on a whole page rather than on one still loading. Whether it
    # redirects is read from the served file beforehand: asking the live page races the redirect
    # (on a busy machine the next page may already be replacing it when the question is asked).
    with urllib.request.urlopen(url) as served:  # http: from the test server or file: (both)
        redirects = b'http-equiv="Refresh"' in served.read()
    page.goto(url, wait_until="load")
    if redirects:
        page.wait_for_url(lambda address: address != url, wait_until="load")
    return visit


def site_pages(site: Path) -> list[str]:
    """Every HTML page of a built site, as paths relative to it (Sphinx's own copies excluded)."""
    return sorted(
        str(p.relative_to(site))
        for p in site.rglob("*.html")
        if not {"_static", "_sources", "_images"} & set(p.relative_to(site).parts)
    )


def wait_for_charts(page, timeout_ms: int = 20000) -> None:
    """Wait until every chart container of ``page`` holds a drawn SVG or an error message."""
    page.wait_for_function(
        """() => [...document.querySelectorAll('.hepmet-chart')].every(
               c => c.querySelector('svg') || c.classList.contains('hepmet-chart-error'))""",
        timeout=timeout_ms,
    )

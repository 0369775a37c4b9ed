"""The test tiers: which tests `make test-fast` leaves out, and the guard that keeps it fast."""

from __future__ import annotations

import pytest

from conftest import _marks_from_code, run_hepmet


def _builds_the_site(root):
    return run_hepmet(root, "build", "--all")


def _builds_the_pdf(root):
    return run_hepmet(root, "build", "--pdf", "--all")


def _builds_what_it_is_told(root, *args):
    return run_hepmet(root, *args)


def _validates(root):
    return run_hepmet(root, "validate")


def _opens_a_browser(site):
    from browser import chromium

    with chromium() as browser:
        return browser


def _builds_the_fixture_site(factory):
    from synthesis_site import built_fixture_site

    return built_fixture_site(factory)


def _needs_tex():
    from conftest import require_tool

    return require_tool("xelatex")


@pytest.mark.parametrize(
    "function, marks",
    [
        (_builds_the_site, {"slow"}),
        (_builds_the_pdf, {"slow", "pdf"}),
        (_builds_what_it_is_told, {"slow"}),
        (_validates, set()),
        (_opens_a_browser, {"slow", "browser"}),
        (_builds_the_fixture_site, {"slow"}),
        (_needs_tex, {"slow", "pdf"}),
    ],
)
def test_marks_come_from_the_calls_in_the_code(function, marks):
    assert _marks_from_code(function) == marks


def test_a_fast_test_that_builds_fails_with_a_message(tmp_path):
    command = "build"  # a variable, so that the code scan does not see the build and mark it slow
    with pytest.raises(pytest.fail.Exception, match="not marked slow"):
        run_hepmet(tmp_path, command)

"""The vendored chart runtime (src/figures/static/vega/, scripts/vendor_vega.py) is the Vega that
vl-convert draws the static SVG with: the interactive view and the drawing cannot disagree."""

from __future__ import annotations

import re
from pathlib import Path

import vl_convert

VENDOR = Path(__file__).resolve().parent.parent / "src" / "figures" / "static" / "vega"


def test_the_vendored_vega_is_the_version_vl_convert_uses():
    runtime = (VENDOR / "vega.min.js").read_text(encoding="utf-8")
    # The UMD build ends by exporting its own version (".version=\"6.2.0\"").
    assert re.findall(r'\.version="([0-9.]+)"', runtime) == [vl_convert.get_vega_version()]


def test_the_vendored_files_carry_their_licences_and_source():
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    assert f"vega {vl_convert.get_vega_version()}" in readme
    tooltip = (VENDOR / "vega-tooltip.js").read_text(encoding="utf-8")
    version = re.search(r'var version\$1 = "([0-9.]+)";', tooltip).group(1)
    assert f"vega-tooltip {version}" in readme
    # A classic script (an ES module does not load from file://), with the licences beside it.
    assert not re.search(r"^(import|export) ", tooltip, re.M)
    assert (VENDOR / "LICENSE-vega").is_file() and (VENDOR / "LICENSE-vega-tooltip").is_file()

"""Vendor the Vega runtime the site draws its charts with: `python scripts/vendor_vega.py`.

The charts are compiled to Vega specs at build time by vl-convert (figures.render), so the browser
needs the Vega runtime alone, at the version vl-convert draws the static SVG with
(``vl_convert.get_vega_version()``; tests/test_vendored_vega.py fails when they differ), plus
vega-tooltip for the charts' tooltips. Both come from npm (``npm pack``) and are written to
``src/figures/static/vega/`` with their licences; the site serves them itself (no CDN).

vega-tooltip ships only as an ES module importing ``vega-util``; an ES module does not load from
``file://``, so it is rewritten as a classic script: its one import becomes the same functions of
the ``vega`` global (Vega re-exports ``vega-util``), its export list becomes ``window.vegaTooltip``,
and the source-map comment (the map is not shipped) is dropped. Nothing else is changed.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import tarfile
import tempfile
from pathlib import Path

import vl_convert

TOOLTIP_VERSION = "1.1.0"
VENDOR = Path(__file__).resolve().parent.parent / "src" / "figures" / "static" / "vega"
_IMPORT = re.compile(r"^import \{ ([\w, ]+) \} from 'vega-util';\n", re.M)
_EXPORT = re.compile(r"^export \{ ([^}]+) \};\n", re.M)
_SOURCE_MAP = re.compile(r"^//# sourceMappingURL=.*\n?", re.M)


def unpack(package: str, folder: Path) -> tarfile.TarFile:
    name = subprocess.run(
        ["npm", "pack", "--silent", package], cwd=folder, check=True, capture_output=True, text=True
    ).stdout.split()[-1]
    return tarfile.open(folder / name)


def member(archive: tarfile.TarFile, path: str) -> bytes:
    return archive.extractfile(f"package/{path}").read()


def classic_tooltip(module: str) -> str:
    """vega-tooltip's ES module as a classic script (see the module's text)."""
    imported = _IMPORT.search(module).group(1).split(", ")
    exported = [name.split(" as ")[-1] for name in _EXPORT.search(module).group(1).split(", ")]
    body = _SOURCE_MAP.sub("", _EXPORT.sub("", _IMPORT.sub("", module)))
    head = "".join(f"  var {name} = vega.{name};\n" for name in imported)
    names = ", ".join(f"{name}: {name}" for name in exported if name != "default")
    return (
        f"// vega-tooltip {TOOLTIP_VERSION} (npm, build/index.js) as a classic script: scripts/vendor_vega.py.\n"
        f'(function (vega) {{\n  "use strict";\n{head}{body}'
        f"  window.vegaTooltip = {{ {names} }};\n}})(window.vega);\n"
    )


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    vega_version = vl_convert.get_vega_version()
    VENDOR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        with unpack(f"vega@{vega_version}", folder) as vega:
            (VENDOR / "vega.min.js").write_bytes(member(vega, "build/vega.min.js"))
            (VENDOR / "LICENSE-vega").write_bytes(member(vega, "LICENSE"))
        with unpack(f"vega-tooltip@{TOOLTIP_VERSION}", folder) as tooltip:
            module = member(tooltip, "build/index.js").decode("utf-8")
            (VENDOR / "vega-tooltip.js").write_text(classic_tooltip(module), encoding="utf-8")
            (VENDOR / "LICENSE-vega-tooltip").write_bytes(member(tooltip, "LICENSE"))
    (VENDOR / "README.md").write_text(
        "# Vendored chart runtime\n\n"
        "Written by `scripts/vendor_vega.py` (from `npm pack`); do not edit by hand.\n\n"
        f"- `vega.min.js`: vega {vega_version}, `build/vega.min.js`, BSD-3-Clause (`LICENSE-vega`);\n"
        "  the Vega version vl-convert uses (`vl_convert.get_vega_version()`).\n"
        f"- `vega-tooltip.js`: vega-tooltip {TOOLTIP_VERSION}, `build/index.js` as a classic script,\n"
        "  BSD-3-Clause (`LICENSE-vega-tooltip`).\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()

"""Benchmark of the build: `make bench`. Prints tables; not a test (timings depend on the machine).

For each scale (the dataset as it is, and multiplied by synthetic studies) it times, in a fresh copy
of the project:

- clean: ``hepmet build --all`` from nothing;
- no change: ``hepmet build`` again;
- one study added: one more (synthetic) neuroblastoma study, then ``hepmet build``; then the
  strict no-stale-page check: a clean build of the same data in another copy, and every page's
  visible text compared (tests/site_text.py);
- prose changed: one sentence added to one chapter's text, then ``hepmet build``;
- PDF: ``hepmet build --pdf`` after the site's builds (``make pdf`` after ``make build``: it
  reuses the site's execution of every page), then ``hepmet build --pdf --all`` (from nothing).

At the end it prints issue 11's targets side by side: each measured ratio, its limit, pass or fail.

(No parallel reading: Sphinx reads serially whatever -j says, because sphinx_multitoc_numbering,
which Jupyter Book loads, is not declared parallel-safe; see docs/BENCHMARK.md.)

Each build is also run in a copy whose execution is switched off (``execute_notebooks: off``, a
lenient build: the pages' outputs are missing): the floor that Sphinx alone costs. The script
reports time, ratio to that floor, peak memory (largest process), the largest page, and the weight
of every page with what it loads, cold (empty cache) and warm (the site's shared assets cached).

Synthetic studies are copies of the real ones with new keys and a "(synthetic)" label; they live
only in the benchmark's temporary copies.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import yaml
from playwright.sync_api import TimeoutError as PlaywrightTimeout

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from browser import chromium, open_page, serve, site_pages  # noqa: E402  (the tests' helpers)
from conftest import copy_project  # noqa: E402
from site_text import stale_pages  # noqa: E402

PROSE_CHAPTER = "book/wilms-tumor.md"
PROSE_SENTENCE = "\n\nThis sentence was added by the benchmark to time a change of prose.\n"

# Measures the peak resident memory of the largest process of a command (its own or a child's) and
# the processor time of all of them.
_PEAK = (
    "import resource, subprocess, sys; code = subprocess.run(sys.argv[1:]).returncode; "
    "usage = resource.getrusage(resource.RUSAGE_CHILDREN); "
    "print(usage.ru_maxrss, usage.ru_utime + usage.ru_stime, file=sys.stderr); sys.exit(code)"
)


@dataclass
class Run:
    seconds: float
    peak_mb: float
    ok: bool
    load: float  # the machine's 1-minute load average when the build ended (2 cores: 2 is full)
    # Processor seconds of the build's processes: on a machine shared with other work it moves far
    # less than the time on the clock, so the two builds of a ratio can be compared by it too.
    cpu_seconds: float = 0.0


def hepmet(root: Path, *args: str) -> Run:
    """Run ``hepmet --root root args`` with the copy's own code; time, processor time and peak memory."""
    env = dict(os.environ, PYTHONPATH=str(root / "src"))
    command = [sys.executable, "-c", _PEAK, sys.executable, "-m", "figures.cli", "--root", str(root), *args]
    started = time.monotonic()
    result = subprocess.run(command, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.monotonic() - started
    lines = result.stderr.strip().splitlines()
    usage = lines[-1].split() if lines else []
    peak_kb, cpu = (int(usage[0]), float(usage[1])) if len(usage) == 2 and usage[0].isdigit() else (0, 0.0)
    if result.returncode != 0:
        print(f"  ! hepmet {' '.join(args)} failed in {root}:\n" + "\n".join(lines[-15:]), file=sys.stderr)
    return Run(seconds, peak_kb / 1024, result.returncode == 0, os.getloadavg()[0], cpu)


def synthetic_study(study_file: Path, index: int, target_dir: Path) -> None:
    """Write a synthetic copy of ``study_file`` (new key, its own reference) under ``target_dir``."""
    study = yaml.safe_load(study_file.read_text(encoding="utf-8"))
    key = f"{study['citation']}x{index}"
    study["citation"] = key
    study["label"] = f"{study['label']} (synthetic {index})"
    (target_dir / "studies" / f"{key}.yaml").write_text(yaml.safe_dump(study, sort_keys=False), encoding="utf-8")
    year = re.search(r"\d{4}", key).group(0)
    (target_dir / "references" / f"{key}.bib").write_text(
        f"@article{{{key},\n  author = {{Benchmark, Synthetic}},\n"
        f"  title = {{Synthetic study {key} of the benchmark}},\n"
        f"  journal = {{Benchmark}},\n  year = {{{year}}},\n  x-confidence = {{recalled}}\n}}\n",
        encoding="utf-8",
    )


def multiply_studies(root: Path, factor: int) -> int:
    """Add ``factor - 1`` synthetic copies of every study; return the number of studies."""
    data = root / "data"
    originals = sorted((data / "studies").glob("*.yaml"))
    for index in range(1, factor):
        for study_file in originals:
            synthetic_study(study_file, index, data)
    return len(list((data / "studies").glob("*.yaml")))


def add_one_study(root: Path) -> None:
    data = root / "data"
    nb = next(
        p
        for p in sorted((data / "studies").glob("*.yaml"))
        if yaml.safe_load(p.read_text())["population"]["tumour"] == "nb"
    )
    synthetic_study(nb, 9999, data)


def switch_execution_off(root: Path) -> None:
    config = root / "_config.yml"
    text = config.read_text(encoding="utf-8")
    assert "execute_notebooks: force" in text, "_config.yml no longer says execute_notebooks: force"
    config.write_text(text.replace("execute_notebooks: force", 'execute_notebooks: "off"'), encoding="utf-8")


def clean_build_of_the_same_data(root: Path) -> list[str]:
    """Build ``root``'s data from scratch in another copy; the pages whose visible text differs
    from ``root``'s (incrementally built) site."""
    other = copy_project(root.parent.parent / (root.parent.name + "-clean") / "book")
    shutil.rmtree(other / "data")
    shutil.copytree(root / "data", other / "data")
    run = hepmet(other, "build", "--all")
    if not run.ok:
        return ["the clean build of the same data failed"]
    return stale_pages(root / "_build" / "html", other / "_build" / "html")


def build_sequence(
    root: Path, pdf: bool, lenient: bool, clean_only: bool = False, added_only: bool = False
) -> tuple[dict[str, Run], list[str] | None]:
    """The builds of one copy, in order, and the stale pages after adding a study (None for a floor
    copy: execution off, lenient builds; and with ``clean_only``, which runs the clean build only).
    ``added_only`` runs the clean build, one study added and the no-stale-page check only."""
    extra = ["--lenient"] if lenient else []
    runs = {}

    def timed(name: str, *args: str) -> None:
        runs[name] = hepmet(root, *args, *extra)
        run = runs[name]
        print(
            f"[bench]   {'floor ' if lenient else ''}{name}: {run.seconds:.1f} s, "
            f"processor {run.cpu_seconds:.1f} s, peak {run.peak_mb:.0f} MB, load {run.load:.1f}",
            flush=True,
        )

    timed("clean", "build", "--all")
    if clean_only:
        return runs, None
    if not added_only:
        timed("no change", "build")
    add_one_study(root)
    timed("one study added", "build")
    stale = None
    if not lenient:
        stale = clean_build_of_the_same_data(root)
        print(
            f"[bench]   no-stale-page check: {len(stale)} page(s) differ from a clean build of the same data",
            flush=True,
        )
        for line in stale:
            print(f"[bench]     {line}", flush=True)
    if added_only:
        return runs, stale
    chapter = root / PROSE_CHAPTER
    chapter.write_text(chapter.read_text(encoding="utf-8") + PROSE_SENTENCE, encoding="utf-8")
    timed("prose changed", "build")
    if pdf:
        timed("PDF", "build", "--pdf")
        timed("PDF from nothing", "build", "--pdf", "--all")
    return runs, stale


def largest_page(site: Path) -> tuple[str, int]:
    pages = [(name, (site / name).stat().st_size) for name in site_pages(site)]
    return max(pages, key=lambda item: item[1])


NETWORK_IDLE_MS = 120_000


def page_weights(site: Path) -> list[tuple[str, int, int, int, bool, bool]]:
    """(page, HTML bytes, cold bytes, warm bytes, loads the Vega runtime, draws a chart) per page,
    from the requests Chromium made."""
    loads: dict[str, list[str]] = {}
    with serve(site) as base, chromium() as browser:
        for name in site_pages(site):
            visit = open_page(browser, f"{base}/{name}", allowed_prefix=base)
            try:
                # Fonts and deferred scripts load after the load event; on a busy machine this wait
                # can be long. What was requested by then is counted either way.
                visit.page.wait_for_load_state("networkidle", timeout=NETWORK_IDLE_MS)
            except PlaywrightTimeout:
                print(
                    f"[bench]   {name}: still loading after {NETWORK_IDLE_MS // 1000} s; counted what it requested",
                    flush=True,
                )
            loads[name] = sorted({r.split("?")[0][len(base) + 1 :] for r in visit.requests if r.startswith(base)})
            visit.page.context.close()
    # Warm: the reader came from another page of the site, so what every page loads is cached.
    shared = set.intersection(*(set(files) for files in loads.values()))

    def size(relative: str) -> int:
        path = site / relative
        return path.stat().st_size if path.is_file() else 0

    rows = []
    for name, files in loads.items():
        cold = sum(size(f) for f in files)
        warm = sum(size(f) for f in files if f not in shared)
        vega = any(f.endswith("vega.min.js") for f in files)
        chart = 'class="hepmet-chart"' in (site / name).read_text(encoding="utf-8")
        rows.append((name, size(name), cold, warm, vega, chart))
    return rows


# Issue 11's targets: (what, limit, how the measured value compares).
CLEAN_LIMIT, ADDED_LIMIT, NO_CHANGE_LIMIT, PDF_LIMIT = 1.5, 0.5, 1.1, 1.5
PAGE_WEIGHT_LIMIT = 1_500_000  # bytes, cold, for a chapter page
SCALE_CLEAN_LIMIT, SCALE_PAGE_LIMIT = 1.5, 2.0


def targets(results: list[dict], stale: dict[int, list[str]], weights) -> list[list[str]]:
    """One row per target of issue 11: target, measured, limit, pass/fail."""
    by = {(r["scale"], r["build"]): r for r in results}
    rows = []

    def row(target: str, value: float | None, limit: float, text: str | None = None) -> None:
        shown = text if text is not None else ("not run" if value is None else f"{value:.2f}")
        verdict = "not run" if value is None else ("pass" if value <= limit else "FAIL")
        rows.append([target, shown, f"<= {limit:g}", verdict])

    def ratio(build: str, scale: int = 1) -> float | None:
        r = by.get((scale, build))
        return None if r is None or not r["floor_seconds"] else r["seconds"] / r["floor_seconds"]

    row("clean HTML build / its floor (x1)", ratio("clean"), CLEAN_LIMIT)
    added, clean = by.get((1, "one study added")), by.get((1, "clean"))
    row("one study added / clean build (x1)", added and clean and added["seconds"] / clean["seconds"], ADDED_LIMIT)
    row(
        "the same, in processor seconds (x1)",
        added and clean and clean.get("cpu_seconds") and added["cpu_seconds"] / clean["cpu_seconds"],
        ADDED_LIMIT,
    )
    if 1 in stale:
        row("pages stale after adding a study (x1)", len(stale[1]), 0, str(len(stale[1])))
    row("no change / the floor's no change (x1)", ratio("no change"), NO_CHANGE_LIMIT)
    row("PDF edition after the site / its floor (x1)", ratio("PDF"), PDF_LIMIT)
    if weights:
        chapters = [w for w in weights if w[0].startswith("book/")]
        heaviest = max(chapters, key=lambda w: w[2])
        row(f"cold weight of the heaviest chapter page, MB ({heaviest[0]})", heaviest[2] / 1e6, PAGE_WEIGHT_LIMIT / 1e6)
        needless = [w[0] for w in weights if w[4] and not w[5]]
        row("pages loading the Vega runtime without a chart", len(needless), 0, str(len(needless)))
    else:
        row("cold weight of the heaviest chapter page, MB", None, PAGE_WEIGHT_LIMIT / 1e6)
    big = max((s for s, _ in by if s != 1), default=100)
    scaled, base = by.get((big, "clean")), by.get((1, "clean"))
    if scaled and base and not (scaled["ok"] and base["ok"]):
        # A failed build stops early: its time and pages are no measure.
        for target, limit in (("clean build", SCALE_CLEAN_LIMIT), ("largest page", SCALE_PAGE_LIMIT)):
            row(f"{target} x{big} / {target} x1", float("inf"), limit, "a build failed")
        return rows
    row(
        f"clean build x{big} / clean build x1",
        scaled and base and scaled["seconds"] / base["seconds"],
        SCALE_CLEAN_LIMIT,
    )
    page = scaled and f" ({scaled['largest_page']})"
    row(
        f"largest page x{big} / largest page x1{page or ''}",
        scaled and base and scaled["largest_page_bytes"] / base["largest_page_bytes"],
        SCALE_PAGE_LIMIT,
    )
    return rows


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows)]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)])


def kib(n: int) -> str:
    return f"{n / 1024:,.0f} KiB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="scale 1 only (the dataset as it is)")
    parser.add_argument("--scales", default="1,100", help="dataset multipliers (default 1,100: issue 11's targets)")
    parser.add_argument(
        "--clean-only",
        action="store_true",
        help="only the clean build at each scale, no floor (enough for the x100 targets; minutes, not an hour)",
    )
    parser.add_argument(
        "--added-only",
        action="store_true",
        help="only the clean build, one study added and the no-stale-page check, at scale 1, no floor "
        "and no page weights (issue 11's incremental target, side by side, in about two minutes)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures as JSON to this file")
    args = parser.parse_args(argv)
    start_load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    scales = [1] if args.quick or args.added_only else [int(s) for s in args.scales.split(",")]

    results, weights, stale = [], None, {}
    with tempfile.TemporaryDirectory(prefix="hepmet-bench-") as tmp:
        for scale in scales:
            # The largest scale runs a subset: its PDF (a table of every study) would dominate.
            full = scale == 1 or (scale <= 10 and not args.quick)
            print(f"[bench] scale x{scale}: {'full sequence' if full else 'HTML builds only (no PDF)'}", flush=True)
            root = copy_project(Path(tmp) / f"x{scale}" / "book")
            studies = multiply_studies(root, scale)
            runs, stale[scale] = build_sequence(
                root,
                pdf=full and not args.added_only,
                lenient=False,
                clean_only=args.clean_only,
                added_only=args.added_only,
            )
            if args.clean_only:
                stale.pop(scale)
            if args.clean_only or args.added_only:
                floors = {name: Run(0.0, 0.0, True, 0.0) for name in runs}
            else:
                floor_root = copy_project(Path(tmp) / f"x{scale}-floor" / "book")
                multiply_studies(floor_root, scale)
                switch_execution_off(floor_root)
                floors, _ = build_sequence(floor_root, pdf=full, lenient=True)
            site = root / "_build" / "html"
            page, page_bytes = largest_page(site)
            for name, run in runs.items():
                floor = floors[name]
                results.append(
                    {
                        "scale": scale,
                        "studies": studies,
                        "build": name,
                        "seconds": round(run.seconds, 1),
                        "floor_seconds": round(floor.seconds, 1),
                        "ratio": round(run.seconds / floor.seconds, 2) if floor.seconds else None,
                        "cpu_seconds": round(run.cpu_seconds, 1),
                        "peak_mb": round(run.peak_mb),
                        "ok": run.ok,
                        "load": round(run.load, 1),
                        "floor_load": round(floor.load, 1),
                        "largest_page": page,
                        "largest_page_bytes": page_bytes,
                    }
                )
            if scale == 1 and not args.added_only:
                weights = page_weights(site)

    print()
    print(
        table(
            ["scale", "studies", "build", "time (s)", "floor (s)", "ratio", "peak MB", "load (build; floor)", "ok"],
            [
                [
                    f"x{r['scale']}",
                    r["studies"],
                    r["build"],
                    r["seconds"],
                    r["floor_seconds"],
                    r["ratio"],
                    r["peak_mb"],
                    f"{r['load']}; {r['floor_load']}",
                    "yes" if r["ok"] else "NO",
                ]
                for r in results
            ],
        )
    )
    print()
    largest = {r["scale"]: (r["largest_page"], r["largest_page_bytes"]) for r in results}
    print(table(["scale", "largest page", "bytes"], [[f"x{s}", p, kib(b)] for s, (p, b) in largest.items()]))
    if weights:
        print()
        print(
            table(
                ["page (x1)", "HTML", "cold (page + all it loads)", "warm (shared assets cached)"],
                [[name, kib(html), kib(cold), kib(warm)] for name, html, cold, warm, _vega, _chart in weights],
            )
        )
    print()
    print(table(["target (issue 11)", "measured", "limit", "result"], targets(results, stale, weights)))
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"\n[bench] {os.cpu_count()} CPU(s), load average (1, 5, 15 min) at the start {start_load}, at the end {load}; "
        "the floor is the same build with execution switched off."
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "builds": results,
                    "page_weights": weights,
                    "stale_pages": stale,
                    "targets": targets(results, stale, weights),
                },
                indent=2,
            ),
            encoding="utf-8",
        )
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())

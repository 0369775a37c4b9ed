"""Injection gate: hostile text in the data files is shown as text, never run or interpreted.

A copy of the project gets one extra study whose text fields hold HTML, template, Markdown, MyST and
LaTeX syntax, and a tumour whose name and abbreviation hold HTML. The built site is checked in the
DOM of a real browser, and the PDF through its extracted text.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from browser import chromium, open_page, serve, site_pages, wait_for_charts
from conftest import copy_project, require_tool, run_hepmet

KEY = "hostile2020injection"
LABEL = "Hostile 2020 <script>window.__injected=1</script>"
PAYLOADS = {
    "label": LABEL,
    "setting group": "<img src=x onerror=window.__injected=2> centre",
    "subgroup": "{{ 7*7 }} **bold** [a link](https://example.com/) `code` $x^2$ <!-- comment",
    "comparison": "{cite:p}`ehrlich2009hepatic` {raw}`html:<b>raw</b>` :::{note} directive",
    "outcome group": r"\input{/etc/passwd} \write18{touch pwned} } unbalanced { 100% & #1 _ ^ ~",
    "flag": r"\end{document} ```{raw} latex \immediate\write18{id}``` % & # {{ x }}",
    "tumour name": "Desmoplastic tumor <script>window.__injected=3</script>",
    "tumour abbreviation": "DSRCT</script><img src=x onerror=window.__injected=4>",
}
STUDY_FIELDS = [name for name in PAYLOADS if not name.startswith("tumour")]

STUDY = {
    "citation": KEY,
    "label": PAYLOADS["label"],
    "design": "retrospective-series",
    "setting": {"centres": "single", "group": PAYLOADS["setting group"], "countries": []},
    "recruitment": {"start": None, "end": None},
    "population": {
        "tumour": "nb",
        "subgroup": PAYLOADS["subgroup"],
        "age_group": "pediatric",
        "age_median": None,
        "age_min": None,
        "age_max": None,
    },
    "n_patients": 10,
    "n_liver_metastases": 5,
    "timing": "synchronous",
    "interventions": ["resection"],
    "source": {"document": "000", "section": "test"},
    "comparisons": [{"id": "hostile", "description": PAYLOADS["comparison"], "p_value": 0.5}],
    "outcomes": [
        {
            "id": "os-hostile",
            "measure": "OS",
            "kind": "survival",
            "timepoint_months": None,
            "group": PAYLOADS["outcome group"],
            "n": 10,
            "estimate": 50,
            "unit": "percent",
            "ci": None,
            "events": None,
            "denominator": None,
            "comparison": None,
            "source": {"document": "000", "section": "test"},
        }
    ],
    "appraisal": {
        "tool": "jbi-case-series",
        "basis": "source-review",
        "items": [
            {"id": f"q{i}", "judgement": "unclear", "reason": "synthetic study of the injection test"}
            for i in range(1, 11)
        ],
        "overall": "unclear",
        "reason": "synthetic study of the injection test",
    },
    "flags": [{"field": "n_patients", "note": PAYLOADS["flag"]}],
}
REFERENCE = f"""@article{{{KEY},
  author       = {{Tester, Quality}},
  title        = {{A study that exists only inside the injection test}},
  journal      = {{Test Journal}},
  year         = {{2020}},
  note         = {{Synthetic record of tests/test_injection.py; never part of data/.}},
  x-confidence = {{recalled}}
}}
"""


def fold(text: str) -> str:
    # Sphinx's typography turns "--" into an en dash in text: a change of glyph, not of meaning.
    return " ".join(text.replace("\u2013", "--").split())


@pytest.fixture(scope="module")
def hostile_project(tmp_path_factory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("injection") / "book")
    (root / "data" / "studies" / f"{KEY}.yaml").write_text(yaml.safe_dump(STUDY, sort_keys=False), encoding="utf-8")
    (root / "data" / "references" / f"{KEY}.bib").write_text(REFERENCE, encoding="utf-8")
    tumours_file = root / "data" / "tumours.yaml"
    tumours = yaml.safe_load(tumours_file.read_text(encoding="utf-8"))
    dsrct = next(t for t in tumours if t["code"] == "dsrct")
    dsrct["name"], dsrct["abbreviation"] = PAYLOADS["tumour name"], PAYLOADS["tumour abbreviation"]
    tumours_file.write_text(yaml.safe_dump(tumours, sort_keys=False), encoding="utf-8")
    result = run_hepmet(root, "build")
    assert result.returncode == 0, result.stdout + result.stderr
    return root


def test_hostile_text_is_inert_text_in_every_page(hostile_project):
    site = hostile_project / "_build" / "html"
    shown_on: dict[str, list[str]] = {name: [] for name in PAYLOADS}
    problems = []
    with serve(site) as base, chromium() as browser:
        for name in site_pages(site):
            source = (site / name).read_text(encoding="utf-8")
            if "injected" not in source:
                continue
            visit = open_page(browser, f"{base}/{name}", allowed_prefix=base)
            wait_for_charts(visit.page)
            page = visit.page
            if page.evaluate("typeof window.__injected") != "undefined":
                problems.append(f"{name}: injected script ran ({page.evaluate('window.__injected')})")
            live = page.evaluate(
                """() => ({
                    handlers: [...document.querySelectorAll('*')].filter(e => [...e.attributes].some(
                                  a => a.name.startsWith('on') && a.value.includes('__injected')))
                               .map(e => e.outerHTML),
                    scripts: [...document.scripts].filter(s => s.type !== 'application/json'
                               && s.textContent.includes('__injected')).map(s => s.outerHTML),
                    links: [...document.querySelectorAll('a[href*="example.com"]')].map(a => a.outerHTML),
                    raw: [...document.querySelectorAll('b')].filter(b => b.textContent === 'raw').length,
                })"""
            )
            for kind, found in live.items():
                if found:
                    problems.append(f"{name}: live {kind}: {found}")
            text = fold(page.evaluate("document.body.innerText"))
            for field, payload in PAYLOADS.items():
                if fold(payload) in text:
                    shown_on[field].append(name)
            visit.page.context.close()

            # Chart specs travel as JSON inside <script>: no raw bracket may end that element.
            for spec in BeautifulSoup(source, "html.parser").find_all("script", type="application/json"):
                if "<" in spec.string or ">" in spec.string:
                    problems.append(f"{name}: a chart spec holds a raw angle bracket")
    assert problems == [], "\n".join(problems)
    missing = [field for field, pages in shown_on.items() if not pages]
    assert missing == [], f"shown literally on no page: {missing}"
    tabled = pages_with_the_study_in_a_table(hostile_project)
    assert "book/neuroblastoma.html" in tabled
    for page in tabled:
        lacking = [field for field in STUDY_FIELDS if page not in shown_on[field]]
        assert lacking == [], f"{page} has an evidence table of the study's tumour but lacks, as text: {lacking}"


def pages_with_the_study_in_a_table(root: Path) -> list[str]:
    """Pages whose source shows the evidence table of every study or of neuroblastoma studies."""
    call = re.compile(r"evidence_table\(\s*(\)|[\"']nb[\"'])")
    return sorted(
        str(md.relative_to(root).with_suffix(".html"))
        for md in (root / "book").rglob("*.md")
        if call.search(md.read_text(encoding="utf-8"))
    )


def _pdf_text(pdf: Path) -> str:
    pdftotext = require_tool("pdftotext")
    # -raw keeps the order TeX drew the text in, so each table cell comes out whole (the default
    # interleaves the lines of neighbouring cells).
    text = subprocess.run([pdftotext, "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    # Narrow cells wrap and hyphenate anywhere: compare without white space or hyphenation; TeX's
    # text-mode tilde and circumflex are accents in the extracted text.
    text = fold(re.sub(r"-\n", "", text)).replace("\u02dc", "~").replace("\u02c6", "^")
    return re.sub(r"\s+", "", text)


def test_hostile_text_is_printed_as_text_in_the_pdf(hostile_project):
    require_tool("xelatex")
    result = run_hepmet(hostile_project, "build", "--pdf")
    assert result.returncode == 0, result.stdout + result.stderr
    text = _pdf_text(hostile_project / "_build" / "latex" / "hepmet-review.pdf")
    assert "root:x:0:0" not in text, "\\input{/etc/passwd} was executed"
    missing = [field for field, payload in PAYLOADS.items() if re.sub(r"\s+", "", payload) not in text]
    assert missing == [], f"not printed literally in the PDF: {missing}"

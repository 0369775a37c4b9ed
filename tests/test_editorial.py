"""The editorial pass (issue 14), checked on the built site and, where it can be, without a build.

On the built text of the review's chapters: American spelling, no workflow talk, no "(s)" plurals,
no bold on glued numbers; every reference cited from a chapter under the label the list shows;
the facts of the source still read as the data says; the management table and bottom lines come
from data; every chart visible in Chromium with JavaScript off; the summary table readable on a
phone. Without a build: the management file's checks, the escaping of its table, the labels.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from browser import chromium, serve, site_pages, wait_for_charts
from conftest import copy_project, run_hepmet, toc_pages

# The review's chapters, whose prose the editorial pass owns: every page of the table of contents
# but those written by others (synthesis, appraisal, evidence tables, contributing).
WRITTEN_BY_OTHERS = {"book/evidence-tables", "book/synthesis", "book/appraisal", "book/contributing"}
CHAPTERS = [page for page in toc_pages() if page not in WRITTEN_BY_OTHERS]
# British forms (the title's spelling is American: tumor, pediatric, favorable...).
BRITISH = re.compile(
    r"\b(tumours?|favour\w*|unfavour\w*|paediatric\w*|haemat\w*|haemorrh\w*|oesophag\w*|anaem\w*|"
    r"behaviour\w*|colour\w*|centres?|multicentre|programmes?|recognis\w*|organis\w*|summaris\w*|"
    r"characteris(?:e|ed|es|ing)|localis\w*|colonis\w*|randomis\w*|metastasis(?:e|ed|es|ing)|"
    r"analys(?:e|ed|ing)|ageing|litre|fibre|grey)\b",
    re.IGNORECASE,
)
# Talk about the project's own workflow, which belongs on the Methods and References pages.
WORKFLOW = re.compile(
    r"recalled rather than verified|data file|study file|records? (?:these|this) as unknown|"
    r"candidate, not confirmed|not confirmed|flag(?:ged|s)? in the data|at the next build|"
    r"appears here|metadata unverified|author list unverified",
    re.IGNORECASE,
)
BAD_PLURAL = re.compile(
    r"\w\(s\)|(?<![\w.,])1 (?:patients|studies|estimates|cases|years|months|weeks|deaths|children)\b"
)


def page_soup(site: Path, page: str) -> BeautifulSoup:
    return BeautifulSoup((site / "_build" / "html" / f"{page}.html").read_text(encoding="utf-8"), "html.parser")


def words(text: str) -> str:
    """Text as one line of single spaces, typographic apostrophes plain, no space before punctuation
    (``get_text(" ")`` puts one around every inline element)."""
    flat = " ".join(text.replace("\u2019", "'").replace("\u2018", "'").split())
    return re.sub(r" ([,.;:)])", r"\1", flat)


def chapter_text(site: Path, page: str) -> str:
    """The page's article as a reader sees it, chart text alternatives included.

    Left out: the evidence tables (their cells are the study files' own text, checked for spelling
    alone by ``table_text``) and the bibliography list (paper titles keep their published spelling)."""
    article = page_soup(site, page).select_one("article")
    for tag in article.select("script, style, table.hepmet-table, div.citation"):
        tag.decompose()
    labels = " ".join(tag["aria-label"] for tag in article.select("[aria-label]"))
    return words(article.get_text(" ") + " " + labels)


# Official names keep their own spelling in the study files' text.
OFFICIAL_NAMES = ("French Society of Paediatric Oncology",)


def table_text(site: Path, page: str) -> str:
    """The text of the page's evidence tables (study files' text), official names left out."""
    article = page_soup(site, page).select_one("article")
    text = words(" ".join(table.get_text(" ") for table in article.select("table.hepmet-table")))
    for name in OFFICIAL_NAMES:
        text = text.replace(name, "")
    return text


# --- built site -------------------------------------------------------------------------------


def test_the_check_would_catch_what_it_looks_for():
    for bad in ("a favourable tumour", "one single centre", "it metastasised"):
        assert BRITISH.search(bad), bad
    for good in ("a favorable tumor", "characteristics", "analysis", "analyses", "metastasis", "metastases"):
        assert not BRITISH.search(good), good
    assert BAD_PLURAL.search("1 estimate(s)") and BAD_PLURAL.search("1 patients")
    assert not BAD_PLURAL.search("1 patient, 11 patients, (see)")
    assert WORKFLOW.search("the study's data file records these as unknown")


@pytest.mark.slow
@pytest.mark.parametrize("page", CHAPTERS)
def test_chapters_are_written_for_readers(built_site, page):
    text = chapter_text(built_site, page)
    british = sorted({m.group(0) for m in BRITISH.finditer(text + " " + table_text(built_site, page))})
    assert not british, f"{page}: British spelling {british}"
    assert not BAD_PLURAL.findall(text), f"{page}: {BAD_PLURAL.findall(text)}"
    if page not in ("book/methods", "book/references"):
        assert not WORKFLOW.findall(text), f"{page}: workflow talk {WORKFLOW.findall(text)}"


@pytest.mark.slow
def test_no_sentence_is_boilerplate_repeated_across_chapters(built_site):
    pages_of: dict[str, set[str]] = {}
    for page in CHAPTERS:
        for sentence in re.split(r"(?<=[.!?])\s+", chapter_text(built_site, page)):
            if len(sentence.split()) >= 12:
                pages_of.setdefault(sentence, set()).add(page)
    repeated = {sentence: sorted(pages) for sentence, pages in pages_of.items() if len(pages) >= 3}
    assert not repeated, repeated


@pytest.mark.slow
def test_each_chapter_prints_its_inconsistency_note_at_most_once(built_site):
    for page in CHAPTERS:
        notes = [d for d in page_soup(built_site, page).select("div.admonition") if "Inconsistencies" in d.get_text()]
        assert len(notes) <= 1, page
    # Real inconsistencies are shown; two staging systems and values inside a range are not ones.
    gist = " ".join(
        d.get_text(" ") for d in page_soup(built_site, "book/other-malignancies/gist").select("div.admonition")
    )
    assert "about half" in words(gist) and "30%-40%" in words(gist)
    nb = words(chapter_text(built_site, "book/neuroblastoma"))
    assert "International Neuroblastoma Staging System" in nb and "two staging systems" in nb.lower()
    for page in ("book/neuroblastoma", "book/wilms-tumor", "book/other-malignancies/osteosarcoma"):
        assert not [d for d in page_soup(built_site, page).select("div.admonition") if "Table 1" in d.get_text()], page


@pytest.mark.slow
def test_every_reference_is_cited_from_a_chapter_under_the_label_of_the_list(built_site):
    from pybtex.database import parse_file

    from figures import bibstyle

    references = page_soup(built_site, "book/references")
    entries = {
        div["id"]: words(div.select_one("span.label").get_text("")).strip("[]")
        for div in references.select("div.citation")
    }
    keys = sorted(p.stem for p in (built_site / "data" / "references").glob("*.bib"))
    assert len(entries) == len(keys), "the References page does not list every reference"
    expected_labels = {
        bibstyle.author_year(parse_file(str(built_site / "data" / "references" / f"{k}.bib")).entries[k]) for k in keys
    }
    assert set(entries.values()) == expected_labels

    cited: dict[str, list[str]] = {}
    for page in CHAPTERS:
        if page == "book/references":
            continue
        article = page_soup(built_site, page).select_one("article")
        for link in article.select('a[href*="references.html#"]'):
            target = link["href"].split("#", 1)[1]
            assert target in entries, f"{page}: citation {link['href']} points at no reference"
            # "(Ehrlich et al., 2009)" links the whole label; "Ehrlich et al. (2009)" links the year,
            # with the author just before it.
            author, year = entries[target].rsplit(", ", 1)
            shown = words(link.get_text())
            assert shown in (entries[target], year), f"{page}: cited as {shown!r}, listed as {entries[target]}"
            context = words(link.parent.get_text(" "))
            assert author in context, f"{page}: {author!r} not beside its citation in {context[:120]!r}"
            cited.setdefault(target, []).append(page)
    uncited = sorted(label for target, label in entries.items() if target not in cited)
    assert not uncited, f"listed but cited from no chapter: {uncited}"


@pytest.mark.slow
def test_the_facts_of_the_source_still_read_as_the_data_says(built_site, monkeypatch):
    from figures import dataset, formats, paths

    monkeypatch.setenv(paths.DATA_DIR_VAR, str(built_site / "data"))
    dataset.load_dataset.cache_clear()
    try:
        facts = {f["id"]: f for topic in ("nb", "wt", "gist") for f in dataset.facts(topic)}

        def shown(fact_id: str) -> str:
            f = facts[fact_id]
            return formats.value_range(f["low"], f["high"], f["unit"]).replace("\u2013", "-")

        def prose(page: str) -> str:
            return chapter_text(built_site, page).replace("\u2013", "-")

        wt, nb, gist = prose("book/wilms-tumor"), prose("book/neuroblastoma"), prose("book/other-malignancies/gist")
        # The details the first edition lost: the DD-4A duration, the case's timeline, the GIST size.
        assert f"doxorubicin, given over {shown('wt-dd4a-duration')}" in wt
        assert f"recurrence {shown('wt-source-case-recurrence')} after the end of therapy" in wt
        assert f"free of disease {shown('wt-source-case-disease-free')} later" in wt
        assert f"larger than {shown('gist-gastric-size-threshold')}" in gist
        # The stage 4S proposal is attributed, and the limits of its evidence are said.
        assert "Weintraub and colleagues proposed" in nb and "This is one group's proposal" in nb
        assert f"overall survival (OS) is {shown('nb-4s-os')}" in nb
        # Key numbers of the largest Wilms series, against its study file.
        ehrlich = {o["id"]: o for o in dataset.study("ehrlich2009hepatic")["outcomes"]}
        assert f"was {formats.estimate(ehrlich['efs-liver-only']).replace(chr(0x2013), '-')}" in wt
        assert (
            f"{ehrlich['efs-primary-resection']['estimate']:g}%, "
            f"against {ehrlich['efs-no-primary-resection']['estimate']:g}%" in wt
        )
    finally:
        dataset.load_dataset.cache_clear()


@pytest.mark.slow
def test_conclusion_table_and_bottom_lines_come_from_the_data(built_site, monkeypatch):
    from figures import dataset, management, paths

    monkeypatch.setenv(paths.DATA_DIR_VAR, str(built_site / "data"))
    dataset.load_dataset.cache_clear()
    try:
        items = yaml.safe_load((built_site / "data" / "management.yaml").read_text(encoding="utf-8"))
        table = page_soup(built_site, "book/conclusion").select_one("table.hepmet-stacked")
        rows = {
            words(tr.select_one("th").get_text()): [words(td.get_text()) for td in tr.select("td")]
            for tr in table.select("tbody tr")
        }
        names = dict(zip(dataset.tumours()["code"], dataset.tumours()["name"]))
        assert set(rows) == {names[i["tumour"]] for i in items}
        for item in items:
            cells = rows[names[item["tumour"]]]
            assert cells[0] == words(item["presentation"]) and cells[2] == words(item["liver_directed"])
            count = len(dataset.studies(item["tumour"]))
            assert cells[3].startswith(f"{count} {'study' if count == 1 else 'studies'}")
            assert cells[4] == management.certainty(item["tumour"])
        bottom = words(page_soup(built_site, "book/conclusion").select_one("dl").get_text(" "))
        for item in items:
            assert f"{names[item['tumour']]} (certainty: {management.certainty(item['tumour'])})" in bottom
        open_questions = chapter_text(built_site, "book/conclusion")
        for question in ("Imaging for work-up", "Residual lesions", "Liver reserve in a child"):
            assert question in open_questions
    finally:
        dataset.load_dataset.cache_clear()


@pytest.mark.slow
def test_every_chart_is_visible_with_javascript_off(built_site):
    site = built_site / "_build" / "html"
    pages = [p for p in site_pages(site) if "hepmet-chart" in (site / p).read_text(encoding="utf-8")]
    assert len(pages) >= 5
    with serve(site) as base, chromium() as browser:
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        seen = 0
        for name in pages:
            page.goto(f"{base}/{name}", wait_until="load")
            charts = page.evaluate(
                """() => [...document.querySelectorAll('.hepmet-chart')].map(c => {
                    const img = c.querySelector('img.hepmet-chart-static');
                    const box = img ? img.getBoundingClientRect() : null;
                    return {id: c.id, label: c.getAttribute('aria-label'), complete: !!img && img.complete,
                            natural: img ? img.naturalWidth : 0,
                            width: box ? box.width : 0, height: box ? box.height : 0};
                })"""
            )
            for chart in charts:
                assert chart["label"], f"{name}: {chart['id']} has no text alternative"
                assert chart["complete"] and chart["natural"] > 0, (
                    f"{name}: {chart['id']} shows no image without JavaScript"
                )
                assert chart["width"] > 50 and chart["height"] > 50, f"{name}: {chart['id']} image is not visible"
                seen += 1
        assert seen >= 8
        context.close()

        # With JavaScript, the interactive view replaces the static image.
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{base}/book/neuroblastoma.html", wait_until="load")
        wait_for_charts(page)
        page.wait_for_function("() => !document.querySelector('.hepmet-chart img.hepmet-chart-static')", timeout=20000)
        assert page.evaluate("() => document.querySelectorAll('.hepmet-chart svg').length") >= 2
        # Numbers glued into the prose are not bold.
        weight = page.evaluate("() => getComputedStyle(document.querySelector('span.pasted-text')).fontWeight")
        assert int(weight) < 600
        context.close()


@pytest.mark.slow
def test_the_management_table_reads_on_a_phone(built_site):
    site = built_site / "_build" / "html"
    with serve(site) as base, chromium() as browser:
        context = browser.new_context(viewport={"width": 390, "height": 844})
        page = context.new_page()
        page.goto(f"{base}/book/conclusion.html", wait_until="load")
        cells = page.evaluate(
            """() => [...document.querySelectorAll('table.hepmet-stacked tbody tr')].map(tr => {
                const last = tr.querySelector('td:last-child');
                const box = last.getBoundingClientRect();
                return {right: box.right + window.scrollX, width: box.width,
                        label: getComputedStyle(last, '::before').content};
            })"""
        )
        assert len(cells) >= 7
        for cell in cells:
            assert 0 < cell["width"] and cell["right"] <= 390, cell
            assert "Certainty" in cell["label"], "a stacked cell does not say which column it is"
        table_right = page.evaluate(
            "() => document.querySelector('table.hepmet-stacked').getBoundingClientRect().right"
        )
        assert table_right <= 390
        context.close()


@pytest.mark.slow
def test_the_pdf_labels_its_references_as_the_text_cites_them(built_pdf):
    import subprocess

    from conftest import require_tool

    text = subprocess.run(
        [require_tool("pdftotext"), "-layout", str(built_pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.split())
    # The list is labelled "[Ehrlich et al., 2009]"; the text cites "Ehrlich et al. [2009]" and
    # "[Fernandez-Pineda et al., 2015]" (LaTeX brackets what HTML puts in parentheses).
    assert re.search(r"^\s*\[Ehrlich et al\., 2009\] ", text, flags=re.M)
    assert re.search(r"Ehrlich et al\. [\[(]2009[\])]", flat) and "[Fernandez-Pineda et al., 2015]" in flat
    assert not re.search(r"^\s*\[\d+\]\s", text, flags=re.M), "the PDF's bibliography is numbered"
    assert "Management of liver metastases by tumor" in flat


# --- without a build ----------------------------------------------------------------------------

HOSTILE = "<b>bold</b> & 100% {x}_y ~ ^ \\emph{z} #1 ```"


def test_the_management_table_escapes_html_and_latex(tmp_path, monkeypatch):
    from figures import dataset, management, paths

    data = copy_project(tmp_path / "book") / "data"
    items = yaml.safe_load((data / "management.yaml").read_text(encoding="utf-8"))
    items[0]["presentation"] = HOSTILE
    (data / "management.yaml").write_text(yaml.safe_dump(items, sort_keys=False), encoding="utf-8")
    monkeypatch.setenv(paths.DATA_DIR_VAR, str(data))
    dataset.load_dataset.cache_clear()
    try:
        markdown = management.summary_table().markdown
        # The one MyST text holds a raw HTML block (the site's) and a raw LaTeX block (the PDF's).
        html_text, latex_text = markdown.split("{raw} latex", 1)
        assert "&lt;b&gt;bold&lt;/b&gt; &amp; 100% {x}_y" in html_text and "<b>bold" not in html_text
        assert (
            r"<b>bold</b> \& 100\% \{x\}\_y \textasciitilde{} \textasciicircum{} \textbackslash{}emph\{z\} \#1"
            in latex_text
        )
        # A run of backticks in the text cannot close the raw blocks early.
        fence = markdown.split("{raw}", 1)[0]
        assert len(fence) > 3 and markdown.count(fence + "{raw}") == 2
    finally:
        dataset.load_dataset.cache_clear()


def _management_with(tmp_path, name: str, index: int, tumour: str) -> tuple[Path, int]:
    """A copy of the project whose management item ``index`` names ``tumour``; returns the root and
    the line of that item."""
    root = copy_project(tmp_path / name)
    path = root / "data" / "management.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("- tumour:")]
    lines[starts[index]] = f"- tumour: {tumour}"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root, starts[index] + 1


def test_the_management_file_is_checked(tmp_path):
    root, line = _management_with(tmp_path, "unknown", 0, "xx")
    result = run_hepmet(root, "validate")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    messages = (result.stdout + result.stderr).splitlines()
    assert any(re.fullmatch(rf"data/management\.yaml:{line}: \[0\]\.tumour: .*xx.*", m) for m in messages), messages

    root, line = _management_with(tmp_path, "twice", 1, "nb")
    result = run_hepmet(root, "validate")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    messages = (result.stdout + result.stderr).splitlines()
    assert f"data/management.yaml:{line}: [1].tumour: 'nb' is described twice" in messages, messages

    root, line = _management_with(tmp_path, "not-in-table-1", 2, "crc")
    result = run_hepmet(root, "validate")
    messages = (result.stdout + result.stderr).splitlines()
    assert f"data/management.yaml:{line}: [2].tumour: 'crc' is not a tumour of data/tumours.yaml" in messages, messages


def test_author_year_labels_follow_the_citations_of_the_text():
    from pybtex.database import Entry, Person

    from figures.bibstyle import AuthorYearLabels, author_year

    def entry(key: str, authors: list[str], year: str = "2009") -> Entry:
        e = Entry("article", fields={"title": "t", "year": year}, persons={"author": [Person(a) for a in authors]})
        e.key = key
        return e

    assert author_year(entry("a", ["Ehrlich, Peter F."])) == "Ehrlich, 2009"
    assert author_year(entry("b", ["Hugh, T. J.", "Poston, G. J."])) == "Hugh and Poston, 2009"
    assert (
        author_year(entry("c", ["Van den Eynden, G.", "Majeed, A.", "Vermeulen, P."])) == "Van den Eynden et al., 2009"
    )
    assert author_year(entry("d", ['Sch{\\"o}ffski, P.'])) == "Schöffski, 2009"
    same = [
        entry("e", ["Smith, A.", "Jones, B.", "Lee, C."]),
        entry("f", ["Smith, D.", "Wu, E.", "Ng, F."]),
        entry("g", ["Roe, A."]),
    ]
    assert list(AuthorYearLabels().format_labels(same)) == ["Smith et al., 2009a", "Smith et al., 2009b", "Roe, 2009"]

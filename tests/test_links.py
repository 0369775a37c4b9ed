"""Links gate: a crawler of the built files finds no broken internal link or anchor, every page
is reachable from the home page, and the references' DOIs and PMIDs are well-formed."""

from __future__ import annotations

import functools
import re
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup
from pybtex.database import parse_file

from browser import site_pages

# Crossref's pattern for modern DOIs; PubMed and PubMed Central identifiers are plain numbers.
DOI = re.compile(r"^10\.\d{4,9}/[-._;()/:A-Za-z0-9<>\[\]]+$")
PMID = re.compile(r"^[1-9][0-9]{0,8}$")
PMCID = re.compile(r"^PMC[0-9]+$")
LINKING_ATTRIBUTES = (("a", "href"), ("link", "href"), ("script", "src"), ("img", "src"), ("source", "src"))


@functools.cache
def _parsed(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def _anchors(path: Path) -> set[str]:
    page = _parsed(path)
    return {n["id"] for n in page.find_all(id=True)} | {n["name"] for n in page.find_all("a", attrs={"name": True})}


def internal_links(site: Path, name: str) -> list[tuple[str, Path, str]]:
    """(the link as written, the file it points to, its anchor) for every link inside the site."""
    here = PurePosixPath(name).parent
    page = _parsed(site / name)
    written = [
        node[attribute] for tag, attribute in LINKING_ATTRIBUTES for node in page.find_all(tag, attrs={attribute: True})
    ]
    # The home page of a Jupyter Book is a redirect: <meta http-equiv="Refresh" content="0; url=...">.
    for meta in page.find_all("meta", attrs={"http-equiv": re.compile("^refresh$", re.I)}):
        written += re.findall(r"url=(\S+)", meta.get("content", ""), flags=re.I)
    found = []
    for link in written:
        parts = urlsplit(link)
        if parts.scheme or parts.netloc or link.startswith(("mailto:", "data:", "javascript:")):
            continue
        target = site / name if not parts.path else site / here / unquote(parts.path)
        if target.is_dir():
            target = target / "index.html"
        found.append((link, target.resolve(), unquote(parts.fragment)))
    return found


def test_no_broken_internal_link_or_anchor(built_site):
    site = (built_site / "_build" / "html").resolve()
    broken = []
    for name in site_pages(site):
        for link, target, anchor in internal_links(site, name):
            if site not in target.parents:
                broken.append(f"{name}: {link} leaves the site")
            elif not target.is_file():
                broken.append(f"{name}: {link} points to a missing file")
            elif anchor and target.suffix == ".html" and anchor not in _anchors(target):
                broken.append(f"{name}: {link} points to a missing anchor")
    assert broken == [], "\n".join(broken)


def test_every_page_is_reachable_from_the_home_page(built_site):
    site = (built_site / "_build" / "html").resolve()
    seen, queue = set(), [site / "index.html"]
    while queue:
        page = queue.pop()
        if page in seen or page.suffix != ".html" or not page.is_file():
            continue
        seen.add(page)
        queue.extend(target for _, target, _ in internal_links(site, str(page.relative_to(site))))
    orphans = sorted(set(site_pages(site)) - {str(p.relative_to(site)) for p in seen})
    assert orphans == [], f"pages no link leads to: {orphans}"


def test_reference_identifiers_are_well_formed(built_site):
    problems = []
    bib_files = sorted((built_site / "data" / "references").glob("*.bib"))
    assert bib_files
    for bib in bib_files:
        for key, entry in parse_file(str(bib)).entries.items():
            for field, pattern in (("doi", DOI), ("pmid", PMID), ("pmcid", PMCID)):
                value = entry.fields.get(field)
                if value is not None and not pattern.match(value.strip()):
                    problems.append(f"{bib.name}: {key}: {field} {value!r} is not well-formed")
    assert problems == [], "\n".join(problems)

    # The bibliography links each DOI to the resolver; the link must carry the DOI unaltered.
    references = _parsed(built_site / "_build" / "html" / "book" / "references.html")
    for link in references.find_all("a", href=re.compile(r"^https?://(dx\.)?doi\.org/")):
        doi = unquote(urlsplit(link["href"]).path.lstrip("/"))
        assert DOI.match(doi), f"references page links a malformed DOI: {link['href']}"

"""What a reader sees on each page of a built site, to compare two builds of the same data.

Used by the no-stale-page test and by the benchmark: after an incremental build, every page's
visible text must equal that of a clean build of the same data.
"""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup

from browser import site_pages

INVISIBLE = ("script", "style", "noscript", "template", "head")


def visible_text(page: Path) -> str:
    """The page's text as shown (scripts, styles and the head dropped), white space folded."""
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    for element in soup(INVISIBLE):
        element.decompose()
    return " ".join(soup.get_text(" ").split())


def stale_pages(built: Path, clean: Path) -> list[str]:
    """Pages of the site ``built`` whose visible text differs from the site ``clean`` (or that
    only one of them has), each with the first words that differ."""
    pages = sorted(set(site_pages(built)) | set(site_pages(clean)))
    differences = []
    for name in pages:
        a, b = built / name, clean / name
        if not (a.exists() and b.exists()):
            differences.append(f"{name}: only in {'the clean' if b.exists() else 'the incremental'} build")
            continue
        text_a, text_b = visible_text(a).split(), visible_text(b).split()
        if text_a != text_b:
            first = next((i for i, (x, y) in enumerate(zip(text_a, text_b)) if x != y), min(len(text_a), len(text_b)))
            differences.append(
                f"{name}: at word {first}: {' '.join(text_a[first : first + 12])!r} "
                f"instead of {' '.join(text_b[first : first + 12])!r}"
            )
    return differences

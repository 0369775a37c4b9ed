"""Turn a "propose a study" issue (.github/ISSUE_TEMPLATE/propose-study.yml) into a study file and
its reference, checked by the dataset validator.

GitHub writes an issue form's answers into the issue body as ``### <label>`` sections (``_No
response_`` for an empty one, ``- [X] option`` for ticked boxes). The labels are read from the form
itself, so the form and this parser cannot drift apart. The issue is read from the event JSON that
GitHub Actions saves at ``$GITHUB_EVENT_PATH``: the body never passes through a shell.

The study file follows data model v2: each outcome carries its own ``n`` and ``kind``, the agents
the paper names are listed, and the required ``appraisal`` uses the tool that fits the design
(:func:`figures.schemas.tool_for_design`). Someone filling in a form cannot be asked for a whole
risk-of-bias checklist, so every item is written "unclear" with the reason :data:`NOT_APPRAISED`
and the overall judgement is "unclear": an editor appraises the study before merging.

``python -m figures.proposal [EVENT_JSON] --root . --comment FILE`` writes
``data/studies/<key>.yaml`` and ``data/references/<key>.bib``, then validates the dataset. Valid:
the proposal is logged as a new round of the screening log (source kind ``contributor``, one
included record), exit 0, ``key=<key>`` in ``$GITHUB_OUTPUT``. Not valid: the two files are removed
again, FILE holds a comment listing the validator's messages, exit 1. A malformed event or body: exit 2 with a
message (and a comment saying what is missing).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

import yaml

from figures import data_files, paths, references, rounds, screening_log
from figures.schemas import appraisal_tools, tool_for_design

FORM = Path(".github") / "ISSUE_TEMPLATE" / "propose-study.yml"
NO_RESPONSE = "_No response_"
# The parts of one line of the form's Outcomes field, in order (the form's description names them).
OUTCOME_PARTS = ("measure", "kind", "group", "n", "estimate", "unit", "months", "counts")
NOT_APPRAISED = "not yet appraised: proposed through the issue form; an editor appraises it before merging"
DEFAULT_BASIS = "abstract"


class ProposalError(Exception):
    """The event or the issue body cannot be read as a proposal; the message is for people."""


def form_labels(root: Path) -> dict[str, str]:
    """The form's answer fields: label -> field id."""
    form = yaml.safe_load((root / FORM).read_text(encoding="utf-8"))
    return {item["attributes"]["label"]: item["id"] for item in form["body"] if "id" in item}


def read_event(path: Path) -> dict:
    """The issue of a GitHub ``issues`` event (number, body) from the event JSON file."""
    try:
        event = json.loads(Path(path).read_text(encoding="utf-8"))
        issue = event["issue"]
        return {"number": int(issue["number"]), "body": issue.get("body") or ""}
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ProposalError(f"{path}: not a GitHub issue event ({type(err).__name__}: {err})") from None


def answers(body: str, labels: dict[str, str]) -> dict[str, str | list[str] | None]:
    """Each field id's answer: text, a list of ticked options (checkboxes), or None when empty."""
    sections = re.split(r"^### +(.+?) *$", body.replace("\r\n", "\n"), flags=re.M)
    found: dict[str, str | list[str] | None] = {}
    for label, text in zip(sections[1::2], sections[2::2]):
        if label not in labels:
            continue
        text = text.strip()
        ticked = re.findall(r"^- \[[xX]\] +(.+?) *$", text, flags=re.M)
        if re.search(r"^- \[[ xX]\] ", text, flags=re.M):
            found[labels[label]] = ticked
        else:
            found[labels[label]] = None if text in {"", NO_RESPONSE} else text
    missing = [label for label, ident in labels.items() if ident not in found]
    if missing:
        raise ProposalError("the issue does not follow the proposal form; missing: " + ", ".join(missing))
    return found


def _code(value: str | None) -> str | None:
    """The code of a dropdown answer ("wt: Wilms tumor" -> "wt")."""
    return value.split(":", 1)[0].strip() if value else None


def _number(value: str | None):
    """An integer or a number when the text is one; the text itself otherwise (the validator says why)."""
    if value is None or value.strip() == "":
        return None
    text = value.strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?\d+\.\d+", text):
        return float(text)
    return text


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "all"


def _outcome(line: str, section: dict) -> dict:
    """One study outcome from a line ``measure | kind | group | n | estimate | unit | months | events/denominator``."""
    parts = [p.strip() for p in line.split("|")] + [""] * len(OUTCOME_PARTS)
    values = dict(zip(OUTCOME_PARTS, parts))
    events, _, denominator = values["counts"].partition("/")
    group = values["group"] or "all"
    return {
        "id": f"{_slug(values['measure'])}-{_slug(group)}",
        "measure": values["measure"] or None,
        "kind": values["kind"] or None,
        "timepoint_months": _number(values["months"]),
        "group": group,
        "n": _number(values["n"]),
        "estimate": _number(values["estimate"]),
        "unit": values["unit"] or None,
        "ci": None,
        "events": _number(events),
        "denominator": _number(denominator),
        "comparison": None,
        "source": dict(section),  # a copy: the YAML gets no anchors and aliases
    }


def _outcomes(text: str | None, section: dict) -> list[dict]:
    """The outcomes of the form's lines; a repeated id (same measure and group) gets -2, -3, ..."""
    outcomes, seen = [], set()
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        outcome = _outcome(line, section)
        base, count = outcome["id"], 1
        while outcome["id"] in seen:
            count += 1
            outcome["id"] = f"{base}-{count}"
        seen.add(outcome["id"])
        outcomes.append(outcome)
    return outcomes


def appraisal_placeholder(design: str | None, basis: str | None) -> dict:
    """The appraisal of a proposed study: the tool of its design, every item "unclear" until an editor appraises it."""
    tool = tool_for_design(design) if design else None
    items = appraisal_tools()[tool]["items"] if tool else []
    return {
        "tool": tool,
        "basis": basis or DEFAULT_BASIS,
        "items": [{"id": item["id"], "judgement": "unclear", "reason": NOT_APPRAISED} for item in items],
        "overall": "unclear",
        "reason": NOT_APPRAISED,
    }


def _years(text: str | None) -> dict:
    years = re.findall(r"\b\d{4}\b", text or "")
    return {"start": int(years[0]) if years else None, "end": int(years[-1]) if len(years) > 1 else None}


def study_and_reference(fields: dict, number: int) -> tuple[str, dict, dict]:
    """The citation key, the study record and the reference's BibTeX fields a proposal describes."""
    authors = [a.strip() for a in (fields["authors"] or "").splitlines() if a.strip()]
    year = _number(fields["year"])
    if not isinstance(year, int):
        raise ProposalError(f"the year of publication must be a year such as 2019, not {fields['year']!r}")
    key = rounds.citation_key({"authors": authors, "year": year, "title": fields["title"] or ""})
    if key is None:
        raise ProposalError("a citation key needs the first author's family name, the year and the title")
    section = {"document": fields["seen_at"], "section": fields["source_section"]}
    study = {
        "citation": key,
        "label": f"{authors[0].split(',')[0].strip()} {year}",
        "design": _code(fields["design"]),
        "setting": {
            "centres": _code(fields["centres"]),
            "group": None,
            "countries": [c.strip().upper() for c in (fields["countries"] or "").split(",") if c.strip()],
        },
        "recruitment": _years(fields["recruitment"]),
        "population": {
            "tumour": _code(fields["tumour"]),
            "subgroup": fields["subgroup"],
            "age_group": _code(fields["age_group"]),
            "age_median": None,
            "age_min": None,
            "age_max": None,
        },
        "n_patients": _number(fields["n_patients"]),
        "n_liver_metastases": _number(fields["n_liver_metastases"]),
        "timing": _code(fields["timing"]),
        "interventions": list(fields["interventions"] or []),
        "agents": [a.strip() for a in (fields["agents"] or "").split(",") if a.strip()],
        "source": section,
        "comparisons": [],
        "outcomes": _outcomes(fields["outcomes"], section),
        "appraisal": appraisal_placeholder(_code(fields["design"]), _code(fields["basis"])),
        "flags": [],
        "note": f"Proposed in issue #{number}." + (f" Proposer's note: {fields['notes']}" if fields["notes"] else ""),
    }
    bib = {
        "author": " and ".join(authors),
        "title": fields["title"],
        "journal": fields["journal"],
        "year": fields["year"],
        "volume": fields["volume"],
        "pages": (fields["pages"] or "").replace("-", "--") or None,
        "doi": fields["doi"],
        "pmid": fields["pmid"],
        "note": f"proposed in issue #{number}; an editor marks it verified after checking the x-source page",
        "x-confidence": "recalled",
        "x-source": fields["seen_at"],
    }
    return key, study, {name: references.bibtex_value(str(value)) for name, value in bib.items() if value}


def bibtex_entry(key: str, fields: dict[str, str]) -> str:
    body = ",\n".join(f"  {name:<12} = {{{value}}}" for name, value in fields.items())
    return f"@article{{{key},\n{body}\n}}\n"


def _comment(problems: list[str]) -> str:
    lines = "\n".join(problems)
    return (
        f"Thank you for proposing this study. Its data could not be added yet: the checks of the "
        f"review found the problems below (each names the file, the line and the field). Please edit "
        f"the issue to correct them; an editor will then run the conversion again.\n\n```text\n{lines}\n```\n"
    )


def convert(root: Path, event_path: Path) -> tuple[str | None, list[str]]:
    """Write the proposal's two files and validate; (key, problems). Invalid files are removed."""
    issue = read_event(event_path)
    key, study, bib = study_and_reference(answers(issue["body"], form_labels(root)), issue["number"])
    data = root / "data"
    study_path, bib_path = data / "studies" / f"{key}.yaml", data / "references" / f"{key}.bib"
    for path in (study_path, bib_path):
        if path.exists():
            return key, [f"{path.relative_to(root)}:1: (file): exists already: this study may be in the review"]
    problems: list[str] = []
    try:
        study_path.write_text(yaml.safe_dump(study, sort_keys=False, allow_unicode=True, width=100), encoding="utf-8")
        bib_path.write_text(bibtex_entry(key, bib), encoding="utf-8")
        problems = data_files.check(data).problems
        if not problems:
            try:
                screening_log.append_round(data, _proposal_round(data, key, bib, issue["number"]))
            except screening_log.ScreeningLogError as err:
                problems = err.problems
    except BaseException:
        problems = ["(unexpected error)"]
        raise
    finally:
        if problems:  # nothing of an invalid proposal stays (the log is only written when all is valid)
            study_path.unlink(missing_ok=True)
            bib_path.unlink(missing_ok=True)
    return key, problems


def _proposal_round(data: Path, key: str, fields: dict, number: int) -> dict:
    """A round of the screening log holding the accepted proposal as one included record."""
    rounds_so_far = screening_log.load_rounds(data)
    index = len(rounds_so_far) + 1
    seen_at = fields.get("x-source")
    record = {
        "id": screening_log.record_id(index, 1),
        "queries": [],
        "title": fields["title"],
        "year": int(fields["year"]),
        "pmid": fields.get("pmid"),
        "doi": fields.get("doi"),
        "pmcid": None,
        "url": seen_at if seen_at and re.match(r"^https?://", seen_at) else None,
        "decision": "include",
        "reason": None,
        "study": key,
        "note": f"proposed in issue #{number}",
        "authors": fields["author"].split(" and "),
    }
    if fields.get("journal"):
        record["journal"] = fields["journal"]
    return {
        "round": index,
        "date": datetime.now(UTC).date().isoformat(),
        "description": f"A study proposed with the issue form (issue #{number}) and accepted by an editor.",
        "databases": [{"name": f"proposal in issue #{number}", "kind": "contributor", "note": None}],
        "queries": [],
        "records": [record],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m figures.proposal", description=__doc__.splitlines()[0])
    parser.add_argument(
        "event",
        nargs="?",
        default=os.environ.get("GITHUB_EVENT_PATH"),
        help="the event JSON (default: $GITHUB_EVENT_PATH)",
    )
    parser.add_argument("--root", default=".", help="the project folder")
    parser.add_argument("--comment", default="proposal-comment.md", help="where to write the comment for the issue")
    args = parser.parse_args(argv)
    root = paths.project_root(Path(args.root))
    comment = Path(args.comment)
    if not args.event:
        print("proposal: no event file (give one, or set GITHUB_EVENT_PATH)", file=sys.stderr)
        return 2
    try:
        key, problems = convert(root, Path(args.event))
    except ProposalError as err:
        print(f"proposal: {err}", file=sys.stderr)
        comment.write_text(
            f'This issue could not be read as a study proposal: {err}. Please use the "Propose a study" form.\n',
            encoding="utf-8",
        )
        return 2
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        comment.write_text(_comment(problems), encoding="utf-8")
        return 1
    if os.environ.get("GITHUB_OUTPUT"):
        with open(os.environ["GITHUB_OUTPUT"], "a", encoding="utf-8") as out:
            out.write(f"key={key}\n")
    print(f"proposal: wrote data/studies/{key}.yaml and data/references/{key}.bib (valid)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

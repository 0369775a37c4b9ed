"""Validate the dataset: every problem as ``file:line: field: message``.

(Foundation version: YAML syntax only. The dataset issue adds the schema and cross-field rules.)
"""

from __future__ import annotations

from pathlib import Path

import yaml


def validate_dataset(data_dir: Path) -> list[str]:
    """Return every problem found under ``data_dir``, formatted for people; empty when valid."""
    problems: list[str] = []
    for path in sorted(data_dir.rglob("*.yaml")):
        try:
            with path.open(encoding="utf-8") as handle:
                yaml.safe_load(handle)
        except yaml.YAMLError as err:
            line = getattr(getattr(err, "problem_mark", None), "line", -1) + 1
            problems.append(f"{path.relative_to(data_dir.parent)}:{line}: (file): not valid YAML: {getattr(err, 'problem', err)}")
    return problems

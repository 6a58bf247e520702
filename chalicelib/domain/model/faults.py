"""Every fault of a candidate model, each with its line (a file) or its path (a JSON change).

`parse_model` stops at the first fault, which is right for loading a shipped file. A reviewer who
submits a candidate wants all of them at once: pydantic reports every field fault, and the model's
consistency check (`consistency_faults`) every cross-reference and sum. pydantic runs the model-level
check only when every field is valid, so when a field is at fault the check is run here on the data
as given (it tolerates the parts at fault): a bad weight does not hide an unknown category.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import ValidationError

from chalicelib.domain.model.schema import ScoringModel, _AllAt, _At, _line_of, consistency_faults


@dataclass(frozen=True, slots=True)
class Fault:
    message: str
    line: int | None = None  # 1-based line of the file (a YAML candidate)
    path: str | None = None  # dotted path (both; for a JSON change, indicators by id)


def _locations(exc: ValidationError, data: Any) -> list[tuple[tuple[int | str, ...], str]]:
    """(location, message) of every fault in a validation error, model-level ones expanded, and the
    model-level ones pydantic did not reach because a field was at fault."""
    found: list[tuple[tuple[int | str, ...], str]] = []
    checked = False
    for error in exc.errors():
        cause = error.get("ctx", {}).get("error")
        base = tuple(error["loc"])
        if isinstance(cause, _AllAt):
            found.extend((base + f.loc, str(f)) for f in cause.faults)
            checked = True
        elif isinstance(cause, _At):
            found.append((base + cause.loc, str(cause)))
        else:
            found.append((base, error["msg"]))
    if not checked:
        found.extend((f.loc, str(f)) for f in consistency_faults(data) if (f.loc, str(f)) not in found)
    return found


def _path(loc: tuple[int | str, ...], data: Any) -> str:
    """A dotted path, with indicator positions named by their id (`indicators.rd_expense.weight`)."""
    parts: list[str] = []
    node = data
    for part in loc:
        label = str(part)
        if isinstance(part, int) and isinstance(node, list) and 0 <= part < len(node):
            item = node[part]
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                label = item["id"]
            node = item
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            node = None
        parts.append(label)
    return ".".join(parts) or "(top level)"


def data_faults(data: dict[str, Any]) -> tuple[ScoringModel | None, list[Fault]]:
    """Validate model data (a parsed file or a merged change): the model, or every fault with its path."""
    try:
        return ScoringModel.model_validate(data), []
    except ValidationError as exc:
        return None, [Fault(message, path=_path(loc, data)) for loc, message in _locations(exc, data)]


def file_faults(text: str) -> tuple[ScoringModel | None, list[Fault]]:
    """Validate a model file: the model, or every fault with its line and path."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        return None, [Fault(f"not valid YAML: {getattr(exc, 'problem', None) or exc}", line=line)]
    if root is None or not isinstance(data, dict):
        return None, [Fault("empty, or not a mapping of model fields", line=1)]
    try:
        return ScoringModel.model_validate(data), []
    except ValidationError as exc:
        return None, [
            Fault(message, line=_line_of(root, loc), path=_path(loc, data))
            for loc, message in _locations(exc, data)
        ]

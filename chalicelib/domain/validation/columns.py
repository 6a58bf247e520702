"""The columns a department may send, from the model: ids, Chinese names, ownership, types."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from chalicelib.domain.creditcode import fold_width
from chalicelib.domain.messages import Code, Issue, issue
from chalicelib.domain.model.schema import IndicatorDef, ScoringModel
from chalicelib.domain.validation.readers import blank_to_none
from chalicelib.domain.validation.rows import KEY_COLUMNS, MASTER_COLUMNS, ZONE_COLUMN, ZONE_COLUMN_ZH


# --- the columns a department may send ------------------------------------------------------
def fold_header(text: object) -> str:
    """A header as matched: full width folded, every space and BOM removed, lower case."""
    folded = fold_width("" if text is None else str(text)).replace("\ufeff", "")
    return "".join(folded.split()).lower()


@dataclass(frozen=True, slots=True)
class Column:
    id: str
    name_zh: str
    indicator: IndicatorDef | None = None


@dataclass(frozen=True)
class Department:
    """What one department's file may carry, from the model."""

    id: str
    name_zh: str
    master_data: bool
    columns: tuple[Column, ...]  # allowed, key columns first
    required: tuple[str, ...]

    @property
    def indicators(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.indicator is not None)

    @property
    def allowed(self) -> str:
        return ", ".join(c.id for c in self.columns)

    @property
    def allowed_zh(self) -> str:
        return "、".join(c.name_zh for c in self.columns)


@dataclass(frozen=True)
class Catalogue:
    """Every column of the model by id and header alias (id, Chinese name, `name(unit)`)."""

    model: ScoringModel
    by_id: dict[str, Column]
    by_alias: dict[str, Column]

    @classmethod
    def of(cls, model: ScoringModel) -> Catalogue:
        by_id = {c.id: Column(c.id, c.name_zh) for c in model.columns}
        by_id.setdefault(ZONE_COLUMN, Column(ZONE_COLUMN, ZONE_COLUMN_ZH))  # the registry's optional zone
        by_id.update({i.id: Column(i.id, i.name_zh, i) for i in model.indicators})
        by_alias: dict[str, Column] = {}
        for col in by_id.values():
            aliases = [col.id, col.name_zh]
            if col.indicator is not None and col.indicator.unit:
                aliases.append(f"{col.name_zh}({col.indicator.unit})")  # 营业收入(万元)
            for alias in map(fold_header, aliases):
                if by_alias.setdefault(alias, col) is not col:
                    raise ValueError(f"model {model.version}: header {alias!r} names two columns")
        return cls(model, by_id, by_alias)

    def department(self, department_id: str) -> Department | None:
        dept = self.model.department(department_id)
        if dept is None:
            return None
        required: tuple[str, ...] = MASTER_COLUMNS if dept.master_data else KEY_COLUMNS
        optional = (ZONE_COLUMN,) if dept.master_data else ()
        ids = required + optional + tuple(i.id for i in self.model.owned_by(dept.id))
        columns = tuple(self.by_id[i] for i in ids)
        return Department(dept.id, dept.name_zh, dept.master_data, columns, required)

    def department_zh(self, department_id: str) -> str:
        dept = self.model.department(department_id)
        return dept.name_zh if dept is not None else department_id

    def registry(self) -> str:
        return next((d.id for d in self.model.departments if d.master_data), "registry")

    def column_problem(self, header: str, dept: Department) -> Issue | None:
        """None when `header` names a column `dept` may send; else the file error."""
        col = self.by_alias.get(fold_header(header))
        if col is not None and any(c.id == col.id for c in dept.columns):
            return None
        ind = col.indicator if col is not None else None
        registry = self.registry()
        if col is not None and ind is not None and not ind.is_derived:
            code, variant = Code.COLUMN_NOT_OWNED, None
        elif col is not None and ind is not None:
            code, variant = Code.UNKNOWN_COLUMN, "derived"
        elif col is not None and not dept.master_data:
            code, variant = Code.UNKNOWN_COLUMN, "registry_only"
        else:  # not in the model, or e.g. `period` in a registry file
            code, variant = Code.UNKNOWN_COLUMN, None
        return issue(
            code,
            variant=variant,
            column=col.id if col is not None and (variant or ind) else header,
            column_zh=col.name_zh if col is not None else header,
            value=header,
            department=dept.id,
            department_zh=dept.name_zh,
            allowed=dept.allowed,
            allowed_zh=dept.allowed_zh,
            owner=ind.source if ind is not None else "",
            owner_zh=self.department_zh(ind.source) if ind is not None else "",
            registry=registry,
            registry_zh=self.department_zh(registry),
        )


_CATALOGUES: dict[int, tuple[ScoringModel, Catalogue]] = {}


def catalogue(model: ScoringModel) -> Catalogue:
    """One catalogue per loaded model (the model is kept so its id is never reused)."""
    cached = _CATALOGUES.get(id(model))
    if cached is None or cached[0] is not model:
        cached = _CATALOGUES[id(model)] = (model, Catalogue.of(model))
    return cached[1]


def named_columns(
    header: list[object],
    by_header: Mapping[str, str],
    names_zh: Mapping[str, str],
    owner: str,
    required: Iterable[str],
    allowed: Sequence[str] | None = None,
) -> tuple[list[str | None], list[Issue]]:
    """The field of each header cell of a file of named fields (support records, qualifications): None
    for a blank cell; the header's faults (an unknown, repeated or missing column) beside them.
    `by_header` maps a folded header (id or Chinese name) to its field, `names_zh` each field's name;
    `allowed` the ids an unknown column's message lists (default: those of `names_zh`)."""
    found: list[str | None] = []
    problems: list[Issue] = []
    seen: dict[str, list[str]] = {}
    for cell in header:
        text = "" if blank_to_none(cell) is None else str(cell)
        if not text:
            found.append(None)
            continue
        name = by_header.get(fold_header(text))
        if name is None:
            problems.append(
                issue(
                    Code.UNKNOWN_COLUMN,
                    value=text,
                    department=owner,
                    department_zh=owner,
                    allowed=", ".join(allowed if allowed is not None else names_zh),
                    allowed_zh="、".join(names_zh.values()),
                )
            )
        else:
            seen.setdefault(name, []).append(text)
        found.append(name)
    for name, headers in seen.items():
        if len(headers) > 1:
            problems.append(
                issue(
                    Code.DUPLICATE_COLUMN,
                    column=name,
                    column_zh=names_zh.get(name, name),
                    headers="、".join(headers),
                )
            )
    for name in required:
        if name not in seen:
            problems.append(issue(Code.MISSING_COLUMN, column=name, column_zh=names_zh.get(name, name)))
    return found, problems

"""The cultivation file (`files/<version>.yaml`): the qualification ladder and the programs (contract 17).

Loaded and validated like the scoring model: a bad file fails loudly naming its line — an unknown key,
an unknown criterion field (not an indicator the card's digest carries, `age` or `ip_total`), an unknown
op, a qualification issued by a department the model does not know, a flag that is not one of the
model's flag indicators, a program whose target is no qualification.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, Final, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from chalicelib.domain.model.schema import ScoringModel, _line_of

FILES_DIR: Final = Path(__file__).parent / "files"
ACTIVE_VERSION: Final = "jx-cultivation-2025.1"
AGE: Final = "age"
IP_TOTAL: Final = "ip_total"
IP_PARTS: Final = ("invention_patents", "other_ip")
SPECIAL_FIELDS: Final = frozenset({AGE, IP_TOTAL})
CORE_CATEGORIES: Final = frozenset({"tech_innovation", "growth_operations", "auxiliary"})
Op = Literal[">=", "<="]
_ID: Final = r"^[a-z][a-z0-9_]{1,39}$"


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """What a cultivation file may name, from the scoring model."""

    fields: frozenset[str]  # criterion fields: indicators on the card's digest
    flags: frozenset[str]  # the model's flag indicators
    departments: frozenset[str]


def vocabulary(model: ScoringModel) -> Vocabulary:
    core = frozenset(i.id for i in model.indicators if i.category in CORE_CATEGORIES)
    flags = frozenset(i.id for i in model.indicators if i.type == "flag")
    return Vocabulary(core | SPECIAL_FIELDS, flags, frozenset(d.id for d in model.departments))


def _vocabulary(info: ValidationInfo) -> Vocabulary | None:
    context = info.context
    found = context.get("vocabulary") if isinstance(context, dict) else None
    return found if isinstance(found, Vocabulary) else None


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class QualificationDef(_Frozen):
    id: str = Field(pattern=_ID)
    name_zh: str = Field(min_length=1)
    issuer: str
    flag: str | None = None
    counts_as: tuple[str, ...] = ()

    @field_validator("issuer")
    @classmethod
    def _known_issuer(cls, value: str, info: ValidationInfo) -> str:
        known = _vocabulary(info)
        if known is not None and value not in known.departments:
            raise ValueError(f"unknown department {value!r} (known: {', '.join(sorted(known.departments))})")
        return value

    @field_validator("flag")
    @classmethod
    def _known_flag(cls, value: str | None, info: ValidationInfo) -> str | None:
        known = _vocabulary(info)
        if value is not None and known is not None and value not in known.flags:
            raise ValueError(
                f"{value!r} is not a flag indicator of the model (known: {', '.join(sorted(known.flags))})"
            )
        return value


class Step(_Frozen):
    up_to: Decimal | None = None  # None: the last step, any value above the previous one
    value: Decimal


class Bands(_Frozen):
    by: str
    missing: Decimal
    steps: tuple[Step, ...] = Field(min_length=1)

    @field_validator("by")
    @classmethod
    def _known_by(cls, value: str, info: ValidationInfo) -> str:
        known = _vocabulary(info)
        if known is not None and value not in known.fields - SPECIAL_FIELDS:
            raise ValueError(f"unknown band field {value!r}: an indicator on the card is needed")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Bands:
        *bounded, last = self.steps
        if last.up_to is not None or any(s.up_to is None for s in bounded):
            raise ValueError("every step but the last needs `up_to`; the last has none")
        bounds = [s.up_to for s in bounded if s.up_to is not None]
        if bounds != sorted(bounds) or len(set(bounds)) != len(bounds):
            raise ValueError("steps must rise: each `up_to` above the one before")
        return self

    def threshold(self, by_value: Decimal | None) -> Decimal:
        if by_value is None:
            return self.missing
        for step in self.steps:
            if step.up_to is None or by_value <= step.up_to:
                return step.value
        return self.steps[-1].value  # unreachable: the last step is open


class CriterionDef(_Frozen):
    id: str = Field(pattern=_ID)
    name_zh: str = Field(min_length=1)
    field: str
    op: Op
    value: Decimal | None = None
    bands: Bands | None = None

    @field_validator("field")
    @classmethod
    def _known_field(cls, value: str, info: ValidationInfo) -> str:
        known = _vocabulary(info)
        if known is not None and value not in known.fields:
            raise ValueError(
                f"unknown field {value!r}: a core indicator of the model, `age` or `ip_total` / 未知字段"
            )
        return value

    @model_validator(mode="after")
    def _one_threshold(self) -> CriterionDef:
        if (self.value is None) == (self.bands is None):
            raise ValueError("a criterion needs exactly one of `value` and `bands`")
        return self

    def threshold(self, band_value: Decimal | None) -> Decimal:
        if self.bands is not None:
            return self.bands.threshold(band_value)
        assert self.value is not None
        return self.value


class ProgramDef(_Frozen):
    id: str = Field(pattern=_ID)
    name_zh: str = Field(min_length=1)
    target: str
    criteria: tuple[CriterionDef, ...] = Field(min_length=1, max_length=20)

    @model_validator(mode="after")
    def _unique_criteria(self) -> ProgramDef:
        ids = [c.id for c in self.criteria]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"criterion ids must be unique: {', '.join(twice)}")
        return self

    def fields(self) -> set[str]:
        """Every field the program reads (band fields included)."""
        out = {c.field for c in self.criteria} | {c.bands.by for c in self.criteria if c.bands}
        if IP_TOTAL in out:
            out |= set(IP_PARTS)
        return out


class CultivationFile(_Frozen):
    version: str = Field(min_length=1)
    name_zh: str
    qualifications: tuple[QualificationDef, ...] = Field(min_length=1)
    programs: tuple[ProgramDef, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> CultivationFile:
        ids = [q.id for q in self.qualifications]
        if len(set(ids)) != len(ids):
            raise ValueError("qualification ids must be unique")
        for q in self.qualifications:
            for other in q.counts_as:
                if other not in ids or other == q.id:
                    raise ValueError(
                        f"qualification {q.id}: counts_as names {other!r}, not another qualification"
                    )
        programs = [p.id for p in self.programs]
        if len(set(programs)) != len(programs):
            raise ValueError("program ids must be unique")
        for p in self.programs:
            if p.target not in ids:
                raise ValueError(f"program {p.id}: target {p.target!r} is no qualification")
        return self

    def qualification(self, qualification_id: str) -> QualificationDef | None:
        return next((q for q in self.qualifications if q.id == qualification_id), None)

    def program(self, program_id: str) -> ProgramDef | None:
        return next((p for p in self.programs if p.id == program_id), None)

    def by_name(self) -> dict[str, str]:
        """Qualification id or Chinese name → id (a file's `qualification` cell may hold either)."""
        return {**{q.name_zh: q.id for q in self.qualifications}, **{q.id: q.id for q in self.qualifications}}

    def expand(self, held: Iterable[str]) -> frozenset[str]:
        """Held qualifications with what each counts as (小巨人 → 专精特新 too)."""
        out = set(held)
        for qualification_id in list(out):
            found = self.qualification(qualification_id)
            if found is not None:
                out |= set(found.counts_as)
        return frozenset(out)

    def flags(self) -> dict[str, tuple[str, ...]]:
        """Flag indicator → the qualifications that set it."""
        out: dict[str, list[str]] = {}
        for q in self.qualifications:
            if q.flag is not None:
                out.setdefault(q.flag, []).append(q.id)
        return {flag: tuple(ids) for flag, ids in out.items()}


class CultivationFileError(ValueError):
    """A cultivation file that cannot be used; the message names the file and line."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def parse_programs(
    text: str, vocabulary: Vocabulary | None, source: str = "<cultivation>"
) -> CultivationFile:
    """Validate a cultivation file; CultivationFileError names the first fault's line."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise CultivationFileError(f"{source}:{line}: not valid YAML: {exc}", line) from exc
    if root is None or not isinstance(data, dict):
        raise CultivationFileError(f"{source}:1: empty or not a mapping", 1)
    try:
        return CultivationFile.model_validate(data, context={"vocabulary": vocabulary})
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        line = _line_of(root, loc)
        where = ".".join(str(p) for p in loc) or "(top level)"
        raise CultivationFileError(f"{source}:{line}: {where}: {first['msg']}", line) from exc


@cache
def load_programs(model: ScoringModel, version: str = ACTIVE_VERSION) -> CultivationFile:
    """The shipped cultivation file of `version`, checked against `model`."""
    path = FILES_DIR / f"{version}.yaml"
    if not path.is_file():
        raise CultivationFileError(f"no cultivation file for version {version!r}")
    found = parse_programs(path.read_text(encoding="utf-8"), vocabulary(model), str(path))
    if found.version != version:
        raise CultivationFileError(f"{path}: declares version {found.version!r}, file name says {version!r}")
    return found

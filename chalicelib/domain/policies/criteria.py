"""The criteria tree of a policy (contract 9 and 13): parsed and validated with pydantic.

A tree is `{"all": [...]}`, `{"any": [...]}`, `{"not": {...}}` or a leaf `{"field", "op", "value"}`,
a discriminated union told apart by its key. Limits are checked on the raw JSON first (at most 50
leaves, depth 6 counting every node on the longest path, the leaf included), so an oversized tree is
refused before pydantic walks it. Every fault is a `CriteriaError` naming the path the way the
contract spells it: `criteria.all[3].not.any[0].op`.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated, Any, Final, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from chalicelib.domain.policies.vocabulary import FieldKind, Vocabulary

MAX_LEAVES: Final = 50
MAX_DEPTH: Final = 6
MAX_LIST_VALUES: Final = 200
ROOT: Final = "criteria"

Op = Literal["==", "!=", ">", ">=", "<", "<=", "in", "not_in", "prefix", "exists"]
OPS: Final[tuple[str, ...]] = ("==", "!=", ">", ">=", "<", "<=", "in", "not_in", "prefix", "exists")
LIST_OPS: Final = frozenset({"in", "not_in", "prefix"})
OPS_BY_KIND: Final[dict[FieldKind, frozenset[str]]] = {
    "number": frozenset({"==", "!=", ">", ">=", "<", "<=", "in", "not_in", "exists"}),
    "flag": frozenset({"==", "!=", "exists"}),
    "text": frozenset({"==", "!=", "in", "not_in", "prefix", "exists"}),
}
_GROUPS: Final = ("all", "any")

Scalar = Decimal | bool | str


class CriteriaError(ValueError):
    """A criteria tree that cannot be used: where (`path`) and why, in English and Chinese."""

    code = "INVALID_CRITERIA"

    def __init__(self, path: str, message_en: str, message_zh: str) -> None:
        super().__init__(f"{path}: {message_en}")
        self.path = path
        self.message_en = message_en
        self.message_zh = message_zh


def _fault(kind: str, en: str, zh: str, **context: Any) -> PydanticCustomError:
    return PydanticCustomError(kind, en, {"zh": zh, **context})


def _number(raw: Any) -> Decimal:
    # JSON numbers only: a bool is an int to Python, and a numeric string is a wrong type here.
    if isinstance(raw, bool) or not isinstance(raw, int | float | Decimal):
        raise _fault("criteria_value", "must be a number", "取值应为数字")
    if isinstance(raw, float) and (raw != raw or raw in (float("inf"), float("-inf"))):
        raise _fault("criteria_value", "must be a finite number", "取值应为有限数字")
    # str() of a float is its shortest repr: 0.1 stays 0.1, not 0.1000000000000000055…
    return Decimal(str(raw)) if isinstance(raw, float) else Decimal(raw)


def _scalar(kind: FieldKind, field: str, raw: Any, vocabulary: Vocabulary) -> Scalar:
    if kind == "number":
        return _number(raw)
    if kind == "flag":
        if not isinstance(raw, bool):
            raise _fault("criteria_value", "must be true or false", "取值应为 true 或 false")
        return raw
    if not isinstance(raw, str) or not raw:
        raise _fault("criteria_value", "must be a non-empty string", "取值应为非空字符串")
    if field == "stage" and raw not in vocabulary.stages:
        known = ", ".join(sorted(vocabulary.stages))
        raise _fault("criteria_value", f"unknown stage {raw!r} (use {known})", f"未知的发展阶段 {raw}")
    if field == "grade" and raw not in vocabulary.grades:
        known = ", ".join(sorted(vocabulary.grades))
        raise _fault("criteria_value", f"unknown grade {raw!r} (use {known})", f"未知的等级 {raw}")
    return raw


class Leaf(BaseModel):
    """One comparison. `value` is kept as parsed (Decimal for numbers); `raw` as the client sent it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    field: str
    op: Op
    value: Any

    @field_validator("field")
    @classmethod
    def _known_field(cls, field: str, info: ValidationInfo) -> str:
        vocabulary: Vocabulary = (info.context or {})["vocabulary"]
        if vocabulary.kind(field) is None:
            raise _fault("criteria_field", f"unknown field {field!r}", f"未知的字段 {field}")
        return field

    @field_validator("op")
    @classmethod
    def _op_fits_field(cls, op: str, info: ValidationInfo) -> str:
        field = info.data.get("field")
        if field is None:
            return op  # the field is at fault already: that error is reported
        vocabulary: Vocabulary = (info.context or {})["vocabulary"]
        kind = vocabulary.kind(field)
        assert kind is not None
        if op not in OPS_BY_KIND[kind]:
            usable = ", ".join(o for o in OPS if o in OPS_BY_KIND[kind])
            raise _fault(
                "criteria_op",
                f"operator {op!r} does not apply to {kind} field {field!r} (use {usable})",
                f"运算符 {op} 不适用于字段 {field}（可用：{usable}）",
            )
        return op

    @field_validator("value")
    @classmethod
    def _typed_value(cls, value: Any, info: ValidationInfo) -> Any:
        field, op = info.data.get("field"), info.data.get("op")
        if field is None or op is None:
            return value  # the field or op is at fault already: that error is reported
        vocabulary: Vocabulary = (info.context or {})["vocabulary"]
        kind = vocabulary.kind(field)
        assert kind is not None
        if op == "exists":
            if not isinstance(value, bool):
                raise _fault(
                    "criteria_value", "exists takes true or false", "exists 的取值应为 true 或 false"
                )
            return value
        if op in LIST_OPS:
            if not isinstance(value, list) or not value:
                raise _fault("criteria_value", f"{op} takes a non-empty list", f"{op} 的取值应为非空列表")
            if len(value) > MAX_LIST_VALUES:
                raise _fault(
                    "criteria_value",
                    f"{op} takes at most {MAX_LIST_VALUES} values",
                    f"{op} 最多 {MAX_LIST_VALUES} 个取值",
                )
            return tuple(_scalar(kind, field, v, vocabulary) for v in value)
        return _scalar(kind, field, value, vocabulary)


class All(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    all: tuple[Node, ...] = Field(min_length=1)


class AnyOf(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    any: tuple[Node, ...] = Field(min_length=1)


class Not(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    not_: Node = Field(alias="not")


def _tag(node: Any) -> str | None:
    if isinstance(node, dict):
        return next((key for key in ("all", "any", "not") if key in node), "leaf")
    if isinstance(node, BaseModel):
        return {All: "all", AnyOf: "any", Not: "not", Leaf: "leaf"}.get(type(node))
    return None  # not an object: pydantic reports union_tag_not_found


Node = Annotated[
    Annotated[All, Tag("all")]
    | Annotated[AnyOf, Tag("any")]
    | Annotated[Not, Tag("not")]
    | Annotated[Leaf, Tag("leaf")],
    Discriminator(
        _tag,
        custom_error_type="criteria_node",
        custom_error_message="must be an object: all, any, not or a leaf {field, op, value}",
        custom_error_context={"zh": "应为条件对象：all、any、not 或 {field, op, value}"},
    ),
]

for _model in (All, AnyOf, Not):
    _model.model_rebuild()
_ADAPTER: TypeAdapter[Any] = TypeAdapter(Node)


# --- limits, on the raw JSON --------------------------------------------------------------------


def _children(node: Any, path: str) -> list[tuple[Any, str]] | None:
    """A raw node's children with their paths; None for a leaf (or anything pydantic will refuse)."""
    if not isinstance(node, dict):
        return None
    for group in _GROUPS:
        if group in node:
            items = node[group]
            if not isinstance(items, list):
                return []
            return [(c, f"{path}.{group}[{n}]") for n, c in enumerate(items)]
    if "not" in node:
        return [(node["not"], f"{path}.not")]
    return None


def check_limits(raw: Any) -> None:
    """Depth and leaf count of a raw tree; CriteriaError at the first node past a limit."""
    leaves = 0

    def walk(node: Any, path: str, depth: int) -> None:
        nonlocal leaves
        if depth > MAX_DEPTH:
            raise CriteriaError(
                path,
                f"the tree is deeper than {MAX_DEPTH} levels (every node on a path counts, the leaf too)",
                f"条件嵌套超过 {MAX_DEPTH} 层（路径上每个节点都计数，含叶子）",
            )
        children = _children(node, path)
        if children is None:
            leaves += 1
            if leaves > MAX_LEAVES:
                raise CriteriaError(
                    path, f"more than {MAX_LEAVES} leaves in one tree", f"条件叶子超过 {MAX_LEAVES} 个"
                )
            return
        for child, child_path in children:
            walk(child, child_path, depth + 1)

    walk(raw, ROOT, 1)


# --- pydantic errors as contract paths ------------------------------------------------------------


def path_of(loc: Sequence[int | str]) -> str:
    """pydantic's location (with union tags) as the contract's path: criteria.all[2].not.op."""
    path = ROOT
    i = 0
    while i < len(loc):
        tag = loc[i]
        i += 1
        if tag in _GROUPS:
            if i < len(loc):  # the field, named like the tag
                path += f".{loc[i]}"
                i += 1
            if i < len(loc) and isinstance(loc[i], int):
                path += f"[{loc[i]}]"
                i += 1
        elif tag == "not":
            if i < len(loc):
                path += ".not"
                i += 1
        elif tag == "leaf":
            if i < len(loc):
                path += f".{loc[i]}"
            break
        else:
            path += f".{tag}"
    return path


_ZH: Final[dict[str, str]] = {
    "missing": "缺少该项",
    "extra_forbidden": "不允许的键",
    "literal_error": "不支持的运算符（可用：" + "、".join(OPS) + "）",
    "tuple_type": "应为列表",
    "too_short": "列表不能为空",
    "string_type": "应为字符串",
    "model_type": "应为对象",
}


def _error(exc: ValidationError) -> CriteriaError:
    first = exc.errors(include_url=False, include_input=False)[0]
    path = path_of(first["loc"])
    context = first.get("ctx") or {}
    zh = str(context.get("zh") or _ZH.get(first["type"], "取值无效"))
    return CriteriaError(path, first["msg"], zh)


def parse_criteria(raw: Any, vocabulary: Vocabulary) -> All | AnyOf | Not | Leaf:
    """The validated tree of `raw` (the JSON a client sent); CriteriaError naming the path otherwise."""
    check_limits(raw)
    try:
        return _ADAPTER.validate_python(raw, context={"vocabulary": vocabulary})  # type: ignore[no-any-return]
    except ValidationError as exc:
        raise _error(exc) from exc


def to_json(node: All | AnyOf | Not | Leaf) -> dict[str, Any]:
    """The tree as JSON again (numbers as the JSON numbers they were)."""
    if isinstance(node, All):
        return {"all": [to_json(c) for c in node.all]}
    if isinstance(node, AnyOf):
        return {"any": [to_json(c) for c in node.any]}
    if isinstance(node, Not):
        return {"not": to_json(node.not_)}
    value = [json_scalar(v) for v in node.value] if isinstance(node.value, tuple) else json_scalar(node.value)
    return {"field": node.field, "op": node.op, "value": value}


def json_scalar(value: Any) -> Any:
    """A Decimal as a JSON number (int when whole, else float); anything else unchanged."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def uses_field(node: All | AnyOf | Not | Leaf, field: str) -> bool:
    if isinstance(node, All):
        return any(uses_field(c, field) for c in node.all)
    if isinstance(node, AnyOf):
        return any(uses_field(c, field) for c in node.any)
    if isinstance(node, Not):
        return uses_field(node.not_, field)
    return node.field == field

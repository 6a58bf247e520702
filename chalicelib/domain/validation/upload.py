"""Validation of one department upload: header mapping, row checks, duplicates (contract 2, 6).

Pure: a local file in, file errors, row errors and accepted records out. The ingest service
downloads the object, calls `validate_upload`, and writes the records only when `file_errors` is
empty (they are then yielded; with a file error nothing is).

How it stays streaming and exact (memory does not grow with the number of rows):
- pass 1 (in `validate_upload`) reads the file once, checks every row and spills the accepted ones
  compactly (marshal, in chunks) to a temporary file, while a hash of every row key (credit code and
  period; the credit code alone for master data) marks two fixed-size bitmaps, "seen" and "seen
  twice" (at most 2 x 16 MiB). A row rejected for another reason but with a valid key is spilled
  as its key only: it still makes its key a duplicate.
- pass 2 (`Validation.records()`) reads the spill back: a row whose bit is not in "seen twice" is
  certainly unique and is yielded at once, in file order; the others (true duplicates and rare hash
  collisions) go to a second spill while their packed keys are counted exactly, and are then
  yielded or rejected as DUPLICATE_ROW. Every copy of a duplicate is rejected. Memory for this is
  about 70 bytes per distinct key in "seen twice": a few hundred keys in a normal file.

Row checks use pydantic: a TypeAdapter over a TypedDict per department, built from the model file,
each column validated by the `values` parser for its type, every fault of a row collected. That
costs about 50-100 µs a row of 20 columns here, far from the 60,000 rows/s target, so plain CSV
rows take a fast path: one regular expression per row, built from the same model, accepts only
cells whose parse is trivially known (plain digits, `0`/`1` flags, an upper-case credit code, a
period not after this year); its results are identical to pydantic's (a property test holds them
equal) and every other row (thousands separators, %, 是/否, full width, any fault) goes through
pydantic, as do all XLSX, JSON Lines and registry rows.

Decisions: a row whose cells are all empty is skipped (it is not counted); a row with a key but no
indicator value is accepted with empty `values` (it changes nothing); columns without a header must
stay empty (INVALID_ROW otherwise); with a file error the row errors are dropped and nothing is
accepted.
"""

from __future__ import annotations

import operator
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import Any

from pydantic import ValidationError

from chalicelib.domain import creditcode, values
from chalicelib.domain.messages import Code, Issue, issue
from chalicelib.domain.model.schema import ScoringModel
from chalicelib.domain.records import Master
from chalicelib.domain.validation.columns import Catalogue, Column, Department, catalogue, fold_header
from chalicelib.domain.validation.duplicates import SPILL_CHUNK, Spill, bitmap_bits, pack_key, sent_values
from chalicelib.domain.validation.fast_path import FLAG_WORDS, SEP, fast_pattern
from chalicelib.domain.validation.readers import (
    FileProblem,
    JsonLine,
    Table,
    blank_to_none,
    format_of,
    open_jsonl,
    open_table,
)
from chalicelib.domain.validation.row_rules import row_adapter
from chalicelib.domain.validation.rows import FactRow, MasterRow, Record


# --- the result -----------------------------------------------------------------------------
@dataclass
class Validation:
    """The outcome of one upload's validation.

    `file_errors` is final at once. `records()` yields the accepted rows (once): in file order but
    for rows that share a bitmap bit with another row, which come last. `row_errors` (sorted by
    row), `rejected` and `accepted` are final after it is exhausted. Use as a context manager (or
    exhaust `records()`) to delete the temporary spill file.
    """

    department: str | None
    filename: str
    file_errors: list[Issue] = field(default_factory=list)
    total: int = 0
    rejected: int = 0
    row_errors_omitted: int = 0  # beyond max_row_errors: counted, not listed
    _row_errors: list[Issue] = field(default_factory=list)
    _max_row_errors: int | None = None
    _spill: Spill | None = None
    _ids: tuple[str, ...] = ()
    _texts_of: Callable[[Sequence[Any]], tuple[Any, ...]] = field(default=lambda cells: ())
    _master_data: bool = False
    _seen: bytearray = field(default_factory=bytearray)
    _twice: bytearray = field(default_factory=bytearray)
    _mask: int = 0
    _suspects: int = 0
    _done: bool = False

    @property
    def row_errors(self) -> list[Issue]:
        return self._row_errors

    @property
    def accepted(self) -> int:
        return 0 if self.file_errors else self.total - self.rejected

    @property
    def complete(self) -> bool:
        """True once the counts and row errors are final."""
        return self._done or bool(self.file_errors)

    def row_counts(self, warnings: int = 0) -> dict[str, int]:
        """The report's `rows` (contract 2.4); `warnings` comes from the service."""
        return {
            "total": self.total,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "warnings": warnings,
        }

    def add_row_issue(self, found: Issue) -> None:
        if self._max_row_errors is None or len(self._row_errors) < self._max_row_errors:
            self._row_errors.append(found)
        else:
            self.row_errors_omitted += 1

    # pass 2 --------------------------------------------------------------------------------
    def _build(self, row: int, code: str, period: int, payload: str | tuple[str, ...]) -> Record:
        if isinstance(payload, str):
            payload = self._texts_of(payload.split(SEP))
        if self._master_data:
            name, established, region, industry, zone = payload
            master = Master(code, name, date.fromisoformat(established), region, industry)
            return MasterRow(row, master, zone or None)
        return FactRow(row, code, period, sent_values(self._ids, payload))

    def records(self) -> Iterator[Record]:
        """The accepted rows: in file order, except that rows whose key shares a bitmap bit with
        another row's (duplicates and rare hash collisions) come last, once their count is known."""
        if self._done:
            raise RuntimeError("records() can be read once")
        spill = self._spill
        if spill is None or self.file_errors:
            self._done = True
            return
        held = Spill() if self._suspects else None
        try:
            counts: Counter[int] = Counter()  # exact, for held keys only
            twice, ids, texts_of = self._twice, self._ids, self._texts_of
            registry = self._master_data
            for chunk in spill.chunks():
                for record in chunk:
                    row, code, period, payload, h = record
                    if held is not None and twice[h >> 3] & (1 << (h & 7)):
                        counts[pack_key(code, period)] += 1
                        held.add(record)
                        continue
                    if payload is None:
                        continue
                    if registry:
                        yield self._build(row, code, period, payload)
                        continue
                    texts = texts_of(payload.split(SEP)) if payload.__class__ is str else payload
                    yield FactRow(row, code, period, sent_values(ids, texts))
            if held is not None:
                for chunk in held.chunks():
                    for row, code, period, payload, _ in chunk:
                        copies = counts[pack_key(code, period)]
                        if copies > 1:
                            self._duplicate(row, code, period, copies, counted=payload is None)
                        elif payload is not None:
                            yield self._build(row, code, period, payload)
            self._row_errors.sort(key=lambda found: found.row or 0)  # stable: a row's own order stays
            self._done = True
        finally:
            if held is not None:
                held.close()
            self.close()

    __iter__ = records

    def _duplicate(self, row: int, code: str, period: int, copies: int, *, counted: bool) -> None:
        if not counted:
            self.rejected += 1
        self.add_row_issue(
            issue(
                Code.DUPLICATE_ROW,
                variant="registry" if self._master_data else None,
                row=row,
                column="credit_code",
                value=code,
                period=period,
                count=copies,
            )
        )

    def close(self) -> None:
        if self._spill is not None:
            self._spill.close()
            self._spill = None

    def __enter__(self) -> Validation:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


# --- pass 1 ---------------------------------------------------------------------------------
class _Pass:
    """Pass 1 over one file: checks rows, spills accepted ones, marks the bitmaps."""

    def __init__(
        self, result: Validation, cat: Catalogue, dept: Department, today: date, fast: bool, file_size: int
    ) -> None:
        self.result = result
        self.cat = cat
        self.dept = dept
        self.today = today
        self.fast = fast
        self.adapter = row_adapter(cat.model, dept)
        self.context = {"today": today}
        self.names_zh = {c.id: c.name_zh for c in dept.columns}
        self.units = {c.id: (c.indicator.unit or "") for c in dept.columns if c.indicator is not None}
        self.spill = Spill()
        result._spill = self.spill
        result._master_data = dept.master_data
        bits = bitmap_bits(file_size)
        result._seen, result._twice = bytearray(bits // 8), bytearray(bits // 8)
        result._mask = bits - 1

    # shared ------------------------------------------------------------------------------
    def mark(self, code: str, period: int) -> int:
        """Mark the key in the bitmaps; return its bitmap index."""
        result = self.result
        h = hash((code, period)) & result._mask
        index, bit = h >> 3, 1 << (h & 7)
        if result._seen[index] & bit:
            result._twice[index] |= bit
            result._suspects += 1
        else:
            result._seen[index] |= bit
        return h

    def reject(self, row: int, found: list[Issue], key: tuple[str, int] | None) -> None:
        self.result.rejected += 1
        for one in found:
            self.result.add_row_issue(one)
        if key is not None:  # a rejected row still makes its key a duplicate of another row's
            self.spill.add((row, key[0], key[1], None, self.mark(*key)))

    def cell_issue(self, row: int, error: Any) -> Issue:
        column = str(error["loc"][0]) if error["loc"] else None
        kind = error["type"]
        code = Code(kind) if kind in Code.__members__ else Code.INVALID_ROW
        ctx = dict(error.get("ctx") or {})
        variant = ctx.pop("variant", None)
        return issue(
            code,
            variant=variant,
            row=row,
            column=column,
            column_zh=self.names_zh.get(column or "", column),
            value=error.get("input"),
            unit=self.units.get(column or "", ""),
            max_year=self.today.year,
            **ctx,
        )

    def key_of(self, data: dict[str, Any]) -> tuple[str, int] | None:
        """The row's key if its key cells are valid (to catch duplicates among rejected rows)."""
        try:
            code = values.parse_credit_code(data.get("credit_code"))
            if self.dept.master_data:
                return code, 0
            return code, values.parse_period(data.get("period"), this_year=self.today.year)
        except values.ValueProblem:
            return None

    def check(self, row: int, data: dict[str, Any], found: list[Issue]) -> None:
        """Validate one row's cells by column id (None = not sent) with pydantic; keep or reject it."""
        self.result.total += 1
        try:
            clean = self.adapter.validate_python(data, context=self.context)
        except ValidationError as exc:
            found.extend(self.cell_issue(row, error) for error in exc.errors(include_url=False))
            self.reject(row, found, self.key_of(data))
            return
        code: str = clean["credit_code"]
        if found:
            self.reject(row, found, (code, 0 if self.dept.master_data else clean["period"]))
            return
        if self.dept.master_data:
            h = self.mark(code, 0)
            payload = (
                clean["name"],
                clean["established_on"].isoformat(),
                clean["region_code"],
                clean["industry_code"],
                clean.get("zone") or "",
            )
            self.spill.add((row, code, 0, payload, h))
        else:
            period: int = clean["period"]
            h = self.mark(code, period)
            texts = tuple("" if clean.get(i) is None else str(clean[i]) for i in self.result._ids)
            self.spill.add((row, code, period, texts, h))

    # tables --------------------------------------------------------------------------------
    def header(self, table: Table) -> list[tuple[int, Column]] | None:
        """Map header positions to columns; None (with file errors) if the header is unusable."""
        plan: list[tuple[int, Column]] = []
        written: dict[str, list[str]] = {}
        problems: list[Issue] = []
        for position, cell in enumerate(table.header):
            text = "" if cell is None else str(cell).strip()
            if not fold_header(text):
                continue  # no header: its cells must stay empty
            problem = self.cat.column_problem(text, self.dept)
            if problem is not None:
                problems.append(problem)
                continue
            col = self.cat.by_alias[fold_header(text)]
            written.setdefault(col.id, []).append(text)
            plan.append((position, col))
        problems += self.duplicates(written)
        problems += self.missing(set(written))
        if problems:
            self.result.file_errors.extend(problems)
            return None
        return plan

    def duplicates(self, written: dict[str, list[str]], line: int | None = None) -> list[Issue]:
        return [
            issue(
                Code.DUPLICATE_COLUMN,
                variant=None if line is None else "jsonl",
                column=col_id,
                column_zh=self.names_zh[col_id],
                headers="、".join(f"“{h}”" for h in headers),
                line=line,
            )
            for col_id, headers in written.items()
            if len(headers) > 1
        ]

    def missing(self, present: set[str]) -> list[Issue]:
        found = [
            issue(Code.MISSING_COLUMN, column=c, column_zh=self.names_zh[c])
            for c in self.dept.required
            if c not in present
        ]
        if not self.dept.master_data and not present & {c.id for c in self.dept.indicators}:
            found.append(
                issue(
                    Code.MISSING_COLUMN,
                    variant="no_indicator",
                    department=self.dept.id,
                    department_zh=self.dept.name_zh,
                    allowed=", ".join(c.id for c in self.dept.indicators),
                    allowed_zh="、".join(c.name_zh for c in self.dept.indicators),
                )
            )
        return found

    def table(self, table: Table) -> None:
        if not table.header:
            self.result.file_errors.append(issue(Code.EMPTY_FILE))
            return
        plan = self.header(table)
        if plan is None:
            return
        named = {position for position, _ in plan}
        width = max(named) + 1
        by_position: list[Column | None] = [None] * width
        for position, col in plan:
            by_position[position] = col
        indicators = [(position, col.id) for position, col in plan if col.indicator is not None]
        self.result._ids = tuple(col_id for _, col_id in indicators)
        texts_of = _getter([position for position, _ in indicators])
        fast = (
            fast_pattern(by_position)
            if self.fast and table.text_cells and not self.dept.master_data
            else None
        )
        if fast is None:
            for row, cells in table.rows:
                self.slow_row(row, cells, plan, named, width)
            return
        self.result._texts_of = texts_of
        # The fast loop: locals only (everything else is in slow_row). An accepted row is spilled as
        # its joined text: one string to marshal instead of twenty; pass 2 splits it again.
        match = fast.fullmatch
        code_at = next(p for p, col in plan if col.id == "credit_code")
        period_at = next(p for p, col in plan if col.id == "period")
        this_year = self.today.year
        checksum_ok = creditcode.checksum_ok
        result, buffer, spill = self.result, self.spill.buffer, self.spill
        seen, twice, mask = result._seen, result._twice, result._mask
        join = SEP.join
        accepted = suspects = 0
        try:
            for row, cells in table.rows:
                if len(cells) != width:
                    if len(cells) < width or any(cells[width:]):
                        self.slow_row(row, cells, plan, named, width)
                        buffer = spill.buffer
                        continue
                    cells = cells[:width]
                joined = join(cells)  # type: ignore[arg-type]  # CSV cells are str
                if match(joined):
                    code: str = cells[code_at]  # type: ignore[assignment]
                    period = int(cells[period_at])  # type: ignore[call-overload]
                    if period <= this_year and checksum_ok(code):
                        accepted += 1
                        if "," in joined:
                            joined = joined.replace(",", "")
                        if "%" in joined:
                            joined = joined.replace("%", "")
                        if "是" in joined or "否" in joined:
                            joined = joined.translate(FLAG_WORDS)
                        h = hash((code, period)) & mask
                        index, bit = h >> 3, 1 << (h & 7)
                        if seen[index] & bit:
                            twice[index] |= bit
                            suspects += 1
                        else:
                            seen[index] |= bit
                        buffer.append((row, code, period, joined, h))
                        if len(buffer) >= SPILL_CHUNK:
                            spill.flush()
                            buffer = spill.buffer
                        continue
                self.slow_row(row, cells, plan, named, width)
                buffer = spill.buffer
        finally:
            result.total += accepted
            result._suspects += suspects

    def slow_row(
        self, row: int, cells: Sequence[object], plan: list[tuple[int, Column]], named: set[int], width: int
    ) -> None:
        count = len(cells)
        data: dict[str, Any] = {col.id: blank_to_none(cells[p]) if p < count else None for p, col in plan}
        stray = [
            (position, value)
            for position, value in enumerate(cells)
            if position not in named and blank_to_none(value) is not None
        ]
        if not stray and all(value is None for value in data.values()):
            return  # a blank row
        found = [
            issue(Code.INVALID_ROW, variant="extra_cell", row=row, value=value, position=position + 1)
            for position, value in stray
        ]
        self.check(row, data, found)

    # JSON Lines ----------------------------------------------------------------------------
    def jsonl(self, lines: Iterator[JsonLine]) -> None:
        self.result._ids = tuple(c.id for c in self.dept.indicators)
        mapped: dict[tuple[str, ...], tuple[str, ...] | None] = {}
        present: set[str] = set()
        problems: dict[tuple[str, str | None], Issue] = {}
        for line in lines:
            if line.members is None:
                if not problems:
                    self.result.total += 1
                    found = issue(Code.INVALID_ROW, variant=line.problem, row=line.line, detail=line.detail)
                    self.reject(line.line, [found], None)
                continue
            keys = tuple(key for key, _ in line.members)
            if keys not in mapped:
                if len(mapped) >= 10_000:  # lines with ever-new key sets: keep the cache bounded
                    mapped.clear()
                mapped[keys] = self.json_keys(keys, problems)
            ids = mapped[keys]
            if ids is None:
                continue
            written: dict[str, list[str]] = {}
            for key, col_id in zip(keys, ids, strict=True):
                written.setdefault(col_id, []).append(key)
            if len(written) < len(keys):
                for dup in self.duplicates(written, line.line):
                    problems.setdefault((dup.code.value, dup.column), dup)
                continue
            present.update(written)
            if problems:
                continue  # a file error: keep reading only to report every bad key
            data: dict[str, Any] = dict.fromkeys(self.dept.required)
            for col_id, (_, value) in zip(ids, line.members, strict=True):
                data[col_id] = blank_to_none(value)
            self.check(line.line, data, [])
        errors = list(problems.values())
        if not errors and self.result.total:
            errors = self.missing(present)
        self.result.file_errors.extend(errors)

    def json_keys(
        self, keys: tuple[str, ...], problems: dict[tuple[str, str | None], Issue]
    ) -> tuple[str, ...] | None:
        ids: list[str] = []
        for key in keys:
            problem = self.cat.column_problem(key, self.dept)
            if problem is not None:
                problems.setdefault((problem.code.value, problem.column), problem)
            else:
                ids.append(self.cat.by_alias[fold_header(key)].id)
        return tuple(ids) if len(ids) == len(keys) else None


def _getter(positions: list[int]) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """The cells at `positions` as a tuple, in one C call."""
    if not positions:
        return lambda cells: ()
    if len(positions) == 1:
        only = positions[0]
        return lambda cells: (cells[only],)
    return operator.itemgetter(*positions)


# --- entry point ----------------------------------------------------------------------------
def validate_upload(
    model: ScoringModel,
    department: str | None,
    path: Path,
    filename: str,
    *,
    max_inflated_bytes: int,
    today: date | None = None,
    max_row_errors: int | None = None,
    fast: bool = True,
) -> Validation:
    """Read and check one uploaded file (pass 1); see `Validation` for what comes out.

    `department` comes from the S3 key (None: directly under incoming/); `filename` is the name as
    uploaded (its extension picks the format). `today` (default: today in China) bounds periods and
    dates. `max_row_errors` caps the listed row errors (all are counted). `fast=False` sends every
    row through pydantic (for tests that compare both paths).
    """
    result = Validation(department=department, filename=filename, _max_row_errors=max_row_errors)
    cat = catalogue(model)
    dept = cat.department(department) if department is not None else None
    if dept is None:
        result.file_errors.append(
            issue(
                Code.UNKNOWN_DEPARTMENT,
                variant="none" if department is None else None,
                department=department or "",
                allowed=", ".join(d.id for d in model.departments),
            )
        )
    try:
        fmt = format_of(filename)
    except FileProblem as problem:
        result.file_errors.append(problem.issue)
        return result
    if dept is None:
        return result
    checker = _Pass(result, cat, dept, today or values.today_in_china(), fast, path.stat().st_size)
    try:
        with ExitStack() as stack:
            if fmt == "jsonl":
                checker.jsonl(stack.enter_context(open_jsonl(path)))
            else:
                table = stack.enter_context(
                    open_table(path, filename, fmt, max_inflated_bytes=max_inflated_bytes)
                )
                checker.table(table)
        checker.spill.flush()
        if not result.file_errors and result.total == 0:
            result.file_errors.append(issue(Code.EMPTY_FILE))
    except FileProblem as problem:
        result.file_errors.append(problem.issue)
    except BaseException:
        result.close()
        raise
    if result.file_errors:
        result._row_errors.clear()
        result.rejected = result.total
        result.close()
    return result

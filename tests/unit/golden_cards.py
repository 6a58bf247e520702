"""The golden digest of scoring: what the engine gave on generated enterprises, kept to compare against.

A digest row per card: the card's numbers (stage, score, grade, totals, every indicator's points) and a
short sha256 of its explanation sentences. The file keeps the first `FULL_ROWS` rows in full, a sha256
per generator chunk (2,000 enterprises) and one over the whole stream, so a change shows where it is.

The files were made with the engine of before issue 15 (explanations built while scoring); the test
(`test_golden_cards.py`) scores again and tells the sentences from the cards' numbers. The enterprises
come from `bench.bench_scoring`'s seeded generator: a change to that generator changes the stream.
Regenerate only for a deliberate change of the results (a new model file, a changed rule):

    python -m tests.unit.golden_cards            # rewrite tests/unit/golden/*.txt with the current code
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Final

from bench.bench_scoring import CHUNK, _enterprises
from chalicelib.domain.model.schema import ScoringModel, load_model
from chalicelib.domain.records import ScoreCard
from chalicelib.domain.scoring.engine import score_enterprise

GOLDEN_DIR: Final = Path(__file__).parent / "golden"
SEED: Final = 2025
FULL_ROWS: Final = 500
# version -> enterprises digested (two periods each): the active model in full, the other one smaller
SIZES: Final = {"jx-2025.1-provisional": 100_000, "jx-2026.1-draft": 10_000}

Explain = Callable[[ScoringModel, ScoreCard], Sequence[str]]


def row(model: ScoringModel, card: ScoreCard, explain: Explain) -> str:
    texts = hashlib.sha256("\n".join(explain(model, card)).encode()).hexdigest()[:16]
    points = ",".join(str(i.points) for i in card.indicators)  # in the model's order: see the `ids` line
    return (
        f"{card.credit_code}|{card.period}|{card.stage}|{card.score}|{card.grade}|{card.core}|{card.bonus}"
        f"|{card.deductions}|{int(card.veto)}|{int(card.whitelisted)}|{card.completeness}|{points}|{texts}"
    )


def chunks(model: ScoringModel, enterprises: int, explain: Explain) -> Iterator[list[str]]:
    """The digest rows, one list per generator chunk."""
    for chunk in _enterprises(model, enterprises, SEED):
        rows: list[str] = []
        for data in chunk:
            rows.extend(row(model, card, explain) for card in score_enterprise(model, data))
        yield rows


def digest(model: ScoringModel, enterprises: int, explain: Explain) -> tuple[list[str], list[str], str]:
    """(the first FULL_ROWS rows, a sha256 per chunk, the sha256 of the whole stream)."""
    first: list[str] = []
    per_chunk: list[str] = []
    whole = hashlib.sha256()
    for rows in chunks(model, enterprises, explain):
        text = "".join(f"{r}\n" for r in rows).encode()
        whole.update(text)
        per_chunk.append(hashlib.sha256(text).hexdigest())
        first.extend(rows[: FULL_ROWS - len(first)])
    return first, per_chunk, whole.hexdigest()


def path_of(version: str) -> Path:
    return GOLDEN_DIR / f"{version}.txt"


def write(version: str, explain: Explain) -> None:
    model = load_model(version)
    enterprises = SIZES[version]
    first, per_chunk, whole = digest(model, enterprises, explain)
    lines = [f"# golden scoring digest of {version}: {enterprises} enterprises, seed {SEED}, chunk {CHUNK}"]
    lines.append(f"ids {','.join(i.id for i in model.indicators if i.kind != 'input')}")
    lines.append(f"stream {whole}")
    lines.extend(f"chunk {h}" for h in per_chunk)
    lines.extend(f"row {r}" for r in first)
    GOLDEN_DIR.mkdir(exist_ok=True)
    path_of(version).write_text("\n".join(lines) + "\n", encoding="utf-8")


def read(version: str) -> tuple[list[str], list[str], str]:
    stream = ""
    per_chunk: list[str] = []
    first: list[str] = []
    for line in path_of(version).read_text(encoding="utf-8").splitlines():
        kind, _, rest = line.partition(" ")
        if kind == "stream":
            stream = rest
        elif kind == "chunk":
            per_chunk.append(rest)
        elif kind == "row":
            first.append(rest)
    return first, per_chunk, stream


def main() -> None:
    from chalicelib.domain.scoring.explain import explanations

    for version in SIZES:
        write(version, explanations)


if __name__ == "__main__":
    main()

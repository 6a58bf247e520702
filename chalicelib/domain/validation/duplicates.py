"""Duplicate rows in a streaming pass: the spill of accepted rows and the seen / seen-twice bitmaps."""

from __future__ import annotations

import marshal
import tempfile
from collections.abc import Iterator, Sequence
from decimal import Decimal
from itertools import compress
from typing import IO, Final

SPILL_CHUNK: Final = 4096  # records per marshal blob
MIN_BITS, MAX_BITS = 1 << 16, 1 << 27  # bitmap size bounds: 2 x 16 MiB at most
# --- the spill and the bitmaps --------------------------------------------------------------
# A spilled record: (row, credit_code, period or 0, payload, h); payload None = a rejected row's key.
# Facts: payload = the texts of the indicator cells in `_ids` order, '' when not sent, or for a
# fast-path row its whole CSV row joined by fast_path.SEP. Masters: (name, date, region, industry).
Spilled = tuple[int, str, int, str | tuple[str, ...] | None, int]  # ..., the key's bitmap index


class Spill:
    def __init__(self) -> None:
        self.file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115  # closed by close()
        self.buffer: list[Spilled] = []

    def add(self, record: Spilled) -> None:
        self.buffer.append(record)
        if len(self.buffer) >= SPILL_CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            blob = marshal.dumps(self.buffer)
            self.file.write(len(blob).to_bytes(4, "little"))
            self.file.write(blob)
            self.buffer = []

    def chunks(self) -> Iterator[list[Spilled]]:
        self.flush()
        self.file.seek(0)
        while size := self.file.read(4):
            chunk: list[Spilled] = marshal.loads(self.file.read(int.from_bytes(size, "little")))
            yield chunk

    def close(self) -> None:
        self.file.close()


def bitmap_bits(file_size: int) -> int:
    """About 8 bits per byte of the file, a power of two within bounds (a row is > 20 bytes)."""
    bits = MIN_BITS
    while bits < file_size * 8 and bits < MAX_BITS:
        bits <<= 1
    return bits


def sent_values(ids: Sequence[str], texts: Sequence[str]) -> dict[str, Decimal]:
    """The cells sent (text not empty) as Decimals by id: paired in C, no bytecode per cell."""
    return dict(zip(compress(ids, texts), map(Decimal, filter(None, texts)), strict=True))


_PACK = str.maketrans("ABCDEFGHJKLMNPQRTUWXY", "abcdefghijklmnopqrstu")


def pack_key(credit_code: str, period: int) -> int:
    """A valid credit code (31 symbols, base 31) and a period as one int: exact and compact."""
    return int(credit_code.translate(_PACK), 31) << 12 | period

"""The stack in process for a benchmark: a fresh moto (`mock_aws`) with every resource provisioned."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import moto

if TYPE_CHECKING:  # nothing of the service is imported before the bench has set its fake AWS
    from scripts.provision import Resources


@contextmanager
def provisioned_moto() -> Iterator[Resources]:
    """Every resource of the stack in a fresh moto. PynamoDB's models keep the connection they first
    made, bound to the mock it was made in: dropped here, so a second mock in one process is served."""
    with moto.mock_aws():
        from chalicelib.settings import get_settings
        from chalicelib.stores import tables
        from scripts.provision import provision

        for model in tables.ALL_MODELS:
            model._connection = None
        yield provision(get_settings())

"""moto-backed fixtures: every resource of the stack, in process."""

from __future__ import annotations

from collections.abc import Iterator

import moto
import pytest

from chalicelib.settings import get_settings
from scripts.provision import Resources, provision


@pytest.fixture
def aws() -> Iterator[Resources]:
    with moto.mock_aws():
        from chalicelib.stores import tables

        for model in tables.ALL_MODELS:  # pynamodb caches its connection on the class
            model._connection = None
        yield provision(get_settings())

"""moto-backed fixtures: every resource of the stack, in process."""

from __future__ import annotations

import os
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
        resources = provision(get_settings())
        from chalicelib.services.model_registry import forget_cache

        forget_cache()  # the active version cached by another test's moto world
        os.environ["RESCORE_QUEUE_URL"] = resources.rescore_queue_url
        os.environ["WHITELIST_TOPIC_ARN"] = resources.whitelist_topic_arn
        os.environ["POLICY_TOPIC_ARN"] = resources.policy_topic_arn
        os.environ["POLICY_DELIVERY_QUEUE_URL"] = resources.policy_delivery_queue_url
        get_settings.cache_clear()
        try:
            yield resources
        finally:
            del os.environ["RESCORE_QUEUE_URL"], os.environ["WHITELIST_TOPIC_ARN"]
            del os.environ["POLICY_TOPIC_ARN"], os.environ["POLICY_DELIVERY_QUEUE_URL"]
            get_settings.cache_clear()

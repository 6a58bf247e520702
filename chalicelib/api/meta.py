"""What the API says about itself: its OpenAPI document and the active scoring model."""

from __future__ import annotations

from chalicelib.api import queries
from chalicelib.api.auth import ANY_ROLE, Principal
from chalicelib.api.openapi import OpenApiDocument, build_document
from chalicelib.api.routing import OPERATIONS, Routes
from chalicelib.api.schemas import ModelOut, NoParams
from chalicelib.services.model_registry import active_model
from chalicelib.settings import Settings

routes = Routes(__name__)


@routes("/openapi.json", "GET", roles=(ANY_ROLE,), response=OpenApiDocument, summary="This document")
def openapi_document(principal: Principal, settings: Settings) -> OpenApiDocument:
    return OpenApiDocument(
        build_document(OPERATIONS, title="innovation-points", version=settings.model_version)
    )


@routes("/model", "GET", roles=(ANY_ROLE,), response=ModelOut, params=NoParams, summary="The active model")
def model(principal: Principal, settings: Settings, params: NoParams) -> ModelOut:
    return queries.model_out(active_model())

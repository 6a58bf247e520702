"""Which scoring model is active, and every registered version: the one place the service asks.

The active version is read from the registry (`stores/model_registry.py`), not from a deploy-time
setting: a Lambda container keeps it for `active_model_ttl_s` seconds, then reads the pointer again (one
small GetItem). A registered version never changes, so its parsed model is kept for the container's
life. Until the registry holds anything, `MODEL_VERSION` is active; the model routes then seed it from
the shipped files: `MODEL_VERSION` active, every other file in `domain/model/files/` a candidate, ready
to backtest.
"""

from __future__ import annotations

import re
import threading
import time
from typing import Final

import yaml

from chalicelib.domain.model.change import VERSION_PATTERN, ModelChange, apply_change
from chalicelib.domain.model.faults import Fault, data_faults, file_faults
from chalicelib.domain.model.schema import (
    MODELS_DIR,
    ScoringModel,
    available_versions,
    load_model,
    parse_model,
)
from chalicelib.settings import get_settings
from chalicelib.stores import model_registry
from chalicelib.stores.model_registry import DuplicateVersionError, RegisteredModel

_lock = threading.Lock()
_active: tuple[str, float] | None = None  # (version, monotonic time it was read)
_parsed: dict[str, ScoringModel] = {}
_MAX_PARSED: Final = 32


class UnknownModelError(LookupError):
    code = "MODEL_NOT_FOUND"

    def __init__(self, version: str) -> None:
        super().__init__(f"no model version {version!r} / 没有版本为 {version!r} 的评分模型")
        self.version = version


def _shipped_source(version: str) -> str:
    return (MODELS_DIR / f"{version}.yaml").read_text(encoding="utf-8")


def seed_registry() -> str:
    """Seed an empty registry from the shipped files; return the active version."""
    seed_version = get_settings().model_version
    load_model(seed_version)  # a broken seed fails here, loudly, before anything is written
    others = [(v, _shipped_source(v)) for v in available_versions() if v != seed_version]
    model_registry.seed((seed_version, _shipped_source(seed_version)), others)
    pointer = model_registry.pointer()
    assert pointer is not None
    return pointer.active_version


def active_version(*, fresh: bool = False) -> str:
    """The active version, from the registry; cached per container for `active_model_ttl_s` seconds."""
    global _active
    now = time.monotonic()
    ttl = get_settings().active_model_ttl_s
    with _lock:
        cached = _active
    if cached is not None and not fresh and now - cached[1] < ttl:
        return cached[0]
    pointer = model_registry.pointer()
    # An unseeded registry means no activation ever happened: the seed is active. Only the API and the
    # jobs Lambda write the registry (seeding on first use of the model routes); readers need GetItem.
    version = pointer.active_version if pointer is not None else get_settings().model_version
    with _lock:
        _active = (version, now)
    return version


def forget_cache() -> None:
    """Drop what this container remembers (tests; a new moto world)."""
    global _active
    with _lock:
        _active = None
        _parsed.clear()


def model_by_version(version: str) -> ScoringModel:
    """A version's model (parsed once per container); `UnknownModelError` if it is not registered.

    A shipped file is its own registration (seeding copies it verbatim, and POST /models refuses its
    name), so it loads without a call to the registry.
    """
    if version in available_versions():
        return load_model(version)
    with _lock:
        model = _parsed.get(version)
    if model is not None:
        return model
    registered = model_registry.get(version)
    if registered is None:
        raise UnknownModelError(version)
    model = parse_model(registered.source, f"model {registered.version}")
    with _lock:
        if len(_parsed) >= _MAX_PARSED:
            _parsed.clear()
        _parsed[version] = model
    return model


def registered_models() -> list[RegisteredModel]:
    """Every version with its status; shipped files not registered yet (a later deploy) join as candidates."""
    if model_registry.pointer() is None:
        seed_registry()
    found = model_registry.all_models()
    known = {m.version for m in found}
    missing = [v for v in available_versions() if v not in known]
    if missing:
        model_registry.seed_candidates((v, _shipped_source(v)) for v in missing)
        found = model_registry.all_models()
    return found


def active_model(*, fresh: bool = False) -> ScoringModel:
    """The active scoring model: what rescoring, ingest and the API use."""
    return model_by_version(active_version(fresh=fresh))


# --- candidates --------------------------------------------------------------------------------


class InvalidModelError(ValueError):
    """A candidate with faults; `faults` lists every one."""

    code = "INVALID_MODEL"

    def __init__(self, faults: list[Fault]) -> None:
        super().__init__(f"{len(faults)} fault(s) in the model / 模型有 {len(faults)} 处错误")
        self.faults = faults


def _check_new_version(version: str) -> None:
    if version in available_versions() or version.startswith("@"):
        raise DuplicateVersionError(version)


def register_file(text: str) -> RegisteredModel:
    """A model file (YAML) becomes a candidate; `InvalidModelError` with every fault and its line."""
    model, faults = file_faults(text)
    if model is None:
        raise InvalidModelError(faults)
    if re.fullmatch(VERSION_PATTERN, model.version) is None:
        raise InvalidModelError(
            [Fault(f"version must match {VERSION_PATTERN}", line=_version_line(text), path="version")]
        )
    return _register(model.version, text)


def register_change(change: ModelChange) -> RegisteredModel:
    """A change of a registered version becomes a candidate; `InvalidModelError` with every fault's path."""
    if change.base in available_versions():
        base_text = _shipped_source(change.base)
    else:
        base = model_registry.get(change.base)
        if base is None:
            raise UnknownModelError(change.base)
        base_text = base.source
    data, faults = apply_change(yaml.safe_load(base_text), change)
    model, more = data_faults(data)
    faults += more
    if faults or model is None:
        raise InvalidModelError(faults)
    header = f"# {change.version}: {change.base} changed through POST /models (contract 13)\n"
    return _register(change.version, header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


def _register(version: str, source: str) -> RegisteredModel:
    registered_models()  # the shipped files first, so that none of their names is taken
    _check_new_version(version)
    return model_registry.add(version, source)


def _version_line(text: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("version:"):
            return number
    return None

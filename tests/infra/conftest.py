"""The packaged template of every stage, built once per session (`chalice package` takes seconds)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from scripts.package import package, stages


@dataclass(frozen=True)
class Packaged:
    stage: str
    path: Path
    template: dict[str, Any]

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        resources: dict[str, dict[str, Any]] = self.template["Resources"]
        return resources

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {name: r for name, r in self.resources.items() if r.get("Type") == resource_type}


@pytest.fixture(scope="session", params=stages())
def packaged(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Packaged:
    stage: str = request.param
    path = package(stage, tmp_path_factory.mktemp(f"package-{stage}"), run_lint=False)
    return Packaged(stage, path, yaml.safe_load(path.read_text(encoding="utf-8")))

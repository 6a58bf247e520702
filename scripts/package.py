"""`make package`: one deployable CloudFormation (SAM) template per stage, linted.

    python -m scripts.package --stage dev            # -> build/dev/sam.yaml + build/dev/deployment.zip

Runs offline: `chalice package` needs a region and the package index (it fetches Lambda wheels), never
credentials or AWS. Steps: package with `infra/resources.yaml` merged in, pin the template's `Stage`
parameter to the packaged stage (Chalice baked that stage's settings into the functions), then
`cfn-lint` for both China regions. Deploying is the runbook's job (infra/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
MERGE_TEMPLATE = ROOT / "infra" / "resources.yaml"
TEMPLATE_NAME = "sam.yaml"  # Chalice writes YAML when the merge template is YAML
DEFAULT_REGION = "cn-northwest-1"
LINT_REGIONS = ("cn-northwest-1", "cn-north-1")


class PackagingError(RuntimeError):
    """A step failed; the message says which and shows its output."""


def stages() -> list[str]:
    """The stages `.chalice/config.json` defines."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
    return sorted(config["stages"])


def _tool(name: str) -> str:
    """A console script of this interpreter's environment (the venv), else from PATH."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise PackagingError(f"{name} not found: install requirements-dev.txt")
    return found


def _run(args: Sequence[str], env: dict[str, str]) -> str:
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    output = done.stdout + done.stderr
    if done.returncode != 0:
        raise PackagingError(f"{' '.join(args)} failed ({done.returncode}):\n{output}")
    return output


def pin_stage(template: dict[str, Any], stage: str) -> dict[str, Any]:
    """The template with its `Stage` parameter fixed to `stage`: no deploying prod's build as dev."""
    parameters = template.get("Parameters", {})
    if "Stage" not in parameters:
        raise PackagingError("the template has no Stage parameter: was infra/resources.yaml merged?")
    pinned = {**parameters["Stage"], "AllowedValues": [stage], "Default": stage}
    return {**template, "Parameters": {**parameters, "Stage": pinned}}


def chalice_package(stage: str, out_dir: Path, region: str) -> Path:
    """`chalice package` with the merge template into `out_dir`; returns the pinned template's path."""
    env = {**os.environ, "AWS_DEFAULT_REGION": region}
    env.pop("AWS_REGION", None)  # one source of truth for the region
    _run(
        [
            _tool("chalice"),
            "package",
            "--stage",
            stage,
            "--merge-template",
            str(MERGE_TEMPLATE),
            str(out_dir),
        ],
        env,
    )
    path = out_dir / TEMPLATE_NAME
    template = yaml.safe_load(path.read_text(encoding="utf-8"))
    path.write_text(
        yaml.safe_dump(pin_stage(template, stage), allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return path


def lint(template: Path, regions: Sequence[str] = LINT_REGIONS) -> None:
    """cfn-lint, errors and warnings; raises with its findings when there are any."""
    _run([_tool("cfn-lint"), "--regions", *regions, "--", str(template)], dict(os.environ))


def package(stage: str, out_dir: Path, region: str = DEFAULT_REGION, *, run_lint: bool = True) -> Path:
    if stage not in stages():
        raise PackagingError(f"unknown stage {stage!r}: .chalice/config.json has {', '.join(stages())}")
    template = chalice_package(stage, out_dir, region)
    if run_lint:
        lint(template)
    return template


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--stage", default="dev")
    parser.add_argument("--out", type=Path, help="output directory (default build/<stage>)")
    parser.add_argument(
        "--region", default=os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION, help="target region"
    )
    parser.add_argument("--no-lint", action="store_true", help="skip cfn-lint")
    args = parser.parse_args(argv)
    out_dir: Path = args.out or ROOT / "build" / args.stage
    try:
        template = package(args.stage, out_dir, args.region, run_lint=not args.no_lint)
    except PackagingError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"{template.relative_to(ROOT) if template.is_relative_to(ROOT) else template}: packaged", end="")
    print("" if args.no_lint else f", cfn-lint clean ({', '.join(LINT_REGIONS)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

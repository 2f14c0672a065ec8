"""Copy the page assets from node_modules into licensing/static: GOV.UK Frontend into
static/govuk, and the Scalar API reference's browser bundle into static/scalar (so /schema
works where the reader's browser cannot reach a CDN, as on many council networks).

Run by scripts/setup.sh after `npm ci`: `python -m licensing.assets`. The copies are not
committed (they are gitignored); the versions are pinned in package.json /
package-lock.json, GOV.UK Frontend's to the one govuk-frontend-jinja's macros match.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from licensing.settings import PROJECT_ROOT

SOURCE = PROJECT_ROOT / "node_modules" / "govuk-frontend"
DIST = SOURCE / "dist" / "govuk"
TARGET = Path(__file__).resolve().parent / "static" / "govuk"
FILES = (
    "govuk-frontend.min.css",
    "govuk-frontend.min.css.map",
    "govuk-frontend.min.js",
    "govuk-frontend.min.js.map",
)
FOLDERS = ("fonts", "images")
EXPECTED_VERSION = "6.3.0"
SCALAR_BUNDLE = (
    PROJECT_ROOT
    / "node_modules"
    / "@scalar"
    / "api-reference"
    / "dist"
    / "browser"
    / "standalone.js"
)
SCALAR_TARGET = TARGET.parent / "scalar"
SCALAR_FILE = "scalar-api-reference.js"  # served as /assets/scalar-api-reference.js


def installed_version() -> str | None:
    package = SOURCE / "package.json"
    return json.loads(package.read_text())["version"] if package.exists() else None


def copy(target: Path = TARGET) -> Path:
    version = installed_version()
    if version is None:
        raise SystemExit("govuk-frontend is not installed: run `npm ci` at the project root")
    if version != EXPECTED_VERSION:
        raise SystemExit(
            f"govuk-frontend {version} is installed but the templates need "
            f"{EXPECTED_VERSION}: run `npm ci`"
        )
    target.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        shutil.copy2(DIST / name, target / name)
    for name in FOLDERS:
        shutil.copytree(DIST / "assets" / name, target / name, dirs_exist_ok=True)
    shutil.copy2(DIST / "assets" / "manifest.json", target / "manifest.json")
    (target / "VERSION").write_text(version + "\n")
    copy_scalar()
    return target


def copy_scalar(target: Path = SCALAR_TARGET) -> Path:
    if not SCALAR_BUNDLE.exists():
        raise SystemExit("@scalar/api-reference is not installed: run `npm ci` at the project root")
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(SCALAR_BUNDLE, target / SCALAR_FILE)
    return target


def present(target: Path = TARGET) -> bool:
    return (target / "govuk-frontend.min.css").exists()


if __name__ == "__main__":
    print(f"GOV.UK Frontend assets copied to {copy()}", file=sys.stderr)

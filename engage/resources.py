"""Where the folders that ship beside the package are.

In a source checkout (and an editable install) ``templates/``, ``translations/`` and
``migrations/`` sit at the top of the repo; a wheel carries them inside the package.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    for candidate in (PACKAGE_DIR / name, PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise RuntimeError(f"Engage cannot find its {name}/ folder beside {PACKAGE_DIR}")

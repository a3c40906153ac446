"""``engage import-responses`` and ``engage export-responses``."""

from __future__ import annotations

#: the click commands this domain adds to ``engage``
COMMANDS: list = []

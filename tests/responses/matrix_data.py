"""Rows of the route x role matrix (tests/accounts/test_permissions.py) for this area:
(endpoint, method, url, form data or None, {role: status})."""

from __future__ import annotations

MATRIX: list = []

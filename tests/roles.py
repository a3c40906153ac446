"""Shorthands for the route x role matrix: who gets which status."""

from __future__ import annotations

from tests.factories import ROLES

A, M, H, OH, AN, C, AD = ROLES  # anonymous member host other_host analyst commissioner admin


def everyone(status):
    return dict.fromkeys(ROLES, status)


def signed_in(status, anonymous=302):
    return {**everyone(status), A: anonymous}


def only(allowed: dict, denied=403):
    return {**signed_in(denied), **allowed}

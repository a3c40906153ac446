"""The same signatures as itsdangerous makes for the session cookie and the CSRF token,
with less work a request.

itsdangerous derives the signing key from the secret key on every signature, and Flask
and Flask-WTF give it SHA-1 through a Python function, which sends :mod:`hmac` down its
slow pure-Python path. :class:`KeptKeySigner` keeps each derived key (per secret key,
salt and method) and is given ``hashlib.sha1`` itself: the signatures are byte for byte
the ones the defaults make, so cookies and tokens made either way are read either way.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import current_app, g, session
from flask_wtf.csrf import generate_csrf
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import want_bytes

#: {(secret key, salt, key derivation, digest): derived key}; a few per app
_derived: dict[tuple, bytes] = {}
MAX_DERIVED = 64

#: SHA-1, as ``hashlib`` gives it (a C function: hmac's fast path)
SHA1 = hashlib.sha1


class KeptKeySigner(TimestampSigner):
    """itsdangerous' TimestampSigner, deriving each key once."""

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        secret = self.secret_keys[-1] if secret_key is None else want_bytes(secret_key)
        kept = (secret, self.salt, self.key_derivation, self.digest_method)
        key = _derived.get(kept)
        if key is None:
            key = super().derive_key(secret)
            if len(_derived) >= MAX_DERIVED:  # keys changed at run time (tests)
                _derived.clear()
            _derived[kept] = key
        return key


#: {(secret key, salt): serializer} for the CSRF token
_csrf_serializers: dict[tuple, URLSafeTimedSerializer] = {}


def _csrf_serializer(secret_key: Any) -> URLSafeTimedSerializer:
    """What Flask-WTF makes for each token, ``URLSafeTimedSerializer(secret_key,
    salt="wtf-csrf-token")`` (its default signer: TimestampSigner, SHA-1, "django-concat"),
    made once."""
    kept = (secret_key, "wtf-csrf-token")
    serializer = _csrf_serializers.get(kept)
    if serializer is None:
        serializer = URLSafeTimedSerializer(
            secret_key,
            salt="wtf-csrf-token",
            signer=KeptKeySigner,
            signer_kwargs={"digest_method": SHA1, "key_derivation": "django-concat"},
        )
        if len(_csrf_serializers) >= MAX_DERIVED:
            _csrf_serializers.clear()
        _csrf_serializers[kept] = serializer
    return serializer


def csrf_token() -> str:
    """Flask-WTF's ``generate_csrf()`` (templates' ``csrf_token()``): the same token,
    kept in ``g`` for the request as Flask-WTF keeps it, signed with a serializer made
    once. A session without a raw token yet is left to Flask-WTF, which makes one."""
    config = current_app.config
    field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    token = g.get(field)
    if token is not None:
        return token
    raw = session.get(field)
    if not isinstance(raw, str):
        return generate_csrf()
    secret = config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    token = _csrf_serializer(secret).dumps(raw)
    setattr(g, field, token)
    return token

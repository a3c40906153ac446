"""Flask's signed-cookie session, with less work a request.

The signatures are Flask's (HMAC-SHA1 of a key derived with HMAC from the secret key),
made with a key derived once (engage.web.signing). A respondent's session is permanent,
so Flask signs it again on every response (its expiry moves on). Flask builds its
serializer twice a request and encodes the session (JSON, zlib, base64) even when
nothing in it changed. Here the serializer is made once per set of keys, and an
unchanged session keeps the payload it arrived with: only the timestamp and the
signature are new. The cookie says the same thing either way.

An unchanged session signed less than ``REFRESH_AFTER`` ago is not sent again at all:
a respondent moving through a survey gets a new cookie every few minutes rather than
on every page. Its expiry (the cookie's and the signature's, PERMANENT_SESSION_LIFETIME)
then counts from that last signature, so it comes at most ``REFRESH_AFTER`` early.

As Flask documents, a change inside a mutable value (``session["drafts"]["1"] = ...``)
is not seen: assign the value again, or set ``session.modified = True``.
"""

from __future__ import annotations

import time

from flask import Flask, Request, Response
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature, URLSafeTimedSerializer

from engage.web.signing import SHA1, KeptKeySigner

#: seconds after which an unchanged permanent session is signed and sent again
REFRESH_AFTER = 300


class Session(SecureCookieSession):
    #: the signed cookie's payload (before its timestamp and signature), as it arrived
    payload: str | None = None
    #: when the cookie it arrived in was signed (seconds since the epoch)
    signed_at: float | None = None


class SessionInterface(SecureCookieSessionInterface):
    session_class = Session
    #: SHA-1 as Flask's, from hashlib itself (engage.web.signing): the same signature
    digest_method = staticmethod(SHA1)

    def __init__(self) -> None:
        self._serializers: dict[tuple, URLSafeTimedSerializer] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        keys = (*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)
        serializer = self._serializers.get(keys)
        if serializer is None:
            # Flask's serializer, with a signer that derives each key once
            serializer = URLSafeTimedSerializer(
                list(keys),
                salt=self.salt,
                serializer=self.serializer,
                signer=KeptKeySigner,
                signer_kwargs={
                    "key_derivation": self.key_derivation,
                    "digest_method": self.digest_method,
                },
            )
            if len(self._serializers) > 8:  # keys changed at run time (tests)
                self._serializers.clear()
            self._serializers[keys] = serializer
        return serializer

    def open_session(self, app: Flask, request: Request) -> Session | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        session = self.session_class(data)
        # payload.timestamp.signature (a compressed payload starts with a dot itself)
        session.payload = value.rsplit(".", 2)[0]
        session.signed_at = signed_at.timestamp()
        return session

    def save_session(self, app: Flask, session: Session, response: Response) -> None:
        payload = getattr(session, "payload", None)
        if (
            payload is None
            or session.modified
            or not session
            or not self.should_set_cookie(app, session)
        ):
            super().save_session(app, session, response)
            return
        response.vary.add("Cookie")  # the page depends on the cookie, sent again or not
        signed_at = getattr(session, "signed_at", None)
        if signed_at is not None and 0 <= time.time() - signed_at < REFRESH_AFTER:
            return  # the cookie the browser holds is recent enough
        # what Flask's save_session does for a session to sign again, with the payload kept
        serializer = self.get_signing_serializer(app)
        value = serializer.make_signer(serializer.salt).sign(payload).decode("ascii")
        response.set_cookie(
            self.get_cookie_name(app),
            value,
            expires=self.get_expiration_time(app, session),
            httponly=self.get_cookie_httponly(app),
            domain=self.get_cookie_domain(app),
            path=self.get_cookie_path(app),
            secure=self.get_cookie_secure(app),
            partitioned=self.get_cookie_partitioned(app),
            samesite=self.get_cookie_samesite(app),
        )

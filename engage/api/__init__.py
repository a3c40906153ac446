"""The read-only JSON API under ``/api/v1/``, described by ``/api/v1/openapi.json``.

Public callers see published data through disclosure control; a bearer token
(``Authorization: Bearer <token>``) lets its user see what their role allows."""

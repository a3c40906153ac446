"""With ENGAGE_REDIS_URL set, login throttling is kept in the real Redis server, so every
worker process sees the same count."""

from __future__ import annotations

import pytest
import redis

from engage import create_app
from engage.extensions import db
from tests.conftest import base_config, post_form

REDIS_URL = "redis://127.0.0.1:6379/15"
EMAIL = "someone@example.org"


@pytest.fixture
def redis_db():
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.fail("Redis is not running on 127.0.0.1:6379 (.ci/run starts it)")
    client.flushdb()
    yield client
    client.flushdb()


def _dispose(app):
    with app.app_context():
        db.engine.dispose()


def test_failed_logins_are_counted_in_redis_across_workers(
    request, redis_db, app_config, database_url, tmp_path
):
    app_config.update(REDIS_URL=REDIS_URL, LOGIN_LIMIT_PER_ACCOUNT="3 per 15 minutes")
    config = base_config(database_url, tmp_path / "instance", **app_config)
    apps = [create_app(config), create_app(config)]
    request.addfinalizer(lambda: [_dispose(app) for app in apps])
    worker_one = apps[0].test_client()
    for _ in range(3):
        post_form(worker_one, "/en/login", {"email": EMAIL, "password": "wrong!"})
    assert any(b"login-account" in key for key in redis_db.keys("*"))
    # a second process with its own memory, sharing only Redis, refuses the fourth try
    worker_two = apps[1].test_client()
    response = post_form(worker_two, "/en/login", {"email": EMAIL, "password": "wrong!"})
    assert response.status_code == 429
    assert EMAIL.encode() not in b"".join(redis_db.keys("*"))

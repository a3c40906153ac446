"""The ``engage`` commands of DESIGN.md."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from engage.accounts import service
from engage.extensions import db

ENGAGE = [sys.executable, "-m", "engage.cli"]


def test_create_user_admin_and_member(app, runner, world):
    result = runner.invoke(
        args=["create-user", "Chair@Example.org", "--role", "admin", "--password", "long password!"]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        args=[
            "create-user",
            "vol@example.org",
            "--role",
            "host",
            "--org",
            "forum-b",
            "--password",
            "long password!",
            "--name",
            "Volunteer",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert service.get_user_by_email("chair@example.org").is_admin
        volunteer = service.get_user_by_email("vol@example.org")
        assert [(m.organisation.slug, m.role.value) for m in volunteer.memberships] == [
            ("forum-b", "host")
        ]


def test_create_user_prompts_for_the_password(app, runner, world):
    result = runner.invoke(
        args=["create-user", "p@example.org", "--role", "member", "--org", "forum-a"],
        input="prompted password\nprompted password\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = service.get_user_by_email("p@example.org")
        assert service.verify_password(user.password_hash, "prompted password")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["x@example.org", "--role", "host"], "--org is needed"),
        (["x@example.org", "--role", "host", "--org", "nope"], "no organisation"),
        (["member@example.org", "--role", "admin"], "already exists"),
        (["x@example.org", "--role", "chief"], "Invalid value"),
        (["not an address", "--role", "admin"], "is not an email address"),
        (["x@example.org", "--role", "admin", "--name", "n" * 201], "200 characters"),
    ],
)
def test_create_user_refuses_bad_input_clearly(runner, world, args, message):
    result = runner.invoke(args=["create-user", *args, "--password", "long password!"])
    assert result.exit_code != 0
    assert message in result.output


def test_create_token_prints_the_token_alone_on_the_last_line(app, runner, world):
    result = runner.invoke(args=["create-token", world.emails["analyst"]])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("eng_") and " " not in token
    with app.app_context():
        assert service.user_for_api_token(token).email == world.emails["analyst"]
        db.session.rollback()


def test_create_token_for_unknown_user(runner, world):
    result = runner.invoke(args=["create-token", "ghost@example.org"])
    assert result.exit_code != 0
    assert "no user" in result.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, seconds: float = 30) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - localhost
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {seconds}s")


def _clean_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENGAGE_")}
    env.update(extra)
    return env


def test_demo_migrates_loads_once_prints_logins_and_serves(tmp_path: Path):
    env = _clean_env()

    def set_up_demo():
        return subprocess.run(
            [*ENGAGE, "demo", "--no-serve"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    first = set_up_demo()
    assert first.returncode == 0, first.stderr
    assert "Demo data loaded." in first.stdout
    assert "admin@northmoor.example" in first.stdout and "engage-demo-2026" in first.stdout
    assert (tmp_path / "instance" / "engage.sqlite").exists()
    second = set_up_demo()
    assert "Demo data was already there." in second.stdout

    port = _free_port()
    server = subprocess.Popen(
        [*ENGAGE, "demo", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert _wait_for(f"http://127.0.0.1:{port}/en/forums") == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/en/forums") as r:  # noqa: S310
            assert "Northmoor BME Health Forum" in r.read().decode()
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_demo_refuses_a_database_other_than_sqlite(tmp_path: Path):
    env = _clean_env(ENGAGE_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:5432/none")
    result = subprocess.run(
        [*ENGAGE, "demo", "--no-serve"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "only runs on an SQLite database" in result.stderr


def test_serve_runs_under_gunicorn(tmp_path: Path, database_url):
    port = _free_port()
    env = _clean_env(
        ENGAGE_DATABASE_URL=database_url,
        ENGAGE_SECRET_KEY="serve-test-secret",
        ENGAGE_WORKERS="2",
    )
    server = subprocess.Popen(
        [*ENGAGE, "serve", "--bind", f"127.0.0.1:{port}"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert _wait_for(f"http://127.0.0.1:{port}/healthz") == 200
        assert _wait_for(f"http://127.0.0.1:{port}/en/") == 200
        assert _wait_for(f"http://127.0.0.1:{port}/en/invitations/secret-token-123") == 404
        # every visitor has a session of their own (no application context shared across
        # the requests of a worker): two visitors get two CSRF tokens and cookies
        tokens = set()
        for _ in range(4):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/en/withdraw") as page:
                assert "engage_session" in " ".join(page.headers.get_all("Set-Cookie") or [])
                tokens.add(
                    re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.read().decode()).group(
                        1
                    )
                )
        assert len(tokens) == 4
    finally:
        server.terminate()
        output = server.communicate(timeout=20)[0]
    assert "gunicorn" in output.lower() or "Booting worker" in output
    assert output.count("Booting worker") == 2
    assert "/en/invitations/[token]" in output  # access log, without the secret
    assert "secret-token-123" not in output

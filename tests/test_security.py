"""Security headers, cookies, upload size and the production configuration."""

from __future__ import annotations

import pytest


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_no_inline_script_in_pages(world, login):
    c = login(world.users["admin"])
    for path in ("/", "/admin/users", "/centres", "/enterprises", "/account"):
        html = c.get(path).get_data(as_text=True)
        assert "<script>" not in html and " onclick=" not in html and 'style="' not in html, path


def test_session_cookie_is_httponly_and_samesite(world, client):
    from tests.helpers import PASSWORD, post_form

    response = post_form(client, "/login", {"email": world.users["caseworker"].email, "password": PASSWORD})
    cookie = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("ipaid_session=")][0]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_too_large_request_gets_413(client, app):
    response = client.post(
        "/login", data=b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1), content_type="application/octet-stream"
    )
    assert response.status_code == 413


def test_production_refuses_to_start_without_secrets(monkeypatch):
    from config import ProductionConfig

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://x@localhost/y")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        ProductionConfig()


def test_production_sets_hsts_and_secure_cookies(monkeypatch, database_url):
    from app import create_app
    from config import ProductionConfig

    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("DATABASE_URL", database_url)
    config = ProductionConfig()
    assert config.SESSION_COOKIE_SECURE and config.REMEMBER_COOKIE_SECURE
    config.LOG_FORMAT = "text"  # keep the rest of the suite's log output plain
    app = create_app(config)
    response = app.test_client().get("/healthz")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_development_secret_key_is_generated_once(tmp_path, monkeypatch):
    import config as config_module

    monkeypatch.setattr(config_module, "INSTANCE_DIR", tmp_path)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = config_module._instance_secret_key()
    assert len(first) == 64 and config_module._instance_secret_key() == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_login_throttling_uses_redis_when_configured(monkeypatch):
    """With REDIS_URL, every gunicorn worker counts login attempts in the same Redis."""
    from limits import RateLimitItemPerMinute
    from limits.storage import storage_from_string
    from limits.strategies import FixedWindowRateLimiter

    from config import DevelopmentConfig

    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/15")
    config = DevelopmentConfig()
    assert config.RATELIMIT_STORAGE_URI == "redis://127.0.0.1:6379/15"
    storage = storage_from_string(config.RATELIMIT_STORAGE_URI)
    if not storage.check():
        pytest.skip("no Redis server answers on 127.0.0.1:6379")
    storage.reset()
    limiter = FixedWindowRateLimiter(storage)
    item = RateLimitItemPerMinute(2)
    # Two "workers" sharing the storage see each other's attempts.
    other_worker = FixedWindowRateLimiter(storage_from_string(config.RATELIMIT_STORAGE_URI))
    assert limiter.hit(item, "login", "10.0.0.1")
    assert other_worker.hit(item, "login", "10.0.0.1")
    assert not limiter.hit(item, "login", "10.0.0.1")
    storage.reset()


def test_without_redis_url_throttling_is_in_memory(monkeypatch):
    from config import DevelopmentConfig

    monkeypatch.delenv("REDIS_URL", raising=False)
    assert DevelopmentConfig().RATELIMIT_STORAGE_URI == "memory://"

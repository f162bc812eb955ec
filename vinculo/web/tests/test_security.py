"""Hardening (issue 14, item 7): password hashing, login throttling, the production
settings, the security headers and `check --deploy`."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.hashers import check_password, identify_hasher, make_password
from django.test import Client

from vinculo.demo.generator import DEMO_LOGINS, seed_demo
from vinculo.users.models import User
from vinculo.users.services import api_token_create

PASSWORD = "correct horse battery staple"
ROOT = Path(__file__).resolve().parents[3]
README = ROOT / "README.md"
PRODUCTION_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)


def sign_in(client: Client, username: str, password: str, address: str = "10.0.0.1") -> Any:
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in_as(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


# ---------------------------------------------------------------------------- passwords


def test_production_settings_hash_new_passwords_with_argon2_first() -> None:
    # conftest.py swaps in MD5 for speed, so read the settings module itself.
    import vinculo.settings as production

    assert production.PASSWORD_HASHERS == PRODUCTION_HASHERS


@pytest.mark.django_db
def test_an_older_pbkdf2_hash_is_upgraded_to_argon2_at_sign_in(
    settings: Any, client: Client, owner: User
) -> None:
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS
    # a password set before Argon2 was the default
    owner.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    owner.save(update_fields=["password"])

    response = sign_in(client, "ana", PASSWORD)

    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.password.startswith("argon2$argon2id$")
    assert identify_hasher(owner.password).algorithm == "argon2"
    assert check_password(PASSWORD, owner.password)


@pytest.mark.django_db
def test_demo_users_each_get_their_own_salt_and_hash() -> None:
    seed_demo(accounts=12, seed=3, as_of=dt.date(2026, 11, 23))
    names = [login.username for login in DEMO_LOGINS]
    users = dict(User.objects.filter(username__in=names).values_list("username", "password"))
    assert len(users) == len(DEMO_LOGINS) == 5
    # lucia and james share a password, yet not a hash
    shared = {login.password for login in DEMO_LOGINS if login.username in {"lucia", "james"}}
    assert shared == {"demo-kam-2024"}
    assert users["lucia"] != users["james"]
    salts = {encoded.split("$")[1] for encoded in users.values()}
    assert len(set(users.values())) == 5
    assert len(salts) == 5
    for login in DEMO_LOGINS:
        assert check_password(login.password, users[login.username])


# ---------------------------------------------------------------------------- throttling


@pytest.mark.django_db
def test_thirty_wrong_passwords_then_the_right_one_is_refused(client: Client, owner: User) -> None:
    for _ in range(30):
        assert sign_in(client, "ana", "wrong").status_code in {200, 429}

    response = sign_in(client, "ana", PASSWORD)

    assert response.status_code == 429
    assert signed_in_as(client) is None
    html = response.content.decode()
    # the styled sign-in page, in Spanish, with the lockout message and the name kept
    assert 'class="card login-card"' in html
    assert "app.css" in html
    assert (
        "Demasiados intentos fallidos de inicio de sesión. El acceso queda bloqueado "
        "durante 15 minutos; vuelve a intentarlo más tarde."
    ) in html
    assert 'value="ana"' in html


@pytest.mark.django_db
def test_the_lockout_message_is_english_for_an_english_visitor(
    client: Client, owner: User, settings: Any
) -> None:
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=1)
    for _ in range(10):
        sign_in(client, "ana", "wrong")
    response = client.post(
        "/login/",
        {"username": "ana", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 429
    assert (
        "Too many failed sign-in attempts. Sign-in is blocked for 1 minute; try again later."
    ) in response.content.decode()


@pytest.mark.django_db
def test_nine_wrong_passwords_do_not_lock_and_a_success_resets_the_count(
    client: Client, owner: User
) -> None:
    for _ in range(9):
        assert sign_in(client, "ana", "wrong").status_code == 200
    assert sign_in(client, "ana", PASSWORD).status_code == 302
    client.logout()
    for _ in range(9):
        sign_in(client, "ana", "wrong")
    assert sign_in(client, "ana", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_a_user_name_is_locked_whatever_the_address(client: Client, owner: User) -> None:
    for n in range(10):
        sign_in(client, "ana", "wrong", address=f"10.0.1.{n}")
    assert sign_in(client, "ana", PASSWORD, address="10.0.2.1").status_code == 429
    assert signed_in_as(client) is None


@pytest.mark.django_db
def test_an_address_is_locked_whatever_the_user_name(
    client: Client, owner: User, teammate: User
) -> None:
    for n in range(10):
        sign_in(client, f"nobody{n}", "wrong", address="10.0.3.1")
    assert sign_in(client, "berta", PASSWORD, address="10.0.3.1").status_code == 429
    assert signed_in_as(client) is None
    # another address signs Berta in
    assert sign_in(client, "berta", PASSWORD, address="10.0.3.2").status_code == 302


@pytest.mark.django_db
def test_the_admin_sign_in_is_throttled_too(client: Client, owner: User) -> None:
    for _ in range(10):
        client.post("/admin/login/", {"username": "ana", "password": "wrong"})
    response = client.post("/admin/login/", {"username": "ana", "password": PASSWORD})
    assert response.status_code == 429
    assert signed_in_as(client) is None


@pytest.mark.django_db
def test_the_lockout_ends_after_the_cool_off(client: Client, owner: User, settings: Any) -> None:
    settings.AXES_COOLOFF_TIME = dt.timedelta(seconds=1)
    for _ in range(10):
        sign_in(client, "ana", "wrong")
    assert sign_in(client, "ana", PASSWORD).status_code == 429
    time.sleep(1.2)
    assert sign_in(client, "ana", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_a_locked_out_user_keeps_working_with_an_api_token(client: Client, owner: User) -> None:
    _row, token = api_token_create(user=owner, name="script")
    for _ in range(10):
        sign_in(client, "ana", "wrong")
    assert sign_in(client, "ana", PASSWORD).status_code == 429

    response = client.get("/api/v1/people", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 200


def test_the_client_address_behind_trusted_proxies(rf: Any, settings: Any) -> None:
    from vinculo.security import client_ip

    request = rf.get("/", REMOTE_ADDR="172.16.0.9", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "172.16.0.9"  # the header is not trusted by default
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.7"  # the forged first hop is ignored
    settings.TRUSTED_PROXY_COUNT = 3
    assert client_ip(request) == "172.16.0.9"  # fewer hops than proxies: the peer


# ---------------------------------------------------------------------------- headers


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/login/", "/", "/accounts/", "/agenda/"])
def test_every_page_sends_the_security_headers(client: Client, owner: User, path: str) -> None:
    if path != "/login/":
        client.force_login(owner)
    response = client.get(path)
    assert response.status_code == 200
    # django-csp does not keep the directives' order
    assert sorted(response["Content-Security-Policy"].split("; ")) == sorted(CSP.split("; "))
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Permissions-Policy"].startswith("camera=(), microphone=(), geolocation=()")


@pytest.mark.django_db
def test_pages_carry_no_inline_script_or_style(client: Client, owner: User) -> None:
    client.force_login(owner)
    html = client.get("/").content.decode()
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert " style=" not in html and "<style" not in html
    assert re.search(r"\son[a-z]+=", html) is None
    assert '"includeIndicatorStyles": false' in html


# ---------------------------------------------------------------------------- production


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DEBUG", "HTTPS", "SECURE_", "DJANGO_", "SESSION_", "CSRF_"))
    }
    env.update(VINCULO_VAR_DIR=str(tmp_path), DATABASE_URL="", **extra)
    return env


def read_settings(env: dict[str, str], *names: str) -> dict[str, Any]:
    code = (
        "import json, vinculo.settings as s; "
        f"print(json.dumps({{n: getattr(s, n, None) for n in {list(names)!r}}}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)  # type: ignore[no-any-return]


SECURE_NAMES = (
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
)


def test_production_settings_are_secure_by_default(tmp_path: Path) -> None:
    values = read_settings(production_env(tmp_path), *SECURE_NAMES)
    assert values == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_SSL_REDIRECT": False,
        "SECURE_PROXY_SSL_HEADER": None,
    }


def test_proxy_header_and_redirect_come_from_the_environment(tmp_path: Path) -> None:
    env = production_env(
        tmp_path, SECURE_SSL_REDIRECT="true", SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto"
    )
    values = read_settings(env, "SECURE_SSL_REDIRECT", "SECURE_PROXY_SSL_HEADER")
    assert values == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
    }


def test_make_run_debug_mode_stays_on_plain_http(tmp_path: Path) -> None:
    values = read_settings(production_env(tmp_path, DEBUG="true"), *SECURE_NAMES)
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["CSRF_COOKIE_SECURE"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert values["SECURE_SSL_REDIRECT"] is False


def readme_production_env() -> dict[str, str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Production settings", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    pairs = [line.split("=", 1) for line in block.splitlines() if "=" in line]
    return {key.strip(): value.strip() for key, value in pairs}


def test_check_deploy_is_clean_with_the_readme_production_settings(tmp_path: Path) -> None:
    documented = readme_production_env()
    assert {"SECRET_KEY", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT"} <= set(documented)
    documented["SECRET_KEY"] = "k" + os.urandom(40).hex()  # the README shows a placeholder
    env = production_env(tmp_path, **documented)
    result = subprocess.run(
        [sys.executable, "-m", "vinculo", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_warns_without_them(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "vinculo", "check", "--deploy"],
        env=production_env(tmp_path, DEBUG="true"),
        capture_output=True,
        text=True,
    )
    assert "security.W018" in result.stderr + result.stdout  # DEBUG on


@pytest.mark.django_db
def test_throttling_keeps_failure_counts_only_and_a_success_clears_them(
    client: Client, owner: User
) -> None:
    from axes.models import AccessAttempt, AccessLog

    for _ in range(3):
        sign_in(client, "ana", "wrong")
    assert AccessAttempt.objects.get().failures_since_start == 3

    assert sign_in(client, "ana", PASSWORD).status_code == 302

    assert AccessAttempt.objects.count() == 0
    assert AccessLog.objects.count() == 0


PROBE = """
import json, django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
client = Client()
https = client.get("/login/", secure=True, headers={"x-forwarded-proto": "https"})
http = client.get("/login/")
print(json.dumps({
    "https_status": https.status_code,
    "hsts": https.headers.get("Strict-Transport-Security"),
    "csrf_cookie_secure": https.cookies["csrftoken"]["secure"],
    "http_status": http.status_code,
    "http_location": http.headers.get("Location"),
}))
"""


def test_a_production_server_sends_hsts_secure_cookies_and_redirects_http(
    tmp_path: Path,
) -> None:
    env = production_env(
        tmp_path,
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="true",
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
        DJANGO_SETTINGS_MODULE="vinculo.settings",
    )
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {
        "https_status": 200,
        "hsts": "max-age=31536000; includeSubDomains",
        "csrf_cookie_secure": True,
        "http_status": 301,
        "http_location": "https://testserver/login/",
    }

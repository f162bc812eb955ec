"""The load test's traffic (locust), run by ``benchmarks/load.py`` against gunicorn.

Three kinds of client in one run:

- ``AccountManager`` (most of the traffic): signs in through the login form, then opens
  Today (``/agenda/``), the people list, a person, an account, and now and then logs an
  interaction through the web form (GET the form for its CSRF token, POST it, follow the
  redirect to the person's page), with a few seconds of thinking between clicks.
- ``ApiClient``: a script with a token (``Authorization: Bearer``) listing people a page at
  a time and creating interactions.
- ``Ping``: one client asking ``/ping`` (no database) twice a second: the trivial endpoint
  that the pages' latencies are compared with, measured in the same run on the same server.

The writers' mix (``load.py --mix writers``) runs instead ``WebWriter`` (an account manager
who only logs interactions through the web form, without following the redirect) and
``ApiWriter`` (a script that only creates interactions), with ``VINCULO_LOAD_THINK`` between
writes, plus ``Ping``: the rate at which the server takes interactions.

Configuration by environment (load.py sets it): ``VINCULO_LOAD_LOGINS`` ("user:password,…"
account managers who may log interactions), ``VINCULO_LOAD_TOKENS`` ("token@colleague_id,…":
an API token and the id of its owner's colleague, our side of what it logs),
``VINCULO_LOAD_THINK`` ("min,max" seconds between an account manager's clicks).
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import os
import random
import re
from typing import Any

from gevent.lock import Semaphore
from locust import between, constant, task
from locust.contrib.fasthttp import FastHttpUser

PERSON_LINK = re.compile(r'href="/people/(\d+)/"')
ACCOUNT_LINK = re.compile(r'href="/accounts/(\d+)/"')
PAGE_LINK = re.compile(r'href="\?(?:[^"]*&amp;)?page=(\d+)')
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CHECKED_COLLEAGUE = re.compile(r'name="colleagues" value="(\d+)"[^>]*checked')

SUMMARIES = (
    "Quarterly review of the service levels; they want the renewal terms by Friday.",
    "Call about the delayed shipment; agreed to send a new date tomorrow.",
    "Lunch with the finance director: budget for next year is being cut.",
    "Workshop on the new reporting module, three people from operations attended.",
    "They asked for references from a customer in the same sector.",
)


def _logins() -> list[tuple[str, str]]:
    raw = os.environ.get("VINCULO_LOAD_LOGINS", "lucia:demo-kam-2024,james:demo-kam-2024")
    pairs = [item.split(":", 1) for item in raw.split(",") if ":" in item]
    return [(user, password) for user, password in pairs]


def _think() -> tuple[float, float]:
    low, _, high = os.environ.get("VINCULO_LOAD_THINK", "2,6").partition(",")
    return float(low), float(high or low)


_login_cycle = itertools.cycle(_logins())
_sessions: dict[str, list[Any]] = {}  # user name -> the cookies of its one sign-in
_signing_in: dict[str, Semaphore] = {}
_token_cycle = itertools.cycle(
    [t for t in os.environ.get("VINCULO_LOAD_TOKENS", "").split(",") if t]
)


def _now_local() -> str:
    return dt.datetime.now().replace(second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M")


class AccountManager(FastHttpUser):
    """Someone who works the accounts in the browser."""

    weight = 10
    wait_time = between(*_think())

    def on_start(self) -> None:
        self.people: list[int] = []
        self.accounts: list[int] = []
        self.pages: list[str] = []
        username, password = next(_login_cycle)
        # One sign-in per user name for the whole run, its cookies shared by the clients
        # that play that user: people sign in once a day, and a password hash (argon2, by
        # design slow) per simulated client would turn the run into a test of sign-in.
        with _signing_in.setdefault(username, Semaphore()):
            if username not in _sessions:
                self.sign_in(username, password)
                _sessions[username] = list(self.client.cookiejar)
        for cookie in _sessions[username]:
            self.client.cookiejar.set_cookie(copy.copy(cookie))
        self.people_list()

    def sign_in(self, username: str, password: str) -> None:
        page = self.client.get("/login/", name="/login/")
        token = CSRF_INPUT.search(page.text or "")
        with self.client.post(
            "/login/",
            data={
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": token.group(1) if token else "",
                "next": "/agenda/",
            },
            name="/login/ (POST)",
            catch_response=True,
        ) as response:
            if "/login/" in (response.url or "") or response.status_code >= 400:
                response.failure(f"sign-in as {username} refused")

    def _remember(self, html: str) -> None:
        people = [int(v) for v in PERSON_LINK.findall(html)]
        accounts = [int(v) for v in ACCOUNT_LINK.findall(html)]
        if people:
            self.people = list(dict.fromkeys(self.people + people))[-200:]
        if accounts:
            self.accounts = list(dict.fromkeys(self.accounts + accounts))[-200:]

    @task(4)
    def today(self) -> None:
        response = self.client.get("/agenda/", name="/agenda/ (Today)")
        self._remember(response.text or "")

    @task(3)
    def people_list(self) -> None:
        # The first page, a sorting, "mine", or a page the last list linked to.
        query = random.choice(["", "?sort=name", "?scope=mine", *self.pages])
        response = self.client.get(f"/{query}", name="/ (people list)")
        html = response.text or ""
        self._remember(html)
        found = [f"?page={n}" for n in PAGE_LINK.findall(html) if n != "1"]
        self.pages = list(dict.fromkeys(self.pages + found))[:5]

    @task(3)
    def person(self) -> None:
        if not self.people:
            return self.people_list()
        response = self.client.get(f"/people/{random.choice(self.people)}/", name="/people/[id]/")
        self._remember(response.text or "")
        return None

    @task(2)
    def account(self) -> None:
        if not self.accounts:
            return self.people_list()
        response = self.client.get(
            f"/accounts/{random.choice(self.accounts)}/", name="/accounts/[id]/"
        )
        self._remember(response.text or "")
        return None

    @task(1)
    def log_interaction(self, follow: bool = True) -> None:
        if not self.people:
            return self.people_list()
        person = random.choice(self.people)
        form = self.client.get(
            f"/interactions/new/?person={person}", name="/interactions/new/ (form)"
        )
        html = form.text or ""
        token = CSRF_INPUT.search(html)
        colleague = CHECKED_COLLEAGUE.search(html)
        data: dict[str, Any] = {
            "csrfmiddlewaretoken": token.group(1) if token else "",
            "started_at": _now_local(),
            "duration_min": "30",
            "channel": random.choice(("meeting", "call", "video", "email")),
            "direction": "outbound",
            "level": "",
            "place": "",
            "summary": random.choice(SUMMARIES),
            "people": str(person),
        }
        if colleague:
            data["colleagues"] = colleague.group(1)
        with self.client.post(
            "/interactions/new/",
            data=data,
            name="/interactions/new/ (POST)",
            catch_response=True,
            allow_redirects=follow,
        ) as response:
            # Logged: a redirect to the person's page (followed unless a writer's). The form
            # again is a refusal.
            if (
                follow
                and response.status_code < 400
                and "/interactions/new/" in (response.url or "")
            ):
                response.failure("the form came back: the interaction was not logged")
            elif not follow and response.status_code != 302:
                response.failure(f"no redirect ({response.status_code}): not logged")
        return None


class ApiClient(FastHttpUser):
    """A script with a token: pages through people, writes interactions."""

    weight = 2
    wait_time = between(1, 3)

    def on_start(self) -> None:
        token, _, colleague = next(_token_cycle, "").partition("@")
        self.headers = {"Authorization": f"Bearer {token}"}
        self.people: list[int] = []
        self.colleagues = [int(colleague)] if colleague.isdigit() else []
        self.cursor: str | None = None

    @task(3)
    def list_people(self) -> None:
        path = "/api/v1/people?limit=50"
        if self.cursor and random.random() < 0.7:
            path += f"&cursor={self.cursor}"
        response = self.client.get(path, headers=self.headers, name="/api/v1/people")
        if response.status_code == 200:
            body = response.json()
            items = body.get("items", [])
            self.people = [item["id"] for item in items] or self.people
            self.cursor = body.get("next_cursor") or None

    @task(1)
    def create_interaction(self) -> None:
        if not self.people:
            return self.list_people()
        payload = {
            "started_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
            "channel": random.choice(("call", "email", "video")),
            "people": [random.choice(self.people)],
            "colleagues": self.colleagues[:1],
            "duration_min": 15,
            "summary": random.choice(SUMMARIES),
        }
        self.client.post(
            "/api/v1/interactions",
            json=payload,
            headers=self.headers,
            name="/api/v1/interactions (POST)",
        )
        return None


class WebWriter(AccountManager):
    """An account manager who only logs interactions (the writers' mix)."""

    weight = 5

    @task
    def write(self) -> None:
        self.log_interaction(follow=False)


# Only the writing task: the inherited page views are not part of the writers' mix.
WebWriter.tasks = [WebWriter.write]


class ApiWriter(ApiClient):
    """A script that only creates interactions (the writers' mix)."""

    weight = 5
    wait_time = between(*_think())

    @task
    def write(self) -> None:
        self.create_interaction()


ApiWriter.tasks = [ApiWriter.write]


class Ping(FastHttpUser):
    """The trivial endpoint, asked throughout the same run."""

    fixed_count = 1
    wait_time = constant(0.5)

    @task
    def ping(self) -> None:
        self.client.get("/ping", name="/ping")

"""Shared helpers of the capture tests: the named sides and a checksum of every table."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.management import call_command
from django.db import connection

from vinculo.people.models import Account, AccountDomain, Colleague, Person, PersonEmail

FIXTURES = Path(__file__).parent / "fixtures"


def checksum() -> str:
    """Every row of every table of ours, in pk order: any change shows."""
    digest = hashlib.sha256()
    with connection.cursor() as cursor:
        for model in apps.get_models():
            if not model.__module__.startswith("vinculo."):
                continue
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"SELECT * FROM {table} ORDER BY 1")
            for row in cursor.fetchall():
                digest.update(repr(row).encode())
    return digest.hexdigest()


def colleague(email: str, name: str = "") -> Colleague:
    return Colleague.objects.create(name=name or email.split("@")[0].title(), email=email)


def account(name: str, *domains: str) -> Account:
    created = Account.objects.create(name=name)
    for domain in domains:
        AccountDomain.objects.create(account=created, domain=domain)
    return created


def person(email: str, name: str = "") -> Person:
    created = Person.objects.create(name=name or email.split("@")[0].title())
    PersonEmail.objects.create(person=created, email=email)
    return created


def run(command: str, *args: Any) -> tuple[str, str]:
    from io import StringIO

    out, err = StringIO(), StringIO()
    call_command(command, *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()

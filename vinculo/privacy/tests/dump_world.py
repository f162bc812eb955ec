"""Run by the SQLite dump test in its own process on a file database:
``python -m vinculo.privacy.tests.dump_world build|erase``."""

from __future__ import annotations

import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vinculo.settings")


def main(step: str) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    from vinculo.people.models import Person
    from vinculo.privacy.services import person_erase
    from vinculo.privacy.tests.conftest import NAME, build_world

    if step == "build":
        call_command("migrate", verbosity=0)
        build_world()
    else:
        person = Person.objects.get(name=NAME)
        person_erase(person=person, actor=None)


if __name__ == "__main__":
    main(sys.argv[1])

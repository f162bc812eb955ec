"""The ``vinculo`` console script: Django's manage.py for this project."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vinculo.settings")
    from django.core.management import execute_from_command_line

    from vinculo.audit.context import acting
    from vinculo.audit.faces import Face

    # Every write a command makes is the command line's in the audit trail.
    with acting(Face.CLI):
        execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

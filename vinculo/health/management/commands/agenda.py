import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from vinculo.health.agenda import Agenda, AgendaItem, UnknownColleague, agenda_for
from vinculo.health.management.commands.recompute_health import parse_date
from vinculo.users.models import User


class Command(BaseCommand):
    help = (
        "Print the morning agenda of a user, or of a colleague who is not a user, as of a "
        "date (exchange.md section 5)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--user", help="username")
        who.add_argument("--colleague", help="email of a colleague (e.g. from a bundle)")
        parser.add_argument("--date", type=parse_date, default=None, help="default: today")
        parser.add_argument("--format", choices=["json", "table"], default="json")
        parser.add_argument("--lang", choices=["es", "en"], default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        day = options["date"] or timezone.localdate()
        user = None
        if options["user"]:
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"no user {options['user']!r}")
        language = options["lang"] or (user.language if user else "") or settings.LANGUAGE_CODE
        with translation.override(language):
            try:
                agenda = agenda_for(day=day, user=user, colleague_email=options["colleague"])
            except UnknownColleague as error:
                raise CommandError(
                    f"no colleague with the email {options['colleague']!r}"
                ) from error
            if options["format"] == "json":
                self.stdout.write(json.dumps(agenda.as_json(), ensure_ascii=False, indent=2))
                return
            self._table(agenda)

    def _table(self, agenda: Agenda) -> None:
        self.stdout.write(
            _(
                "Agenda of %(who)s on %(date)s: %(today)s for today (capacity %(capacity)s), "
                "%(later)s later."
            )
            % {
                "who": agenda.for_,
                "date": agenda.date.isoformat(),
                "today": len(agenda.today),
                "capacity": agenda.capacity,
                "later": len(agenda.later),
            }
        )
        for title, items in ((_("Today"), agenda.today), (_("Later"), agenda.later)):
            self.stdout.write(f"\n{title}")
            for item in items:
                self._item(item)

    def _item(self, item: AgendaItem) -> None:
        who = " · ".join(name for name in (item.person_name, item.account_name) if name)
        channel = f"  [{item.channel}]" if item.channel else ""
        plays = f"  #{','.join(map(str, item.plays))}" if item.plays else ""
        self.stdout.write(f"  {item.priority:>3}  {who}{channel}{plays}")
        for reason in item.reasons:
            self.stdout.write(f"         {reason.kind}: {reason.text}")
        if item.action:
            self.stdout.write(f"         → {item.action}")

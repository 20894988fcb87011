"""``manage.py seed_demo``: an invented commune with services, catalogue, agents and six months of past
requests (``guichet/demo/history.py``), to try Guichet.

Idempotent: rows are keyed on slugs, usernames, field codes and the stories' submission keys, so a second
run changes nothing.
"""

import datetime
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image, ImageDraw, ImageFont

from guichet.accounts.services import account_citizen, account_profile_update
from guichet.backoffice.models import ReplyTemplate
from guichet.catalogue.models import Field, LegalRegime, RequestType, Theme
from guichet.demo import demo_data
from guichet.demo.history import seed_history
from guichet.households.selectors import household_of
from guichet.households.services import member_create
from guichet.mailroom.models import MailSource
from guichet.mailroom.services import mail_item_receive
from guichet.organisation import roles
from guichet.organisation.models import Agent, Commune, Role, Service

# (tally key, label, past participle agreeing with the label)
SUMMARY_ROWS = (
    ("services", "Services", "créés"),
    ("themes", "Thèmes", "créés"),
    ("request_types", "Démarches", "créées"),
    ("fields", "Champs de formulaire", "créés"),
    ("reply_templates", "Modèles de réponse", "créés"),
    ("agents", "Agents", "créés"),
    ("citizen_accounts", "Comptes usagers", "créés"),
    ("mail_items", "Courriers à qualifier", "reçus"),
    ("tickets", "Demandes (historique)", "créées"),
)
Login = tuple[str, str, str, str | None]  # username, role, services, password set in this run (None: unchanged)


def seed_commune() -> Commune:
    commune = Commune.current()
    for name, value in demo_data.COMMUNE.items():
        setattr(commune, name, value)
    commune.save()
    return commune


def seed_organisation(tally: Counter[str]) -> tuple[dict[str, Service], dict[str, Theme]]:
    services: dict[str, Service] = {}
    for slug, name in demo_data.SERVICES:
        defaults = {"name": name, "email": f"{slug}@{demo_data.DOMAIN}"}
        services[slug], created = Service.objects.update_or_create(slug=slug, defaults=defaults)
        tally.update(services=1, services_new=created)
    themes: dict[str, Theme] = {}
    for order, (slug, name) in enumerate(demo_data.THEMES, start=1):
        themes[slug], created = Theme.objects.update_or_create(slug=slug, defaults={"name": name, "order": order})
        tally.update(themes=1, themes_new=created)
    return services, themes


def seed_catalogue(tally: Counter[str], services: dict[str, Service], themes: dict[str, Theme]) -> None:
    for order, spec in enumerate(demo_data.REQUEST_TYPES, start=1):
        request_type, created = RequestType.objects.update_or_create(
            slug=spec["slug"],
            defaults={
                "name": spec["name"],
                "description": spec["description"],
                "theme": themes[spec["theme"]],
                "service": services[spec["service"]],
                "deadline_days": spec["deadline_days"],
                "requires_account": spec.get("requires_account", False),
                "requires_family_member": spec.get("requires_family_member", False),
                "legal_regime": spec.get("legal_regime", LegalRegime.REPORT),
                "implicit_decision_months": spec.get("implicit_decision_months", 2),
                "location_mode": spec.get("location_mode", ""),
                "position_public": spec.get("position_public", True),
                "order": order,
            },
        )
        tally.update(request_types=1, request_types_new=created)
        # Fields dropped from the demo (the child now comes from the household) go on re-seeding too.
        Field.objects.filter(request_type=request_type).exclude(code__in=[f["code"] for f in spec["fields"]]).delete()
        for field_order, field in enumerate(spec["fields"], start=1):
            _, created = Field.objects.update_or_create(
                request_type=request_type,
                code=field["code"],
                defaults={
                    "label": field["label"],
                    "kind": field["kind"],
                    "required": field.get("required", True),
                    "choices": "\n".join(field.get("choices", ())),
                    "help_text": field.get("help_text", ""),
                    "order": field_order,
                },
            )
            tally.update(fields=1, fields_new=created)


def seed_reply_templates(tally: Counter[str], services: dict[str, Service]) -> None:
    for order, (slug, title, body) in enumerate(demo_data.REPLY_TEMPLATES, start=1):
        service = services[slug] if slug else None
        _, created = ReplyTemplate.objects.update_or_create(
            title=title, service=service, defaults={"body": body, "order": order}
        )
        tally.update(reply_templates=1, reply_templates_new=created)


def seed_agents(
    tally: Counter[str], services: dict[str, Service], *, password: str, hashed: str, reset: bool
) -> list[Login]:
    user_model = get_user_model()
    logins: list[Login] = []
    for spec in demo_data.AGENTS:
        is_admin = spec.role == Role.ADMINISTRATOR
        email = f"{slugify(spec.first_name)}.{slugify(spec.last_name)}@{demo_data.DOMAIN}"
        user, created = user_model.objects.update_or_create(
            username=spec.username,
            defaults={
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "email": email,
                "is_staff": is_admin,
                "is_superuser": is_admin,
            },
        )
        if created or reset:
            user.password = hashed
            user.save(update_fields=["password"])
        agent, _ = Agent.objects.update_or_create(user=user, defaults={"role": spec.role})
        agent_services = [services[slug] for slug in spec.services]
        agent.services.set(agent_services)
        tally.update(agents=1, agents_new=created)
        scope = "tous les services" if roles.sees_all_services(agent) else ", ".join(s.name for s in agent_services)
        logins.append((user.username, str(Role(agent.role).label), scope, password if created or reset else None))
    return logins


def seed_citizen_accounts(tally: Counter[str], *, password: str, hashed: str, reset: bool) -> list[Login]:
    """Citizen accounts with a verified email, a profile and a household (espace famille)."""
    user_model = get_user_model()
    logins: list[Login] = []
    for spec in demo_data.CITIZEN_ACCOUNTS:
        user, created = user_model.objects.get_or_create(
            username=spec.email,
            defaults={"email": spec.email, "first_name": spec.first_name, "last_name": spec.last_name},
        )
        if created or reset:
            user.password = hashed
            user.save(update_fields=["password"])
        EmailAddress.objects.update_or_create(user=user, email=spec.email, defaults={"verified": True, "primary": True})
        citizen = account_citizen(user)
        if created:
            account_profile_update(
                user=user, phone=spec.phone, street=spec.street, postcode=spec.postcode, city=spec.city
            )
        known = {(m.first_name, m.last_name) for m in household_of(citizen, include_archived=True)}
        for first_name, last_name, birth_date, relationship in spec.household:
            if (first_name, last_name) not in known:
                member_create(
                    citizen=citizen,
                    first_name=first_name,
                    last_name=last_name,
                    birth_date=datetime.date.fromisoformat(birth_date),
                    relationship=relationship,
                )
        tally.update(citizen_accounts=1, citizen_accounts_new=created)
        logins.append((spec.email, "Usager (espace famille)", "/compte/", password if created or reset else None))
    return logins


LETTER_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"  # fonts-dejavu-core (make deps)


def seed_mail_items(tally: Counter[str]) -> None:
    """Scanned letters for the mail room, drawn here; the same drawing gives the same file, received once."""
    today = timezone.localdate()
    font = ImageFont.truetype(LETTER_FONT, 30) if Path(LETTER_FONT).exists() else ImageFont.load_default(30)
    with tempfile.TemporaryDirectory() as folder:
        for name, days_ago, lines in demo_data.DEMO_LETTERS:
            image = Image.new("L", (1240, 760), 255)
            draw = ImageDraw.Draw(image)
            for index, line in enumerate(lines):
                draw.text((70, 50 + index * 48), line, font=font, fill=0)
            path = Path(folder) / name
            image.save(path, "PNG", dpi=(150, 150))
            _item, created = mail_item_receive(
                path=str(path),
                name=name,
                source=MailSource.IMPORT,
                received_on=today - datetime.timedelta(days=days_ago),
            )
            tally.update(mail_items=1, mail_items_new=created)


def existing_demo_logins() -> list[Login]:
    usernames = [spec.username for spec in demo_data.AGENTS]
    agents = Agent.objects.filter(user__username__in=usernames).select_related("user").prefetch_related("services")
    logins: list[Login] = [
        (
            agent.user.username,
            str(Role(agent.role).label),
            "tous les services" if roles.sees_all_services(agent) else ", ".join(s.name for s in agent.services.all()),
            None,
        )
        for agent in sorted(agents, key=lambda a: usernames.index(a.user.username))
    ]
    return logins + [
        (email, "Usager (espace famille)", "/compte/", None)
        for email in get_user_model()
        .objects.filter(username__in=[spec.email for spec in demo_data.CITIZEN_ACCOUNTS])
        .values_list("username", flat=True)
    ]


class Command(BaseCommand):
    help = (
        "Crée (ou met à jour) une commune de démonstration : services, démarches, comptes d'agents "
        "et six mois de demandes passées."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--password", default="guichet-demo", help="Mot de passe des agents de démonstration.")
        parser.add_argument(
            "--reset-passwords", action="store_true", help="Remplace aussi le mot de passe des comptes existants."
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Ne charge rien si le catalogue contient déjà des démarches (utilisé par « make run »).",
        )
        parser.add_argument(
            "--no-history",
            action="store_true",
            help="Sans les demandes passées de démonstration (seed_bench crée les siennes).",
        )

    def handle(
        self, *args: Any, password: str, reset_passwords: bool, if_empty: bool, no_history: bool, **options: Any
    ) -> None:
        if not password.strip():
            raise CommandError("Le mot de passe ne peut pas être vide.")
        if if_empty and RequestType.objects.exists():
            self.stdout.write("Le catalogue contient déjà des démarches : données de démonstration non rechargées.")
            self.print_logins(existing_demo_logins())
            return
        tally: Counter[str] = Counter()
        with transaction.atomic():
            commune = seed_commune()
            services, themes = seed_organisation(tally)
            seed_catalogue(tally, services, themes)
            seed_reply_templates(tally, services)
            # Hashed once: every demo account has the same password, and a hash takes a third of a second.
            hashed = make_password(password)
            logins = seed_agents(tally, services, password=password, hashed=hashed, reset=reset_passwords)
            logins += seed_citizen_accounts(tally, password=password, hashed=hashed, reset=reset_passwords)
            seed_mail_items(tally)
            if not no_history:
                seed_history(tally, now=timezone.now())
        self.print_summary(commune, tally)
        self.print_logins(logins)

    def print_summary(self, commune: Commune, tally: Counter[str]) -> None:
        self.stdout.write(self.style.SUCCESS(f"Données de démonstration en place pour « {commune.name} »."))
        for key, label, participle in SUMMARY_ROWS:
            if key not in tally:
                continue  # not seeded in this run (--no-history)
            new = tally[f"{key}_new"]
            detail = f"dont {new} {participle}" if new else "déjà en place"
            self.stdout.write(f"  {label:<22}{tally[key]:>4}   {detail}")

    def print_logins(self, logins: list[Login]) -> None:
        header = ("Identifiant", "Rôle", "Services", "Mot de passe")
        rows = [(user, role, scope, password or "inchangé") for user, role, scope, password in logins]
        widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
        self.stdout.write("\n" + self.style.MIGRATE_HEADING("Comptes de démonstration"))
        for row in [header, tuple("─" * width for width in widths), *rows]:
            cells = (f"{text!s:<{width}}" for text, width in zip(row, widths, strict=True))
            self.stdout.write(("  " + "  ".join(cells)).rstrip())
        if any(password is None for *_, password in logins):
            self.stdout.write("\n« inchangé » : compte existant, mot de passe conservé (voir --reset-passwords).")
        self.stdout.write(f"\nAdministration Django (compte admin) : {settings.SITE_URL}{reverse('admin:index')}")

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from guichet.tickets.acknowledgement import acknowledgement_configuration_problems


class Command(BaseCommand):
    help = (
        "Liste les démarches dont l'accusé de réception omettrait une mention obligatoire (article R112-5 du CRPA) ; "
        "code de sortie 1 s'il en manque une."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override("fr"):
            problems = acknowledgement_configuration_problems()
            for problem in problems:
                self.stdout.write(f"- {problem}")
            if problems:
                raise CommandError(
                    f"{len(problems)} mention(s) obligatoire(s) manquante(s) dans les accusés de réception."
                )
            self.stdout.write("Tous les accusés de réception portent les mentions obligatoires.")

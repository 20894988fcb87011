#!/usr/bin/env python
import os
import sys


def main() -> None:
    from guichet.lib.env import load_env_file

    load_env_file()  # web, worker, cron commands and the mail pipe alike: the environment wins over the file
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

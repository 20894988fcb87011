import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import resolve

from guichet.lib.env import load_env_file

load_env_file()  # the environment (systemd, the shell) wins over the .env file
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")
application = get_wsgi_application()
# The URL configuration and every view are imported as the worker starts, not by its first request, which
# waited 0.2–0.4 s for them (and again after each restart by gunicorn's --max-requests).
resolve("/")
# What the start loaded (modules, settings, URL patterns, translations) lives as long as the process: out of
# the garbage collector's reach, its full collections only walk what requests leave behind (docs/BENCHMARKS.md).
gc.freeze()

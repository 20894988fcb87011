import gc
import os

from django.core.wsgi import get_wsgi_application

from guichet.lib.env import load_env_file
from guichet.lib.warmup import warm_up

load_env_file()  # the environment (systemd, the shell) wins over the .env file
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")
application = get_wsgi_application()
warm_up()  # the URL configuration, the views and lazy patterns: not left to a visitor's first request
# What the start loaded (modules, settings, URL patterns, translations) lives as long as the process: out of
# the garbage collector's reach, its full collections only walk what requests leave behind (docs/BENCHMARKS.md).
gc.freeze()

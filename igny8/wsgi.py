import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "igny8.settings")
application = get_wsgi_application()

# What is loaded by now (Django, the apps, their modules) lives as long as the worker: frozen,
# the garbage collector's full passes stop walking it again and again while serving requests.
gc.freeze()

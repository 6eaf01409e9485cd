import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openciq.settings")
application = get_wsgi_application()
# What start-up loaded (modules, settings, the URL and app registries) lives as long as the
# process: keep it out of the collector's full passes, which otherwise walk it again and again
# during a bulk capture.
gc.freeze()

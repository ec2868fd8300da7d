import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
application = get_wsgi_application()

# Load every view, schema and library now rather than on the first request, then put the
# ~435,000 objects that live as long as the process out of the collector's sight: a full
# collection scanned them all in the middle of some request (0.2-0.9 s on the 2-core box,
# the tail of the county's page times), though none of them is ever garbage.
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018
gc.collect()
gc.freeze()

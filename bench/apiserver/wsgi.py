"""The debtsignal WSGI app plus the benchmark's floor: a bare Django view that inserts one row.

Served by gunicorn in `bench/api.py`, so the floor runs in the same processes as the real API.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
application = get_wsgi_application()

# Imported after setup: the URLconf needs the app registry.
from django.db import connection  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.urls import clear_url_caches, path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402

import config.urls  # noqa: E402

FLOOR_TABLE = "bench_api_floor"


@csrf_exempt
def floor(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {FLOOR_TABLE} (body) VALUES (%s)", [request.body.decode()])
    return HttpResponse(status=201)


config.urls.urlpatterns.insert(0, path("bench/floor/", floor, name="bench-floor"))
clear_url_caches()

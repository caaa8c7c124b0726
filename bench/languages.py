"""The API list in Russian against English, in the same run (issue 16: within 10%).

In process (Django's test client, no server, no cache), on the database of DATABASE_URL (a register made
by `manage.py generate_register`): the first page of /api/v1/agreements/ (50 a page, with count and
totals), English and Russian requests interleaved so that both meet the same machine, and the median of
each. Half the organisations get a Russian name first (as staff would translate them), so the Russian
answer reads the per-language arrays and falls back for the rest.

    DATABASE_URL=sqlite:///bench.sqlite3 python bench/languages.py [rounds]
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kzdeals.settings")
os.environ.setdefault("API_THROTTLE_ANON", "1000000/minute")

import django

django.setup()

from django.db.models import F, Value  # noqa: E402
from django.db.models.functions import Concat, Mod  # noqa: E402
from django.test import Client  # noqa: E402

from agreements.models import Organization  # noqa: E402

URL = "/api/v1/agreements/"


def main(rounds):
    prefix = Value("АО ")  # noqa: RUF001 (Cyrillic: a Russian company's form)
    Organization.objects.annotate(odd=Mod("id", 2)).filter(odd=1).update(name_ru=Concat(prefix, F("name")))
    client = Client()
    times = {"en": [], "ru": []}
    for language in ("en", "ru"):  # warm up
        client.get(URL, {"lang": language, "page_size": 50})
    for _ in range(rounds):
        for language in ("en", "ru"):
            start = time.perf_counter()
            response = client.get(URL, {"lang": language, "page_size": 50})
            times[language].append(time.perf_counter() - start)
            assert response.status_code == 200, response.status_code
    english, russian = statistics.median(times["en"]), statistics.median(times["ru"])
    print(f"{Organization.objects.count()} organisations, {rounds} rounds")
    print(f"en median {english * 1000:.1f} ms, ru median {russian * 1000:.1f} ms, ru/en {russian / english:.3f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)

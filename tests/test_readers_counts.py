"""Counts that say what they count (issue 18): the event and the overview split the itemised documents into
signed and only announced (the clinic was announced, never signed)."""

import re

import pytest
from django.urls import reverse

from agreements.models import Agreement, Status

pytestmark = pytest.mark.django_db


def itemised_cell(html, event_slug):
    table = re.search(rf'id="report-{event_slug}-caption".*?</table>', html, re.S).group(0)
    row = re.search(r"Itemised in the register</th>\s*<td[^>]*>(.*?)</td>", table, re.S).group(1)
    return re.sub(r"<[^>]+>", " ", row).split()


@pytest.mark.parametrize("url", [reverse("agreements:home"), "/events/tokayev-washington-2025-11/"])
def test_itemised_documents_are_split_into_signed_and_announced_only(client, register, url):
    event = "tokayev-washington-2025-11"
    public = Agreement.objects.public().filter(event__slug=event)
    announced = public.filter(status=Status.ANNOUNCED)
    assert announced.count() == 1 and "clinic" in announced.get().title.lower()
    words = itemised_cell(client.get(url).content.decode(), event)
    assert words == [str(public.count()), str(public.count() - 1), "signed,", "1", "announced", "only"]

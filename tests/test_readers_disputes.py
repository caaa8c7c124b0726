"""Disagreement in sentences (issue 18): each disputed figure says who gives the register's figure (or that
they give none) and each other claim once, with every source that makes it; never "Register: —"; commitments
compared by what they list."""

import re

import pytest
from django.urls import reverse

from agreements.models import Agreement, Citation

pytestmark = pytest.mark.django_db


def disputes(html):
    section = re.search(r'<h2 id="disputes-heading">.*?</ul>', html, re.S).group(0)
    items = re.findall(r"<li>(.*?)</li>", section, re.S)
    return [" ".join(re.sub(r"<[^>]+>", "", item).split()) for item in items]


def test_the_boeing_disagreements_read_as_sentences(client, register):
    html = client.get("/agreements/air-astana-boeing-787/").content.decode()
    mfa = "Ministry of Foreign Affairs of the Republic of Kazakhstan[1]"
    assert disputes(html) == [
        f"Value: {mfa} gives no value; U.S. Department of State[2] and Vlast.kz[5] give USD 7,000,000,000 "
        "(“USD 7 billion”; “A catalogue value of USD 7 billion for the 18 aircraft; approved by Air Astana&#x27;s "
        "board”).",
        f"Commitments: {mfa} and Vlast.kz[6] and The Astana Times[8] list 18 aircraft, First Boeing 787 deliveries "
        "to Air Astana; Gulf News[3] and aeroTELEGRAPH[4] list 15 direct from Boeing plus 3 leased.",
        f"Kind: {mfa} calls it “Letter of intent”; Gulf News[3] and aeroTELEGRAPH[4] call it “A contract for up "
        "to 15 aircraft plus 3 leased”.",
    ]


def test_no_page_says_register_dash_and_each_claim_appears_once(client, register):
    slugs = Citation.objects.filter(disputes=True).values_list("agreement__slug", flat=True).distinct()
    assert len(slugs) >= 5
    for slug in slugs:
        html = client.get(reverse("agreements:agreement-detail", args=[slug])).content.decode()
        sentences = disputes(html)
        assert sentences, slug
        assert "Register:" not in html and "Other source:" not in html, slug
        agreement = Agreement.objects.get(slug=slug)
        for citation in Citation.objects.filter(agreement=agreement, disputes=True).select_related("source"):
            said = [s for s in sentences if citation.source.publisher in s]
            assert said, (slug, citation.source.publisher)
        for sentence in sentences:
            claims = sentence.split(": ", 1)[1].rstrip(".").split("; ")
            assert len(claims) == len(set(claims)), sentence

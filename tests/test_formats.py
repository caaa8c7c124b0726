"""Numbers and dates as each language writes them where a person reads them (Kazakh's from the project's
format module, Russian's from Django's), and machine formats left as they are."""

import datetime
from decimal import Decimal

import pytest
from django.utils import formats, translation

from agreements.models import DatePrecision
from agreements.templatetags.register_tags import format_money, format_number, partial_date_words, percent
from tests.factories import AgreementFactory

NBSP = "\xa0"
DAY = datetime.date(2025, 11, 6)


@pytest.mark.parametrize(
    ("language", "number", "money"),
    [
        ("en", "1,234,567.89", "≈ USD 1,000,000,000"),
        ("ru", f"1{NBSP}234{NBSP}567,89", f"≈ USD 1{NBSP}000{NBSP}000{NBSP}000"),
        ("kk", f"1{NBSP}234{NBSP}567,89", f"≈ USD 1{NBSP}000{NBSP}000{NBSP}000"),
    ],
)
def test_numbers_are_grouped_as_the_language_groups_them(language, number, money):
    with translation.override(language):
        assert format_number(Decimal("1234567.89")) == number
        assert format_money(Decimal("1000000000"), "USD", True) == money
        assert format_number(Decimal("84000.00")) == ("84,000" if language == "en" else f"84{NBSP}000")


def test_percent_takes_the_language_decimal_mark():
    with translation.override("en"):
        assert percent(Decimal("30.75")) == "30.8%"
    with translation.override("kk"):
        assert percent(Decimal("30.75")) == "30,8%"


@pytest.mark.parametrize(
    ("language", "day", "month"),
    [
        ("en", "6 November 2025", "November 2025"),
        ("ru", "6 ноября 2025", "Ноябрь 2025 г."),  # noqa: RUF001 - Russian abbreviates "year" so
        ("kk", "2025 ж. 6 қараша", "2025 ж. қараша"),
    ],
)
def test_dates_in_words_as_the_language_writes_them(language, day, month):
    with translation.override(language):
        assert partial_date_words(DAY) == day
        assert partial_date_words(DAY, DatePrecision.MONTH) == month
        assert partial_date_words(DAY, DatePrecision.YEAR) == "2025"


def test_kazakh_formats():
    with translation.override("kk"):
        assert formats.date_format(DAY) == "2025 ж. 6 қараша"
        assert formats.date_format(DAY, "SHORT_DATE_FORMAT") == "06.11.2025"
        assert formats.get_format("FIRST_DAY_OF_WEEK") == 1
        assert formats.get_format("DECIMAL_SEPARATOR") == ","
        assert formats.get_format("THOUSAND_SEPARATOR") == NBSP
        # Kazakh writes a date's month in lower case, every month of the year.
        months = [formats.date_format(datetime.date(2025, month, 1), "E") for month in range(1, 13)]
        assert months == [month.lower() for month in months]


@pytest.mark.django_db
def test_kazakh_page_writes_numbers_and_dates_in_kazakh_and_keeps_machine_dates(client):
    agreement = AgreementFactory(value_amount=Decimal("1500000000"), signed_on=DAY)
    body = client.get(f"/kk{agreement.get_absolute_url()}").content.decode()
    assert f"USD 1{NBSP}500{NBSP}000{NBSP}000" in body
    assert '<time datetime="2025-11-06">2025 ж. 6 қараша</time>' in body


@pytest.mark.django_db
def test_machine_formats_do_not_follow_the_language(client):
    agreement = AgreementFactory(value_amount=Decimal("1500000000"), signed_on=DAY)
    answer = client.get(f"/api/v1/agreements/{agreement.slug}/", HTTP_ACCEPT_LANGUAGE="kk").json()
    assert answer["value"]["amount"] == "1500000000.00"
    assert answer["signed_on"] == "2025-11-06"
    response = client.get("/api/v1/exports/agreements.csv", HTTP_ACCEPT_LANGUAGE="ru")
    csv = b"".join(response.streaming_content).decode()
    assert "1500000000" in csv
    assert "2025-11-06" in csv

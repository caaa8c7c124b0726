"""Totals per sector or per event in a fixed number of queries, and the overview's bar chart as SVG data.

`totals_by()` follows the rules of `AgreementQuerySet.totals()` (a group's shared value counts once per
key it has members in; binding only when every selected member is binding), grouped by one field, so
a page needs three queries whatever the number of sectors or events.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum

from .models import CurrencyTotal, Kind, Totals


def totals_by(queryset, key):
    """{key value: Totals} for a selection of agreements, grouped by `key` (such as "sector")."""
    base = queryset.order_by()
    non_binding = Q(kind__in=Kind.non_binding())
    counts = base.values(key).annotate(rows=Count("pk")).order_by(key)
    own = (
        base.filter(group__isnull=True, value_amount__isnull=False)
        .values(key, "value_currency")
        .annotate(
            total=Sum("value_amount"),
            non_binding_total=Sum("value_amount", filter=non_binding),
            rows=Count("pk"),
            approximate_rows=Count("pk", filter=Q(value_approximate=True)),
        )
        .order_by(key, "value_currency")
    )
    groups = (
        base.filter(group__isnull=False)
        .values(key, "group_id", "group__amount", "group__currency", "group__approximate")
        .annotate(members=Count("pk"), non_binding_members=Count("pk", filter=non_binding))
        .order_by(key, "group_id")
    )
    result = {row[key]: Totals(count=row["rows"]) for row in counts}
    currencies = {}

    def entry(row, currency):
        by_currency = currencies.setdefault(row[key], {})
        return by_currency.setdefault(currency, CurrencyTotal(currency))

    for row in own:
        non_binding_total = row["non_binding_total"] or Decimal("0")
        line = entry(row, row["value_currency"])
        line.add(row["total"] - non_binding_total, True, row["approximate_rows"] > 0)
        line.add(non_binding_total, False, False)
        result[row[key]].valued += row["rows"]
    for row in groups:
        entry(row, row["group__currency"]).add(
            row["group__amount"], row["non_binding_members"] == 0, row["group__approximate"]
        )
        result[row[key]].valued += row["members"]
    for value, by_currency in currencies.items():
        result[value].currencies = sorted(
            by_currency.values(), key=lambda line: (line.currency != "USD", line.currency)
        )
    return result


@dataclass
class Bar:
    label: str
    amount: Decimal
    approximate: bool
    y: int
    width: float
    text_x: float


@dataclass
class BarChart:
    bars: list
    currency: str
    width: int
    height: int
    label_width: int
    bar_height: int

    @property
    def bar_x(self):
        return self.label_width


def bar_chart(rows, currency="USD", width=720, label_width=240, bar_height=28, gap=10, value_room=170):
    """Horizontal bars for [(label, amount, approximate)], largest first, scaled to the largest amount."""
    rows = sorted((row for row in rows if row[1]), key=lambda row: (-row[1], row[0]))
    largest = max((row[1] for row in rows), default=Decimal("0"))
    room = width - label_width - value_room
    bars = []
    for index, (label, amount, approximate) in enumerate(rows):
        bar_width = float(amount / largest) * room if largest else 0.0
        bar_width = max(bar_width, 2.0)
        bars.append(
            Bar(
                label=label,
                amount=amount,
                approximate=approximate,
                y=index * (bar_height + gap),
                width=round(bar_width, 1),
                text_x=round(label_width + bar_width + 8, 1),
            )
        )
    height = max(len(bars) * (bar_height + gap) - gap, bar_height)
    return BarChart(
        bars=bars, currency=currency, width=width, height=height, label_width=label_width, bar_height=bar_height
    )

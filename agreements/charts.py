"""The overview's bar chart of value by sector, as data for an SVG drawn by the template.

The figures come from `AgreementQuerySet.totals_by("sector")`.
"""

from dataclasses import dataclass
from decimal import Decimal


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

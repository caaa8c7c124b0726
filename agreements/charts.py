"""Charts as data for SVGs drawn by the templates (no script, no inline style): the overview's bars of
value by sector (figures from `AgreementQuerySet.totals_by("sector")`), a scorecard's bars of counts
(from `scorecards()`), and an agreement's status timeline (its status entries).

Each chart stands beside the same facts as text (a table or a list): the picture adds nothing to them.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from .templatetags.register_tags import partial_date_words


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


def count_chart(rows, width=360, label_width=120, bar_height=22, gap=8, value_room=40):
    """Horizontal bars for [(label, count)] in the order given, zeros kept (a bar of no width, its "0"
    still written), scaled to the largest count."""
    largest = max((count for _, count in rows), default=0)
    room = width - label_width - value_room
    bars = []
    for index, (label, count) in enumerate(rows):
        bar_width = count / largest * room if largest else 0.0
        bars.append(
            Bar(
                label=label,
                amount=count,
                approximate=False,
                y=index * (bar_height + gap),
                width=round(bar_width, 1),
                text_x=round(label_width + bar_width + 6, 1),
            )
        )
    height = max(len(bars) * (bar_height + gap) - gap, bar_height)
    return BarChart(bars=bars, currency="", width=width, height=height, label_width=label_width, bar_height=bar_height)


@dataclass
class TimelinePoint:
    number: int  # the entry's number in the list beside the chart
    status: str
    x: float


@dataclass
class TimelineChart:
    points: list
    width: int
    height: int
    axis_y: int
    x_start: float
    x_last: float  # the last entry
    verified_x: float | None  # the day the record was last checked, when after its last entry
    start_label: str
    end_label: str | None
    end_label_y: int

    @property
    def x_end(self):
        return self.verified_x if self.verified_x is not None else self.x_last


def timeline_chart(entries, verified_on=None, width=360, margin=16, label_room=270):
    """Status entries [(date, precision, status)], oldest first, as numbered points on a line from the
    first to the last, or on to `verified_on` when the record was checked after its last entry (that
    dashed stretch is time in which no source reported anything). A date known to the month or the year
    stands at its first day, as it sorts; the ends are labelled with the dates as a reader writes them.
    None without entries."""
    if not entries:
        return None
    first, first_precision = entries[0][:2]
    last, last_precision = entries[-1][:2]
    if verified_on is not None and verified_on <= last:
        verified_on = None
    end = verified_on or last
    span = (end - first).days
    room = width - 2 * margin

    def x(day):
        return round(margin + ((day - first).days / span * room if span else room / 2), 1)

    points = [TimelinePoint(number=index, status=entry[2], x=x(entry[0])) for index, entry in enumerate(entries, 1)]
    if verified_on is not None:
        end_label = _("checked %(date)s") % {"date": partial_date_words(verified_on)}
    elif span:
        end_label = partial_date_words(last, last_precision)
    else:
        end_label = None  # one day: the start label says it
    # Two labels closer than they are long: the second goes on a line of its own.
    end_label_y = 62 if x(end) - points[0].x >= label_room else 80
    return TimelineChart(
        points=points,
        width=width,
        height=end_label_y + 8 if end_label else 70,
        axis_y=36,
        x_start=points[0].x,
        x_last=points[-1].x,
        verified_x=x(verified_on) if verified_on is not None else None,
        start_label=partial_date_words(first, first_precision),
        end_label=end_label,
        end_label_y=end_label_y,
    )

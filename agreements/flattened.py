"""Lists in one spreadsheet cell, as the import reads them (agreements/resources.py) and the exports write them
(agreements/exports/tabular.py).

Items are separated by ";" (written "; "), the parts of an item by "|"; a backslash keeps a ";", "|" or "\\"
that belongs to the text, and parts are read without surrounding spaces. Trailing empty parts are left out.

A status history is one item per entry, oldest first, `date|status|source|note`: the date as YYYY-MM-DD,
or YYYY-MM / YYYY when the source gives only the month or the year; the status's code; the key of the source
that says so (empty for none); the note. For example
`2025-11|signed|mfa-2025-11-07|Signed during the visit; 2026-03-12|signed|qazinform-2026-03-12|JV set up`.
"""

from .models import format_partial_date

ITEM_SEPARATOR = ";"
PART_SEPARATOR = "|"
ESCAPE = "\\"
STATUS_HISTORY_FORMAT = "date|status|source|note"


def escape(text):
    for char in (ESCAPE, ITEM_SEPARATOR, PART_SEPARATOR):
        text = text.replace(char, ESCAPE + char)
    return text


def split_items(text):
    """`"a|b; c"` → `[["a", "b"], ["c"]]`, parts stripped; a backslash keeps the next character."""
    items, parts, current = [], [], []
    characters = iter(text)
    for char in characters:
        if char == ESCAPE:
            current.append(next(characters, ESCAPE))
        elif char == PART_SEPARATOR:
            parts.append("".join(current))
            current = []
        elif char == ITEM_SEPARATOR:
            items.append([*parts, "".join(current)])
            parts, current = [], []
        else:
            current.append(char)
    items.append([*parts, "".join(current)])
    items = [[part.strip() for part in item] for item in items]
    return [item for item in items if any(item)]


def join_items(items):
    return f"{ITEM_SEPARATOR} ".join(PART_SEPARATOR.join(escape(part) for part in item) for item in items)


def trimmed(parts):
    """The parts without the empty ones at the end."""
    parts = list(parts)
    while parts and not parts[-1]:
        parts.pop()
    return parts


def status_history_text(entries):
    """The cell of a status history: `entries` as (date, precision, status, source key or None, note)."""
    return join_items(
        trimmed([format_partial_date(date, precision), status, source or "", note or ""])
        for date, precision, status, source, note in entries
    )

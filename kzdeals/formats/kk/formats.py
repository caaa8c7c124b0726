"""Kazakh formats, which Django does not ship: dates as Kazakh writes them (the year first, "2025 ж. 6 қараша",
or "06.11.2025"), weeks from Monday, and numbers grouped by a no-break space with a decimal comma
("1 234 567,89", as Russian in Django)."""

# "ж." (жыл, year) is escaped letter by letter, as a format string needs; "E" is the month's name in a
# date, lower case (the project's catalogue gives it: kzdeals/formats/months.py).
DATE_FORMAT = r"Y \ж. j E"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = r"Y \ж. j E, H:i"
YEAR_MONTH_FORMAT = r"Y \ж. E"
MONTH_DAY_FORMAT = "j E"
SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
FIRST_DAY_OF_WEEK = 1  # Monday

# Django adds the ISO formats (2025-11-06) to these.
DATE_INPUT_FORMATS = [
    "%d.%m.%Y",  # 06.11.2025
    "%d.%m.%y",  # 06.11.25
]
DATETIME_INPUT_FORMATS = [
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M:%S.%f",
    "%d.%m.%Y %H:%M",
    "%d.%m.%y %H:%M:%S",
    "%d.%m.%y %H:%M",
]
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\xa0"  # no-break space: a number never breaks across lines
NUMBER_GROUPING = 3

# The register's own formats (kzdeals/formats/__init__.py).
DAY_IN_WORDS_FORMAT = r"Y \ж. j E"
MOMENT_IN_WORDS_FORMAT = r"Y \ж. j E, H:i e"

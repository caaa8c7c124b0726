"""The project's format modules (FORMAT_MODULE_PATH): Kazakh's, which Django does not ship, and, in every
language, the register's own formats of a date in words, which the pages name:

- `DAY_IN_WORDS_FORMAT`: a day ("6 November 2025", "6 ноября 2025", "2025 ж. 6 қараша");
- `MOMENT_IN_WORDS_FORMAT`: a moment with its time zone.

A language added to LANGUAGES needs a module here that names both. Russian and English otherwise use
Django's own formats.
"""

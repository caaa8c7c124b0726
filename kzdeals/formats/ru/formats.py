# The register's own formats (kzdeals/formats/__init__.py); every other format is Django's Russian.
# "E": the month's name as a day's date takes it, in the genitive ("6 ноября 2025").
DAY_IN_WORDS_FORMAT = "j E Y"
MOMENT_IN_WORDS_FORMAT = "j E Y, H:i e"

# The register's own formats (kzdeals/formats/__init__.py); every other format is Django's English.
DAY_IN_WORDS_FORMAT = "j E Y"
MOMENT_IN_WORDS_FORMAT = "j E Y, H:i e"

"""The months' names as a date writes them (Django's `E` format: "6 November", "6 ноября", "6 қараша").

Django takes them from its catalogues under the context "alt. month"; its Kazakh catalogue capitalises
them, as a calendar heading does, where Kazakh writes a date's month in lower case. Named here, the
project's catalogues (which take precedence over Django's) carry them and give Kazakh its own.
"""

from django.utils.translation import pgettext_lazy

MONTHS_IN_DATES = {
    1: pgettext_lazy("alt. month", "January"),
    2: pgettext_lazy("alt. month", "February"),
    3: pgettext_lazy("alt. month", "March"),
    4: pgettext_lazy("alt. month", "April"),
    5: pgettext_lazy("alt. month", "May"),
    6: pgettext_lazy("alt. month", "June"),
    7: pgettext_lazy("alt. month", "July"),
    8: pgettext_lazy("alt. month", "August"),
    9: pgettext_lazy("alt. month", "September"),
    10: pgettext_lazy("alt. month", "October"),
    11: pgettext_lazy("alt. month", "November"),
    12: pgettext_lazy("alt. month", "December"),
}

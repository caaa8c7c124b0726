"""The data's licence (REGISTER_DATA_LICENSE, an SPDX identifier), as /data/, the data package and OCDS state it."""

from django.conf import settings

# SPDX identifiers of common data licences, with their titles and texts; any other is linked to SPDX's page.
LICENSES = {
    "CC-BY-4.0": ("Creative Commons Attribution 4.0 International", "https://creativecommons.org/licenses/by/4.0/"),
    "CC-BY-SA-4.0": (
        "Creative Commons Attribution Share Alike 4.0 International",
        "https://creativecommons.org/licenses/by-sa/4.0/",
    ),
    "CC0-1.0": ("Creative Commons Zero v1.0 Universal", "https://creativecommons.org/publicdomain/zero/1.0/"),
    "ODbL-1.0": ("Open Data Commons Open Database License v1.0", "https://opendatacommons.org/licenses/odbl/1-0/"),
    "PDDL-1.0": (
        "Open Data Commons Public Domain Dedication & License 1.0",
        "https://opendatacommons.org/licenses/pddl/1-0/",
    ),
}


def data_license():
    """The licence as a data package states it: {"name", "title", "path"}."""
    name = settings.REGISTER_DATA_LICENSE
    title, path = LICENSES.get(name, (name, f"https://spdx.org/licenses/{name}.html"))
    return {"name": name, "title": title, "path": path}

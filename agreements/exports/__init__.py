"""Downloads of the public register in open formats: CSV, XLSX, JSON, OCDS and a Frictionless data package.

Every export takes the query parameters of `/agreements/` (through `AgreementFilterSet`) and writes
the whole filtered public set, unpaginated, in a fixed number of queries.
"""

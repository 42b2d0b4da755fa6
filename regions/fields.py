from django.db import models


class RegionCodeField(models.CharField):
    """A division code (2, 4, 6, 9 or 12 digits).

    On PostgreSQL the column uses the "C" collation so that `LIKE 'prefix%'` and joins use
    plain btree indexes and foreign keys share the collation (they inherit it). SQLite's
    default comparison is already binary.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 12)
        super().__init__(*args, **kwargs)

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params

from django.db import models


class WriteProbe(models.Model):
    """A row /healthz writes and removes in one transaction, to learn whether the database takes writes (a full
    disk, a read-only file or server). Always empty between probes."""

    payload = models.BinaryField()

    class Meta:
        verbose_name = "write probe"

    def __str__(self):
        return f"write probe {self.pk}"

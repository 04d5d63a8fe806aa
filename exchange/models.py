"""Uploaded files waiting between a preview and an import.

A coordinator uploads a file, reads the row report (a dry run), then presses "import". The two requests may
reach two different web machines, so the waiting files live in the database, never on one machine's disk.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class PendingUpload(models.Model):
    """One preview's files, named by a random token that only the uploader's session knows."""

    token = models.CharField(max_length=64, unique=True)
    school = models.ForeignKey("students.School", on_delete=models.CASCADE, related_name="+")
    names = models.JSONField(default=list)  # the names the files had on the coordinator's computer
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"upload {self.token[:8]}… ({', '.join(self.names)})"


class PendingUploadFile(models.Model):
    upload = models.ForeignKey(PendingUpload, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=40)  # the contract's file name: students.csv, class_requests.xlsx, …
    content = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["upload", "name"], name="pending_upload_file_once")]

    def __str__(self) -> str:
        return self.name

"""Files waiting between a preview and an import (``exchange.models.PendingUpload``).

``pending_store`` keeps one upload's files and returns its token; ``pending_files`` writes them into a
temporary folder for the loader, which reads a folder of contract files; ``pending_forget`` deletes them.
Uploads older than ``KEEP`` are swept whenever a new one is stored.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from .models import PendingUpload, PendingUploadFile

KEEP = dt.timedelta(hours=3)
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
FILE_NAME = re.compile(r"^[a-z_]+\.(csv|xlsx)$")


def pending_sweep(*, now: dt.datetime | None = None) -> int:
    """Delete uploads older than ``KEEP`` (previews never imported); returns how many."""
    cutoff = (now or timezone.now()) - KEEP
    _, deleted = PendingUpload.objects.filter(created_at__lt=cutoff).delete()
    return deleted.get(PendingUpload._meta.label, 0)


def pending_store(*, school_id: int, files: Iterable[tuple[str, Iterable[bytes]]], names: list[str]) -> str:
    """Keep ``files`` (contract file name, chunks) for ``school_id``; returns the new upload's token."""
    pending_sweep()
    token = secrets.token_urlsafe(24)
    with transaction.atomic():
        upload = PendingUpload.objects.create(token=token, school_id=school_id, names=names)
        for name, chunks in files:
            if not FILE_NAME.match(name):
                raise ValueError(f"not a contract file name: {name!r}")
            PendingUploadFile.objects.create(upload=upload, name=name, content=b"".join(chunks))
    return token


def pending_find(token: str, *, school_id: int) -> PendingUpload | None:
    """The school's upload named ``token``, or None (a malformed token never reaches the database)."""
    if not TOKEN.match(token or ""):
        return None
    return PendingUpload.objects.filter(token=token, school_id=school_id, created_at__gte=timezone.now() - KEEP).first()


@contextmanager
def pending_files(upload: PendingUpload) -> Iterator[Path]:
    """A temporary folder holding the upload's files, deleted on leaving."""
    with tempfile.TemporaryDirectory(prefix="caunoi-upload-") as folder:
        for item in upload.files.all():
            (Path(folder) / item.name).write_bytes(bytes(item.content))
        yield Path(folder)


def pending_forget(token: str) -> None:
    if TOKEN.match(token or ""):
        PendingUpload.objects.filter(token=token).delete()

"""Background work of matchmaking: shard tasks for `matchmake` and the weekly digest job."""
from __future__ import annotations

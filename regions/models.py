from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from regions.choices import Level, Role
from regions.fields import RegionCodeField
from regions.querysets import PostQuerySet, RegionQuerySet
from regions.scoping import ScopeSpec


class Region(models.Model):
    """An administrative division: province, prefecture, county, township or village.

    `code` is the significant part of the national statistical division code (2, 4, 6, 9
    or 12 digits), so a region's subtree is every code that starts with its code.
    """

    code = RegionCodeField(_("区划代码"), primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.PositiveSmallIntegerField(_("层级"), choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    # Names joined from the province down ("四川省 / 成都市 / ..."), for display without joins.
    path_name = models.CharField(_("全称"), max_length=300, blank=True)
    is_tibetan_area = models.BooleanField(_("涉藏地区"), default=False, db_index=True)
    is_community = models.BooleanField(_("城市社区"), default=False)

    objects = RegionQuerySet.as_manager()
    scoping = ScopeSpec(region_field=None)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=5), name="region_level_valid"),
        ]

    def __str__(self):
        return self.name

    @property
    def ancestor_codes(self) -> list[str]:
        from regions.choices import CODE_LENGTH

        return [self.code[:length] for level, length in CODE_LENGTH.items() if level < self.level]


class Post(models.Model):
    """A user's post (任职): a role held in one region. Users act only through posts."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="posts"
    )
    region = models.ForeignKey(Region, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="posts")
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    title = models.CharField(_("职务"), max_length=100, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    valid_until = models.DateField(_("截止日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = PostQuerySet.as_manager()
    scoping = ScopeSpec(region_field="region")

    class Meta:
        verbose_name = _("任职")
        verbose_name_plural = _("任职")
        ordering = ["user_id", "region_id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "region", "role"], name="post_unique_user_region_role"),
        ]

    def __str__(self):
        return f"{self.region.name} · {self.get_role_display()}"

"""Abstract bases shared by the record-keeping apps."""

from django.conf import settings
from django.db import models
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field):  # noqa: N802 - Django's name, behind every get_<field>_display()
        """Django's, with the field's value -> label map built once per field instead of on every
        call: building it hashed every (lazy) label, that is translated each one, 30 µs a call, and
        a list page calls it twice per row. The labels stay lazy: each call still answers in the
        request's language. Fields whose choices are computed (a callable) are not kept."""
        labels = field.__dict__.get("_jiceng_choice_labels")
        if labels is None:
            labels = dict(make_hashable(field.flatchoices))
            if isinstance(field.choices, list | tuple):
                field._jiceng_choice_labels = labels
        value = getattr(self, field.attname)
        return force_str(labels.get(make_hashable(value), value), strings_only=True)


class VersionedModel(TimeStampedModel):
    """A record two people may edit at once.

    `version` is bumped by every write made through `core.concurrency.save_versioned`; a save
    based on an older version is refused instead of silently overwriting the newer one.
    """

    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )

    class Meta:
        abstract = True


class WorkCalendarDay(models.Model):
    """One day of the working-day calendar (工作日历): working or not, and where that came from.

    Filled at setup from the `chinesecalendar` package (holidays and make-up workdays 调休 of each
    year the State Council has published) and maintained by an administrator in the admin. A year
    with no rows is computed on weekends only and flagged provisional (节假日安排未录入); see
    `core.calendar`. Any app may read it (petition deadlines first).
    """

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("工作日"))
    source = models.CharField(_("来源"), max_length=60, blank=True)
    provisional = models.BooleanField(_("暂定"), default=False)
    note = models.CharField(_("说明"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("工作日历")
        verbose_name_plural = _("工作日历")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d}"

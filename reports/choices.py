from django.db import models
from django.utils.translation import gettext_lazy as _


class Unit(models.TextChoices):
    COUNT = "count", _("个数")
    FEN = "fen", _("金额（分）")
    RATE = "rate", _("比率")


class RunKind(models.TextChoices):
    FULL = "full", _("全量刷新")
    INCREMENTAL = "incremental", _("增量刷新")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("运行中")
    SUCCEEDED = "succeeded", _("已完成")
    FAILED = "failed", _("失败")
    SKIPPED = "skipped", _("已跳过（另一刷新正在运行）")


RUN_ACTIVE_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)

# The period key of all-time totals in the summary table; months are "YYYY-MM".
TOTAL_PERIOD = ""

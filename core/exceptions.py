"""Errors raised by services; views, the API and imports turn them into localised messages."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class ServiceError(ValidationError):
    """A business rule refused the write. Nothing was changed."""


class TransitionNotAllowed(ServiceError):
    def __init__(self, *, current, target):
        super().__init__(
            _("不能从“%(current)s”变更为“%(target)s”。"),
            code="transition_not_allowed",
            params={"current": current, "target": target},
        )


class ConcurrentEditError(ServiceError):
    def __init__(self):
        super().__init__(
            _("该记录已被其他人修改，请刷新后重新编辑。您的修改没有保存。"),
            code="concurrent_edit",
        )


class OutOfScope(ServiceError):
    def __init__(self):
        super().__init__(_("该对象不在您的管辖范围内，或您没有此项权限。"), code="out_of_scope")

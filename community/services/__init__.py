"""Writes of double reporting and the three-order service. Every write is one function here:
atomic, checks permission and scope (`regions.scoping.ensure`), the allowed transition
(`community.choices.ORDER_TRANSITIONS`) and the version, and records the audit trail, which is
also each record's history. Nothing is written when a rule refuses (a `ServiceError`).
"""

from community.services.base import PHONE_PATTERN, check_community, clean_phone, normalize_phone
from community.services.orders import (
    ORDER_FIELDS,
    RATING_LINK_DAYS,
    RATING_SALT,
    is_assignee,
    may_work_on,
    order_cancel,
    order_complete,
    order_dispatch,
    order_place,
    order_rate,
    order_rating_invitation_from_token,
    order_rating_link_create,
    order_return,
    order_take,
    order_transition_targets,
    rating_token,
)
from community.services.reports import (
    MEMBER_FIELDS,
    ORGANISATION_FIELDS,
    member_create,
    member_update,
    organisation_create,
    organisation_update,
    report_register,
    report_register_new,
    report_withdraw,
)

__all__ = [
    "MEMBER_FIELDS",
    "ORDER_FIELDS",
    "ORGANISATION_FIELDS",
    "PHONE_PATTERN",
    "RATING_LINK_DAYS",
    "RATING_SALT",
    "check_community",
    "clean_phone",
    "is_assignee",
    "may_work_on",
    "member_create",
    "member_update",
    "normalize_phone",
    "order_cancel",
    "order_complete",
    "order_dispatch",
    "order_place",
    "order_rate",
    "order_rating_invitation_from_token",
    "order_rating_link_create",
    "order_return",
    "order_take",
    "order_transition_targets",
    "organisation_create",
    "organisation_update",
    "rating_token",
    "report_register",
    "report_register_new",
    "report_withdraw",
]

"""Workbench cards (工作台) of the petitions module: scoped, bounded counts."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.paginator import bounded_count
from core.workbench import Card, CardItem, register
from petitions.choices import PetitionStatus
from petitions.models import Petition, PetitionOwner
from regions.scoping import exclude_hidden, restrict


def _staff_items(user):
    url = reverse("petitions:petition_list")
    # The office's work: the cases of the regions where the user registers petitions (cases they
    # own elsewhere are on the 我的包案 card).
    cases = restrict(Petition.objects.all(), user, "petitions.add_petition")
    return [
        CardItem(_("待受理"), bounded_count(cases.filter(status=PetitionStatus.REGISTERED)), f"{url}?status=registered", "info",
                 _("已登记、尚未受理、转送交办或不予受理的信访件")),
        CardItem(_("转送待接收"), bounded_count(cases.filter(status=PetitionStatus.TRANSFERRED)), f"{url}?status=transferred", "secondary",
                 _("已转送交办、承办单位尚未受理或提出异议")),
        CardItem(_("3日内到期"), bounded_count(cases.due_soon()), f"{url}?due_soon=true", "warning",
                 _("当前办理期限在今天起3日内的信访件")),
        CardItem(_("已超期"), bounded_count(cases.overdue()), f"{url}?overdue=true", "danger",
                 _("当前办理期限已过、仍未完成该环节的信访件")),
    ]  # fmt: skip


def _owner_items(user):
    url = reverse("petitions:my_cases")
    # An owner sees their cases wherever they are; the officials a case names never do.
    mine = exclude_hidden(
        Petition.objects.filter(pk__in=PetitionOwner.objects.filter(leader_id=user.pk).values("petition_id")), user
    )
    return [
        CardItem(_("包案已超期"), bounded_count(mine.overdue()), url, "danger"),
        CardItem(_("包案3日内到期"), bounded_count(mine.due_soon()), url, "warning"),
        CardItem(_("包案在办"), bounded_count(mine.open()), url, "info"),
    ]


def _owns_cases(user):
    return PetitionOwner.objects.filter(leader_id=user.pk).exists()


register(
    Card(
        key="petitions.office",
        title=_("信访待办"),
        permission="petitions.add_petition",
        items=_staff_items,
        order=20,
        icon="envelope-paper",
    )
)
register(
    Card(
        key="petitions.mine",
        title=_("我的包案"),
        permission=None,
        items=_owner_items,
        order=10,
        icon="person-check",
        applies=_owns_cases,
    )
)

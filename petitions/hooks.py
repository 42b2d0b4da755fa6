"""What the petitions app plugs into other apps' registries (see PetitionsConfig.ready)."""

from django.db.models import CharField, Q
from django.db.models.functions import Cast


def escalate_matter(*, matter, actor) -> str:
    from petitions.services import petition_from_matter

    return petition_from_matter(matter=matter, actor=actor)


def calendar_changed(years) -> None:
    from petitions.tasks import recompute_deadlines

    recompute_deadlines.delay(sorted(years))


def hidden_audit_events(user):
    """Audit events of the cases that name `user` (art. 30 §3)."""
    from petitions.models import Petition

    if not getattr(user, "is_authenticated", False):
        return None
    named = (
        Petition.objects.filter(named_officials__user=user)
        .annotate(key=Cast("pk", output_field=CharField()))
        .values("key")
    )
    return Q(object_type="petitions.petition", object_id__in=named)

"""Status machines declared as data beside the choices, enforced by the services."""

from collections.abc import Iterable, Mapping

from django.utils.translation import gettext_lazy as _

from core.exceptions import ServiceError, TransitionNotAllowed


class StateMachine:
    """Allowed transitions of one status field: {from_status: {to_status, ...}}.

    `reserved` names the targets that only one service may set, with the refusal everyone else
    gets: {target: (channel, message)}. Staff-facing services call `check(current, target)`; the
    one service that owns a reserved target calls `check(current, target, via=channel)`.
    """

    def __init__(self, choices, transitions: Mapping[str, Iterable[str]], *, reserved: Mapping | None = None):
        self.choices = choices
        self.transitions = {source: frozenset(targets) for source, targets in transitions.items()}
        self.reserved = dict(reserved or {})
        known = set(choices.values)
        for source, targets in self.transitions.items():
            unknown = ({source} | set(targets)) - known
            if unknown:
                raise ValueError(f"unknown statuses in transitions: {sorted(unknown)}")
        if set(self.reserved) - known:
            raise ValueError(f"unknown reserved statuses: {sorted(set(self.reserved) - known)}")

    def allowed_targets(self, current: str) -> frozenset[str]:
        return self.transitions.get(current, frozenset())

    @property
    def staff_targets(self) -> tuple:
        """Every status staff may move a record to (any transition's target, none reserved), in
        the order of the choices."""
        targets = set().union(*self.transitions.values())
        return tuple(s for s in self.choices if s in targets and s not in self.reserved)

    def staff_targets_from(self, current: str) -> tuple:
        """The statuses staff may move a record in `current` to, in the order of the choices."""
        allowed = self.allowed_targets(current)
        return tuple(s for s in self.staff_targets if s in allowed)

    def reserved_error(self, target: str, via: str = "") -> ServiceError | None:
        """The refusal for setting `target` through `via` when another service owns it, else None."""
        if target in self.reserved and self.reserved[target][0] != via:
            return ServiceError(self.reserved[target][1], code="transition_not_allowed")
        return None

    def check(self, current: str, target: str, *, via: str = "") -> None:
        """A clear error unless `current` → `target` is declared and `via` may set `target`."""
        error = self.reserved_error(target, via)
        if error is not None:
            raise error
        if target not in self.allowed_targets(current):
            if target not in self.choices.values:
                raise ServiceError(
                    _("该状态变更不存在：%(value)s。"),
                    code="transition_not_allowed",
                    params={"value": str(target)[:40]},
                )
            raise TransitionNotAllowed(current=self.choices(current).label, target=self.choices(target).label)

"""Status machines declared as data beside the choices, enforced by the services."""

from collections.abc import Iterable, Mapping

from core.exceptions import TransitionNotAllowed


class StateMachine:
    """Allowed transitions of one status field: {from_status: {to_status, ...}}."""

    def __init__(self, choices, transitions: Mapping[str, Iterable[str]]):
        self.choices = choices
        self.transitions = {source: frozenset(targets) for source, targets in transitions.items()}
        known = set(choices.values)
        for source, targets in self.transitions.items():
            unknown = ({source} | set(targets)) - known
            if unknown:
                raise ValueError(f"unknown statuses in transitions: {sorted(unknown)}")

    def allowed_targets(self, current: str) -> frozenset[str]:
        return self.transitions.get(current, frozenset())

    def check(self, current: str, target: str) -> None:
        if target not in self.allowed_targets(current):
            raise TransitionNotAllowed(current=self.choices(current).label, target=self.choices(target).label)

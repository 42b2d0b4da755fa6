"""Personal data, declared once on the model that holds it.

    class HardshipHousehold(...):
        personal_data = PersonalData(
            masked={"head_id_number": mask_id_number, "phone": mask_phone},
            hidden={"head_id_hash"},
            reveal={"head_id_number": "ledgers.reveal_hardshiphousehold"},
        )

- `masked`: shown only masked everywhere (lists, exports, API, change history, audit trail);
- `hidden`: never shown at all outside the record's own form (health notes, keyed search
  hashes): "***" in the history and the audit trail;
- `personal`: personal data shown in clear to whoever may see the record (names, addresses,
  case text), and never outside it;
- `reveal`: the fields whose full value a user may see once, with the named permission (checked
  against the record's region), each read recorded first (`audit.services.audit_sensitive_read`).

The audit trail, the change history, serializers, exports and the leak scan read this, so a new
personal field is declared here and nowhere else. `tests/security/test_leak_scan.py` fails when an
encrypted column or its search hash is not declared.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

HIDDEN_VALUE = "***"


@dataclass(frozen=True)
class PersonalData:
    masked: dict[str, Callable[[str], str]] = field(default_factory=dict)
    hidden: frozenset[str] | set[str] = frozenset()
    reveal: dict[str, str] = field(default_factory=dict)
    # Personal but shown in clear to those who may see the record (names, addresses, case text).
    personal: frozenset[str] | set[str] = frozenset()

    @property
    def fields(self) -> set[str]:
        """Every personal field: masked, hidden or shown in scope."""
        return set(self.masked) | set(self.hidden) | set(self.personal)

    def safe(self, name: str, value):
        """The value as it may be shown or recorded outside the record: masked, hidden or as is."""
        if value in (None, ""):
            return value
        if name in self.masked:
            return self.masked[name](str(value))
        if name in self.hidden:
            return HIDDEN_VALUE
        return value

    def mask(self, name: str, value) -> str:
        """The masked text of a masked field, "" for an empty value."""
        return self.masked[name](str(value)) if value else ""

    def reveal_permission(self, name: str) -> str | None:
        return self.reveal.get(name)


NO_PERSONAL_DATA = PersonalData()


def personal_data_of(model_or_instance) -> PersonalData:
    return getattr(model_or_instance, "personal_data", None) or NO_PERSONAL_DATA


@lru_cache(maxsize=1)
def personal_data_by_name() -> PersonalData:
    """Every model's declarations merged by field name, for code that sees a field name without its
    model (a change dict). A name that one model masks and another hides is hidden."""
    from django.apps import apps

    masked, hidden, reveal, personal = {}, set(), {}, set()
    for model in apps.get_models():
        spec = getattr(model, "personal_data", None)
        if spec is None:
            continue
        masked.update(spec.masked)
        hidden |= set(spec.hidden)
        reveal.update(spec.reveal)
        personal |= set(spec.personal)
    for name in hidden:
        masked.pop(name, None)
    return PersonalData(masked=masked, hidden=frozenset(hidden), reveal=reveal, personal=frozenset(personal))

"""The workbench (工作台): a registry of cards, like the metric registry.

Each app contributes cards in its `workbench.py`, registered from its `AppConfig.ready()`:

    from core.workbench import Card, CardItem, register

    def _my_cases(user):
        qs = restrict(Petition.objects.all(), user, "view")  # always scoped
        return [CardItem(_("已超期"), bounded_count(qs.overdue()), reverse(...) + "?overdue=1", tone="danger")]

    register(Card(key="petitions.mine", title=_("我的包案"), permission="petitions.view_petition",
                  items=_my_cases, order=20))

A card is shown to a user who holds `permission` somewhere (a post whose role grants it, or
superuser); `applies(user)` can narrow it further (for example: only users who own cases).
Its items are computed per request: each must be scoped through `regions.scoping` and bounded
(`core.paginator.bounded_count`), so a card costs a bounded number of queries whatever the
region's size. The home page renders `cards_for(user)` in `order`, and never needs editing when
an app adds a card.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from core.paginator import count_cap


@dataclass(frozen=True)
class CardItem:
    """One line of a card: a label, a bounded count and where it leads."""

    label: str
    count: int
    url: str = ""
    tone: str = "secondary"  # Bootstrap colour: danger (overdue), warning (due soon), info, success, secondary
    help: str = ""  # the definition, shown as the line's title
    text: str = ""  # shown instead of the count: a rate, an amount, a time ("92.9%", "数据截至 …")

    @property
    def over_cap(self) -> bool:
        return self.count > count_cap()

    @property
    def display(self) -> str:
        if self.text:
            return self.text
        cap = count_cap()
        return f"{cap:,}+" if self.count > cap else f"{self.count:,}"


@dataclass(frozen=True)
class Card:
    key: str
    title: str
    permission: str | None  # None: every signed-in user (narrow it with `applies`, e.g. case owners)
    items: Callable[[object], list[CardItem]]
    order: int = 100
    icon: str = "card-checklist"
    applies: Callable[[object], bool] | None = field(default=None)


_REGISTRY: dict[str, Card] = {}


def register(card: Card) -> Card:
    """Add `card` (a second registration under the same key replaces the first: reloads stay idempotent)."""
    _REGISTRY[card.key] = card
    return card


def registered() -> list[Card]:
    return sorted(_REGISTRY.values(), key=lambda card: (card.order, card.key))


@dataclass(frozen=True)
class RenderedCard:
    card: Card
    items: list[CardItem]


def cards_for(user) -> list[RenderedCard]:
    """The cards `user` may see, with their items computed (scoped, bounded) for this request."""
    shown = []
    for card in registered():
        if card.permission and not user.has_perm(card.permission):
            continue
        if card.applies is not None and not card.applies(user):
            continue
        shown.append(RenderedCard(card=card, items=list(card.items(user))))
    return shown

"""The metric registry: the one place that defines every figure the dashboards, exports and the
API show.

A metric has a key, a Chinese label (English comes from the translation catalogue), the exact
definition shown beside the number, its source and its unit. Three kinds:

- stored: an integer count or sum computed per village from a source table and rolled up by
  code prefix into the summary table (a `Fact` says how, in SQL over one row);
- sum: the sum of stored metrics ("problems registered" = appeals + stability matters);
- rate: numerator / denominator, both sums of stored metrics, derived when read (never stored,
  so every level adds up exactly).

Sources are pluggable: a source (the ledgers now; petitions and pairings later) registers its
facts, metrics and breakdowns with `register(Source(...))` from a module listed in the
REPORTS_SOURCES setting. The refresh, the change-log triggers, the dashboards and the API pick
them up from here.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from importlib import import_module

from django.conf import settings
from django.utils.functional import lazy

from reports.choices import Unit

DEFAULT_SOURCES = ("reports.sources.ledgers", "pairings.metrics", "community.metrics", "petitions.metrics")
_KEY = re.compile(r"^[a-z][a-z0-9_.]*$")


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    definition: str
    unit: str = Unit.COUNT
    source: str = ""
    # Derived metrics: a sum of stored metrics, or a rate numerator / denominator.
    parts: tuple[str, ...] = ()
    numerator: tuple[str, ...] = ()
    denominator: tuple[str, ...] = ()
    # Stored metrics: kept per month (from township level up), and whether a breakdown member
    # (breakdown members are kept from township level up, not per village).
    monthly: bool = False
    breakdown: str = ""

    @property
    def is_rate(self) -> bool:
        return bool(self.denominator)

    @property
    def is_stored(self) -> bool:
        return not self.parts and not self.denominator

    @property
    def stored_keys(self) -> tuple[str, ...]:
        """The stored metrics this one is computed from."""
        if self.is_stored:
            return (self.key,)
        return tuple(dict.fromkeys((*self.parts, *self.numerator, *self.denominator)))


@dataclass(frozen=True)
class Breakdown:
    """A set of stored metrics that split one total by category, status, type, risk level ..."""

    key: str
    label: str
    metrics: tuple[str, ...]
    source: str = ""


@dataclass(frozen=True)
class Parent:
    """The row a fact's region (and perhaps period or conditions) comes from, e.g. a rating's appeal."""

    model: str  # "app_label.ModelName"
    fk: str  # the fact table's column pointing at the parent's id
    columns: tuple[str, ...]  # the parent's columns the fact reads (besides id)


@dataclass(frozen=True)
class Fact:
    """A source table whose rows add to stored metrics.

    SQL snippets read the fact row as `t` and its parent row as `p`. `period` and each measure
    are functions of a `reports.sql.Dialect`, so one definition serves the full refresh, the
    change-log triggers of every database, and the tests.
    """

    key: str
    model: str  # "app_label.ModelName"
    columns: tuple[str, ...]  # the fact table's columns the SQL reads (besides id)
    region: str  # SQL giving the village (or township) code
    period: Callable  # dialect -> SQL giving "YYYY-MM"
    measures: tuple[tuple[str, Callable], ...]  # (metric key, dialect -> SQL integer value)
    parent: Parent | None = None
    source: str = ""


@dataclass
class Source:
    key: str
    label: str
    facts: list[Fact] = field(default_factory=list)
    metrics: list[Metric] = field(default_factory=list)
    breakdowns: list[Breakdown] = field(default_factory=list)
    # The figures the dashboard shows for this source in a section of its own (under `label`); the
    # ledgers' figures have the dashboard's fixed top sections instead (reports.selectors.HEADLINE).
    headline: tuple[str, ...] = ()


@dataclass(frozen=True)
class Figure:
    """A metric's value for one region and period, with what it was computed from."""

    metric: Metric
    value: int | Decimal | None
    numerator: int | None = None
    denominator: int | None = None

    @property
    def percent(self) -> Decimal | None:
        if self.value is None or not self.metric.is_rate:
            return None
        return (Decimal(self.value) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


class Registry:
    def __init__(self):
        self.sources: dict[str, Source] = {}
        self.metrics: dict[str, Metric] = {}
        self.breakdowns: dict[str, Breakdown] = {}
        self.facts: dict[str, Fact] = {}
        # Bumped on every (un)registration: part of the dashboards' cache key.
        self.version = 0
        self._digests: dict[tuple, str] = {}

    def register(self, source: Source) -> None:
        """Add a source's facts, metrics and breakdowns; registering the same key again replaces it."""
        self.unregister(source.key)
        self.version += 1
        for metric in source.metrics:
            if not _KEY.match(metric.key):
                raise ValueError(f"bad metric key {metric.key!r}")
            if metric.key in self.metrics:
                raise ValueError(f"metric {metric.key!r} registered twice")
        self.sources[source.key] = source
        for metric in source.metrics:
            self.metrics[metric.key] = metric
        for breakdown in source.breakdowns:
            self.breakdowns[breakdown.key] = breakdown
        for fact in source.facts:
            self.facts[fact.key] = fact
        self.check()

    def unregister(self, key: str) -> None:
        source = self.sources.pop(key, None)
        if source is None:
            return
        self.version += 1
        for metric in source.metrics:
            self.metrics.pop(metric.key, None)
        for breakdown in source.breakdowns:
            self.breakdowns.pop(breakdown.key, None)
        for fact in source.facts:
            self.facts.pop(fact.key, None)

    def check(self) -> None:
        measured = {key for fact in self.facts.values() for key, _sql in fact.measures}
        for metric in self.metrics.values():
            missing = [k for k in metric.stored_keys if k not in self.metrics or not self.metrics[k].is_stored]
            if missing:
                raise ValueError(f"metric {metric.key!r} is built from unknown stored metrics {missing}")
            if metric.is_stored and metric.key not in measured:
                raise ValueError(f"stored metric {metric.key!r} has no fact measuring it")
        for source in self.sources.values():
            unknown = [k for k in source.headline if k not in self.metrics]
            if unknown:
                raise ValueError(f"source {source.key!r} shows unknown metrics {unknown}")
        for breakdown in self.breakdowns.values():
            unknown = [k for k in breakdown.metrics if k not in self.metrics]
            if unknown:
                raise ValueError(f"breakdown {breakdown.key!r} names unknown metrics {unknown}")

    def digest(self) -> str:
        """A short digest of the metrics and breakdowns as registered (keys, formulas, units and
        labels in the active language): part of the dashboards' cache key, so a deployment that
        changes a definition never shows figures rendered from the old one."""
        from django.utils.translation import get_language

        cache_key = (self.version, get_language())
        found = self._digests.get(cache_key)
        if found is None:
            parts = [
                f"{m.key}|{m.label}|{m.definition}|{m.unit}|{m.parts}|{m.numerator}|{m.denominator}|{m.monthly}"
                for m in self.metrics.values()
            ]
            parts += [f"{b.key}|{b.label}|{b.metrics}" for b in self.breakdowns.values()]
            parts += [f"{s.key}|{s.label}|{s.headline}" for s in self.sources.values()]
            found = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]
            self._digests[cache_key] = found
        return found

    def stored(self) -> list[Metric]:
        return [m for m in self.metrics.values() if m.is_stored]

    def get(self, key: str) -> Metric:
        return self.metrics[key]


registry = Registry()


def _percent_format(template, params) -> str:
    return str(template) % {key: str(value) for key, value in params.items()}


# A translatable template filled in lazily ("状态为“%(choice)s”的…"), so labels follow the language.
percent_format_lazy = lazy(_percent_format, str)


def choice_metrics(prefix: str, choices, definition, *, source: str, breakdown: str | None = None) -> list[Metric]:
    """One count metric per choice (`prefix.value`), labelled by the choice, defined by filling
    `definition`'s %(choice)s: the members of a breakdown (named `prefix` unless given)."""
    return [
        Metric(
            f"{prefix}.{value}",
            label,
            percent_format_lazy(definition, {"choice": label}),
            source=source,
            breakdown=breakdown or prefix,
        )
        for value, label in choices.choices
    ]


_loaded = False


def load_sources() -> Registry:
    """Import the modules of REPORTS_SOURCES once; each registers its source."""
    global _loaded
    if not _loaded:
        for dotted in getattr(settings, "REPORTS_SOURCES", DEFAULT_SOURCES):
            import_module(dotted)
        _loaded = True
    return registry


def register(source: Source) -> None:
    registry.register(source)


def get_metric(key: str) -> Metric:
    return load_sources().get(key)


def all_metrics() -> list[Metric]:
    return list(load_sources().metrics.values())


def figure(metric: Metric, values: dict[str, int]) -> Figure:
    """The metric's figure from stored values ({stored key: value}; a missing key is 0).

    A rate with a zero denominator has no value (shown as "—"), never 0% or 100%.
    """
    if metric.is_stored:
        return Figure(metric, int(values.get(metric.key, 0)))
    if metric.parts:
        return Figure(metric, sum(int(values.get(k, 0)) for k in metric.parts))
    numerator = sum(int(values.get(k, 0)) for k in metric.numerator)
    denominator = sum(int(values.get(k, 0)) for k in metric.denominator)
    value = Decimal(numerator) / Decimal(denominator) if denominator else None
    return Figure(metric, value, numerator, denominator)


def stored_keys_for(metrics: Iterable[Metric]) -> list[str]:
    return list(dict.fromkeys(key for metric in metrics for key in metric.stored_keys))

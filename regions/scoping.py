"""Jurisdiction: the one mechanism that decides which records a user may see or change.

Every scoped model declares once, with `scoping = ScopeSpec(...)`, which field leads to its
region (a village or township `Region`; for `Region` itself, its own code). A user acts
through posts (role + region); a post whose role grants a permission reaches every record
whose region code starts with the post's region code: one indexed prefix lookup.

Entry points use it through:
- `restrict(queryset, user, action)` — selectors, forms, filters, admin;
- `ScopedViewMixin` (HTML views) and `ScopedViewSetMixin` (API viewsets);
- `ensure(user, action, obj)` / `ensure_region(user, permission, code)` — services, before they write;
- `PostPermissionBackend` — `user.has_perm(perm, obj)` for templates, admin and DRF.

Nothing else filters by jurisdiction by hand; `tests/test_conventions.py` enforces that.
Out-of-scope objects answer 404 (they are not in the queryset the view reads from).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from core.exceptions import OutOfScope


@dataclass(frozen=True)
class ScopeSpec:
    # Path to the Region foreign key ("village", "household__village"); None: the model is Region,
    # or (with `code_field`) it carries a plain region code column instead of a foreign key.
    region_field: str | None
    # Fields naming users who may also view the record whatever their posts (case owners, paired cadres).
    owner_fields: tuple[str, ...] = field(default_factory=tuple)
    # A division-code column holding the region (audit events, summaries): scoped by prefix, no join.
    code_field: str | None = None
    # Fields naming users who must never see the record, whatever their posts or ownership (the
    # officials an accusation names, art. 30 §3 of the petition regulation). Applied by `restrict`
    # to every user, superusers included, and by `can`.
    exclude_fields: tuple[str, ...] = field(default_factory=tuple)


# Exclusions other apps add to a model they do not own: {model: [fn(user) -> Q of rows to hide]}
# (the petitions app hides a confidential case's audit events from the officials it names).
_EXCLUSIONS: dict = {}


# Reaches other apps add to a model: {model: [fn(user) -> Q of rows it may also view, or None]}: rows
# a user sees beyond their posts and owner fields (a unit's leader sees the unit's cadres' pairs).
_REACHES: dict = {}


def register_reach(model, reach) -> None:
    """`reach(user)` returns a Q of `model` rows `user` may also view (or None): OR-ed into
    `scope_q` for "view", and answered by `is_owner` (so `can(user, "view", obj)` agrees)."""
    handlers = _REACHES.setdefault(model, [])
    if reach not in handlers:
        handlers.append(reach)


def extra_reach(model, user) -> Q | None:
    condition = None
    for reach in _REACHES.get(model, ()):
        found = reach(user)
        if found is not None:
            condition = found if condition is None else condition | found
    return condition


def register_exclusion(model, exclusion) -> None:
    """`exclusion(user)` returns a Q of `model` rows `user` must never see (or None)."""
    handlers = _EXCLUSIONS.setdefault(model, [])
    if exclusion not in handlers:
        handlers.append(exclusion)


def is_scoped_model(model) -> bool:
    return isinstance(getattr(model, "scoping", None), ScopeSpec)


def permission_name(model, action: str) -> str:
    """ "view" on ledgers.LivelihoodAppeal -> "ledgers.view_livelihoodappeal"; dotted names pass through."""
    if "." in action:
        return action
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def user_posts(user) -> list:
    """The user's active posts, read once per user object (that is, once per request)."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_jiceng_posts", None)
    if cached is None:
        from regions.models import Post

        cached = list(Post.objects.active().filter(user_id=user.pk).select_related("region"))
        user._jiceng_posts = cached
    return cached


def collapse_prefixes(codes) -> list[str]:
    """Drop codes covered by a shorter one: {"5101", "510104"} -> ["5101"]."""
    kept: list[str] = []
    for code in sorted(set(codes), key=lambda c: (len(c), c)):
        if not any(code.startswith(prefix) for prefix in kept):
            kept.append(code)
    return sorted(kept)


def scope_prefixes(user, permission: str) -> list[str] | None:
    """Region code prefixes where `user` holds `permission`; None means everywhere (superuser)."""
    from regions.roles import role_grants

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if user.is_superuser:
        return None
    return collapse_prefixes(post.region_id for post in user_posts(user) if role_grants(post.role, permission))


def region_lookup(model) -> str:
    spec = model.scoping
    if spec.code_field:
        return f"{spec.code_field}__startswith"
    # "<fk>__code__startswith" compiles to "<fk>_id LIKE 'prefix%'": Region's pk is its code, so no join.
    return f"{spec.region_field}__code__startswith" if spec.region_field else "code__startswith"


def scope_q(model, user, action: str = "view", *, within: str | None = None) -> Q | None:
    """The filter for what `user` may reach; None means unrestricted. An empty match is Q(pk__in=[]).

    `within` (a region code) narrows it to that region's subtree as well. The scope and the
    subtree are intersected here, so the database sees each prefix once: a scope root that covers
    the region gives the region's own prefix alone, roots inside it stay, others drop out. (The
    same prefix twice, `LIKE '5101%' AND LIKE '5101%'`, made PostgreSQL square its selectivity
    and choose a bitmap scan of every appeal of the prefecture for a ten-row list.)"""
    prefixes = scope_prefixes(user, permission_name(model, action))
    lookup = region_lookup(model)
    if within is not None:
        if prefixes is None or any(within.startswith(prefix) for prefix in prefixes):
            # The whole subtree is in scope: its records, the user's own among them.
            return Q(**{lookup: within})
        prefixes = [prefix for prefix in prefixes if prefix.startswith(within)]
    elif prefixes is None:
        return None
    condition = Q(pk__in=[])
    for prefix in prefixes:
        condition |= Q(**{lookup: prefix})
    if action == "view" and getattr(user, "is_authenticated", False):
        for owner_field in model.scoping.owner_fields:
            if "__" in owner_field:
                # Across a relation (possibly to-many): the ids, read first (one owns tens of rows),
                # so no row is repeated by a join, and the region prefix keeps its index: with an
                # `OR pk IN (subquery)` PostgreSQL scanned the whole table (a prefecture's petition
                # count: 50 ms → 200 ms at 100,000 cases). Nobody's rows: no clause at all.
                owned_ids = list(model._default_manager.filter(**{owner_field: user}).values_list("pk", flat=True))
                if not owned_ids:
                    continue
                owned = Q(pk__in=sorted(set(owned_ids)))
            else:
                owned = Q(**{owner_field: user})
            condition |= owned & Q(**{lookup: within}) if within is not None else owned
        reach = extra_reach(model, user)
        if reach is not None:
            condition |= reach & Q(**{lookup: within}) if within is not None else reach
    return condition


def exclude_hidden(queryset, user):
    """Drop the rows `user` must never see (ScopeSpec.exclude_fields and registered exclusions)."""
    model = queryset.model
    for exclude_field in model.scoping.exclude_fields:
        if "__" in exclude_field:
            # Across a relation: the hidden ids, read first (an official is named in a few cases),
            # as for the owners above: with `NOT EXISTS (…)` per row, a prefecture's petition count
            # ran an anti-join over its 8,700 cases and no index-only scan (10 ms → 1 ms).
            hidden_ids = model._default_manager.filter(**{exclude_field: user}).order_by().values_list("pk", flat=True)
            hidden_ids = sorted(set(hidden_ids))
            if hidden_ids:
                queryset = queryset.exclude(pk__in=hidden_ids)
        else:
            queryset = queryset.exclude(**{exclude_field: user})
    for exclusion in _EXCLUSIONS.get(model, ()):
        hidden = exclusion(user)
        if hidden is not None:
            queryset = queryset.exclude(hidden)
    return queryset


def is_excluded(user, obj) -> bool:
    """True when `obj` is hidden from `user` by its ScopeSpec.exclude_fields (or an exclusion)."""
    model = type(obj)
    if not is_scoped_model(model) or not getattr(user, "is_authenticated", False):
        return False
    # One query about this object alone (exclude_hidden reads the hidden ids of a whole list first).
    hidden = Q()
    for exclude_field in model.scoping.exclude_fields:
        hidden |= Q(**{exclude_field: user})
    for exclusion in _EXCLUSIONS.get(model, ()):
        condition = exclusion(user)
        if condition is not None:
            hidden |= condition
    if not hidden:
        return False
    return model._default_manager.filter(hidden, pk=obj.pk).exists()


def restrict(queryset, user, action: str = "view", *, within: str | None = None):
    """Narrow `queryset` to the rows `user` may `action` ("view", "change", or a dotted permission),
    and, with `within` (a region code), to that region's subtree (see `scope_q`)."""
    model = queryset.model
    if not is_scoped_model(model):
        raise TypeError(f"{model.__name__} declares no scoping")
    if not getattr(user, "is_authenticated", False):
        return queryset.none()
    condition = scope_q(model, user, action, within=within)
    queryset = queryset if condition is None else queryset.filter(condition)
    return exclude_hidden(queryset, user)


def region_code_of(obj) -> str | None:
    spec = obj.scoping
    if spec.code_field:
        return getattr(obj, spec.code_field) or None
    if spec.region_field is None:
        return obj.pk
    target = obj
    *path, last = spec.region_field.split("__")
    for step in path:
        target = getattr(target, step, None)
        if target is None:
            return None
    return getattr(target, f"{last}_id", None)


def is_owner(user, obj) -> bool:
    for owner_field in obj.scoping.owner_fields:
        target = obj
        steps = owner_field.split("__")
        for index, step in enumerate(steps):
            target = getattr(target, step, None)
            if hasattr(target, "filter") and hasattr(target, "model"):  # a to-many relation's manager
                rest = "__".join(steps[index + 1 :]) or "pk"
                target = user if target.filter(**{rest: user}).exists() else None
                break
        if target is not None and getattr(target, "pk", target) == user.pk:
            return True
    reach = extra_reach(type(obj), user)
    return reach is not None and type(obj)._default_manager.filter(reach, pk=obj.pk).exists()


def can(user, action: str, obj) -> bool:
    if is_excluded(user, obj):
        return False
    permission = permission_name(type(obj), action)
    return user.has_perm(permission, obj)


def can_at_region(user, permission: str, region_code: str) -> bool:
    prefixes = scope_prefixes(user, permission)
    return prefixes is None or any(region_code.startswith(prefix) for prefix in prefixes)


def ensure(user, action: str, obj) -> None:
    """Services call this before they write: out of scope or not permitted raises OutOfScope."""
    if not can(user, action, obj):
        raise OutOfScope()


def ensure_region(user, permission: str, region_code: str) -> None:
    if not can_at_region(user, permission, region_code):
        raise OutOfScope()


class ScopedViewMixin:
    """For Django class-based views: the queryset is restricted to what the user may view.

    Objects outside it answer 404. Views that write set `required_action` ("change", ...):
    a visible object the user may not change answers 403.
    """

    scope_action = "view"
    required_action: str | None = None

    def get_queryset(self):
        parent = super()
        base = parent.get_queryset() if hasattr(parent, "get_queryset") else self.model._default_manager.all()
        return restrict(base, self.request.user, self.scope_action)

    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        if self.required_action and not can(self.request.user, self.required_action, obj):
            raise PermissionDenied
        return obj


class ScopedViewSetMixin:
    """For DRF viewsets: reads are restricted to what the user may view (else 404); writes
    additionally need the action's permission on the object (else 403).

    A viewset whose app has a selector names it (`selector = appeal_list`): reads then go through
    it, the one read path pages and exports use too (it restricts, then fetches related rows).
    `queryset` stays as the declaration of the model (schema, router, permissions)."""

    scope_action = "view"
    # `<entity>_list(*, user)` returning a restricted queryset or `(filterset, queryset)`.
    selector = None

    def get_queryset(self):
        selector = type(self).selector
        if selector is not None and self.scope_action == "view":
            result = selector(user=self.request.user)
            return result[1] if isinstance(result, tuple) else result
        return restrict(super().get_queryset(), self.request.user, self.scope_action)

"""Conventions that keep scoping in one place. Each fails when new code bypasses it."""

import re
from pathlib import Path

from django.apps import apps
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver

from regions.admin import ScopedAdminMixin
from regions.scoping import is_scoped_model

ROOT = Path(__file__).resolve().parent.parent
PROJECT_APPS = {"core", "accounts", "regions", "ledgers", "petitions", "pairings", "reports", "audit", "community"}
# Views that are reached without signing in and read by a signed token instead of by scope.
PUBLIC_VIEWS = {"PublicDisclosureView", "PublicRatingView", "PublicNoticeView"}


def _walk(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            yield pattern.callback


def _view_class(callback):
    return getattr(callback, "view_class", None) or getattr(callback, "cls", None)


def _models_read_by(view_class):
    found = []
    model = getattr(view_class, "model", None)
    if model is not None:
        found.append(model)
    queryset = getattr(view_class, "queryset", None)
    if queryset is not None:
        found.append(queryset.model)
    serializer = getattr(view_class, "serializer_class", None)
    meta = getattr(serializer, "Meta", None)
    if meta is not None and getattr(meta, "model", None) is not None:
        found.append(meta.model)
    return found


def project_view_classes():
    classes = set()
    for callback in _walk(get_resolver().url_patterns):
        view_class = _view_class(callback)
        if view_class is not None and view_class.__module__.split(".")[0] in PROJECT_APPS:
            classes.add(view_class)
    return classes


def _read_queryset(view_class, user):
    """The queryset a view or viewset reads its rows from, for `user`, as the view builds it: its
    selector (`selector = appeal_list`), else its `get_queryset()`. None when it has neither."""
    from django.test import RequestFactory
    from rest_framework.request import Request
    from rest_framework.views import APIView

    selector = getattr(view_class, "selector", None)
    if selector is not None and not issubclass(view_class, APIView):
        result = selector(user=user)
        return result[1] if isinstance(result, tuple) else result
    if not hasattr(view_class, "get_queryset"):
        return None
    request = RequestFactory().get("/")
    request.user = user
    view = view_class()
    view.setup(request)
    if issubclass(view_class, APIView):
        view.request = Request(request)
        view.request.user = user
        view.action, view.format_kwarg = "list", None
    return view.get_queryset()


def _carries_scope(queryset, prefix: str, user=None) -> bool:
    """The compiled SQL narrows to `prefix` (the user's one post), or matches nothing at all, or
    (for a model with owners: case owners, paired cadres, service members) reads only what `user`
    owns: a user whose post grants no reading of the model still sees their own records."""
    from django.core.exceptions import EmptyResultSet

    if queryset.query.is_empty():
        return True
    try:
        _sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:
        return True
    if any(isinstance(p, str) and p.replace("\\", "").rstrip("%") == prefix for p in params):
        return True
    owner_fields = getattr(getattr(queryset.model, "scoping", None), "owner_fields", ())
    return bool(owner_fields) and user is not None and user.pk in params and not _reads_region_of_anyone(params)


def _reads_region_of_anyone(params) -> bool:
    """A region-code prefix other than the user's own in the SQL would be a read beyond scope."""
    return any(isinstance(p, str) and p.replace("\\", "").rstrip("%").isdigit() for p in params)


def test_every_read_of_a_scoped_model_is_restricted_to_the_users_scope(users, tree):
    """A real check, not a marker class: for users with one narrow post (township staff; a county
    auditor), the queryset each view or viewset reads from (through its selector or its
    `get_queryset()`) must carry that post's region prefix in its SQL, or match nothing. Views that
    read one record through a getter must take it from a selector (`<entity>_get`, which
    restricts); their out-of-scope 404s are in each app's permission-matrix tests."""
    from regions.choices import Role
    from tests.conftest import make_user

    narrow = [
        (users.township_staff, tree.town.code),
        (make_user("countyauditor", Role.AUDITOR, tree.county), tree.county.code),
    ]
    offenders, checked = [], 0
    for view_class in sorted(project_view_classes(), key=lambda c: (c.__module__, c.__name__)):
        if view_class.__name__ in PUBLIC_VIEWS:
            continue
        name = f"{view_class.__module__}.{view_class.__name__}"
        scoped = [m for m in _models_read_by(view_class) if is_scoped_model(m)]
        getter = getattr(view_class, "getter", None)
        if getter is not None and not getter.__module__.endswith("selectors"):
            offenders.append(f"{name} reads one record through {getter.__module__}.{getter.__name__}, not a selector")
        if getattr(view_class, "selector", None) is None and not scoped:
            continue
        for user, prefix in narrow:
            queryset = _read_queryset(view_class, user)
            if queryset is None:
                if getter is None:
                    offenders.append(f"{name} reads {scoped} with neither a selector nor get_queryset()")
                continue
            checked += 1
            if is_scoped_model(queryset.model) and not _carries_scope(queryset, prefix, user):
                offenders.append(f"{name} reads {queryset.model.__name__} beyond {user}'s scope ({prefix})")
    assert offenders == []
    assert checked >= 20  # the check really ran over the ledgers' pages and the API


def test_the_convention_check_finds_real_views():
    names = {cls.__name__ for cls in project_view_classes()}
    assert {"RegionDetailView", "RegionViewSet"} <= names


def test_views_never_query_scoped_models_directly():
    """A view module that writes `Model.objects` for a scoped model bypasses the scope: use a
    selector (which calls `restrict`) or the view mixin instead."""
    scoped_names = [m.__name__ for m in apps.get_models() if is_scoped_model(m)]
    pattern = re.compile(r"\b(" + "|".join(scoped_names) + r")\.(objects|_default_manager)\b")
    offenders = []
    for app in PROJECT_APPS:
        for path in [
            ROOT / app / "views.py",
            *sorted((ROOT / app).glob("views/*.py")),
            ROOT / app / "api" / "views.py",
        ]:
            if not path.exists():
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                # `queryset = Model.objects...` as a class attribute is the base the scope mixin
                # narrows; the test above proves the class has the mixin.
                if pattern.search(line) and "restrict(" not in line and not line.lstrip().startswith("queryset = "):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_admin_of_every_scoped_model_is_scoped():
    offenders = [
        f"{model.__name__}: {type(model_admin).__name__}"
        for model, model_admin in admin.site._registry.items()
        if is_scoped_model(model) and not isinstance(model_admin, ScopedAdminMixin)
    ]
    assert offenders == []

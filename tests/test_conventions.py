"""Conventions that keep scoping in one place. Each fails when new code bypasses it."""

import re
from pathlib import Path

from django.apps import apps
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver

from regions.admin import ScopedAdminMixin
from regions.scoping import ScopedViewMixin, ScopedViewSetMixin, is_scoped_model

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


def test_every_view_reading_a_scoped_model_uses_the_scope_mixin():
    offenders = []
    for view_class in project_view_classes():
        if view_class.__name__ in PUBLIC_VIEWS:
            continue
        for model in _models_read_by(view_class):
            if is_scoped_model(model) and not issubclass(view_class, (ScopedViewMixin, ScopedViewSetMixin)):
                offenders.append(f"{view_class.__module__}.{view_class.__name__} reads {model.__name__}")
    assert offenders == []


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

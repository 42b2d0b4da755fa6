"""/api/v1/: one browsable root listing every endpoint of every app's router.

Each app includes its own `DefaultRouter` at /api/v1/, and each router brings a root view of its own
at the same path: only the first (regions) was ever reached, so the root listed `regions` alone.
This view comes first and reads every router included under /api/v1/, so an app that adds a router
(petitions, pairings, community) appears without an edit here."""

from django.urls import NoReverseMatch, URLResolver, get_resolver
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

API_PREFIX = "api/v1/"


def api_routers() -> list:
    routers = []
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and str(entry.pattern) == API_PREFIX:
            for included in entry.url_patterns:
                router = getattr(getattr(included, "urlconf_module", None), "router", None)
                if router is not None and router not in routers:
                    routers.append(router)
    return routers


class ApiRootView(APIView):
    """Every collection of the API, by name."""

    schema = None  # not an operation of the OpenAPI document (DRF's own root views are not either)

    def get(self, request, format=None):
        links = {}
        for router in api_routers():
            for prefix, _viewset, basename in router.registry:
                try:
                    links[prefix] = reverse(f"{basename}-list", request=request, format=format)
                except NoReverseMatch:
                    continue
        return Response(dict(sorted(links.items())))

from django.conf import settings

from core.navigation import navigation_for


def navigation(request):
    user = getattr(request, "user", None)
    items = navigation_for(user) if user is not None and user.is_authenticated else []
    current = request.path
    for item in items:
        item["active"] = item["url"] != "/" and current.startswith(item["url"]) or item["url"] == current
    return {"nav_items": items, "jiceng_site_name": settings.JICENG_SITE_NAME}

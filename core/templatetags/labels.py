"""Names people read instead of code names: `{{ "ledgers.livelihoodappeal"|model_label }}` is "民生诉求"."""

from django import template
from django.apps import apps

register = template.Library()


@register.filter
def model_label(label_lower: str) -> str:
    """A model's verbose name from "app_label.modelname"; anything else as it is."""
    if not label_lower or "." not in label_lower:
        return label_lower
    try:
        return str(apps.get_model(label_lower)._meta.verbose_name)
    except (LookupError, ValueError):
        return label_lower


@register.filter
def event_object(event) -> str:
    """What an audit event names: a record the trail may not describe is stored as "民生诉求 #12"
    (`audit.services.record_label`); shown as its type in the page's language and its number."""
    repr_ = event.object_repr or ""
    if event.object_type and event.object_id and repr_.endswith(f" #{event.object_id}"):
        return f"{model_label(event.object_type)} #{event.object_id}"
    return repr_


@register.filter
def committee(region) -> str:
    """Who signs for a village or community: "八棵松村村委会" -> "八棵松村村民委员会"."""
    from regions.names import committee_name

    return committee_name(region.name, is_community=region.is_community)


@register.simple_tag
def language_menu() -> list:
    """(code, name) of each language named in itself, as settings.LANGUAGES spells it: Django's
    `get_available_languages` translates the names ("英语" on a Chinese page)."""
    from django.conf import settings

    return list(settings.LANGUAGES)

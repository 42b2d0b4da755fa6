"""Turn service errors into API responses: a refused rule is 400, a stale version 409."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import ConcurrentEditError, OutOfScope, ServiceError


def localised_not_found(exc, context):
    """Django's `get_object_or_404` says "No LivelihoodAppeal matches the given query." in English
    whatever the language: say it in the request's language, as the pages do."""
    message = str(exc.args[0]) if exc.args else ""
    if message and not message.isascii():
        return exc  # already ours, localised
    view = context.get("view")
    model = getattr(getattr(view, "queryset", None), "model", None)
    label = model._meta.verbose_name if model is not None else _("记录")
    lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", None) or "pk"
    pk = (getattr(view, "kwargs", None) or {}).get(lookup, "")
    return Http404(
        _("未找到编号为 %(pk)s 的%(label)s，或它不在您的管辖范围内。") % {"pk": str(pk)[:20], "label": label}
    )


def conflict_response(exc: ServiceError) -> Response:
    """409 with the refusal's message and code: the record changed meanwhile (`concurrent_edit`),
    or its state forbids the transition (`transition_not_allowed`)."""
    return Response({"detail": exc.messages[0], "code": exc.code}, status=status.HTTP_409_CONFLICT)


def exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = localised_not_found(exc, context)
    if isinstance(exc, ConcurrentEditError):
        return conflict_response(exc)
    if isinstance(exc, OutOfScope):
        return Response({"detail": exc.messages[0], "code": "out_of_scope"}, status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            data = {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
        else:
            data = {"detail": [str(m) for m in exc.messages]}
        return Response(data, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)

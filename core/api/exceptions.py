"""Turn service errors into API responses: a refused rule is 400, a stale version 409."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import ConcurrentEditError, OutOfScope


def exception_handler(exc, context):
    if isinstance(exc, ConcurrentEditError):
        return Response({"detail": exc.messages[0], "code": "concurrent_edit"}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, OutOfScope):
        return Response({"detail": exc.messages[0], "code": "out_of_scope"}, status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            data = {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
        else:
            data = {"detail": [str(m) for m in exc.messages]}
        return Response(data, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)

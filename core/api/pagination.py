"""The one API pagination: page numbers over the bounded paginator (core.paginator), for every list
endpoint (the default of REST_FRAMEWORK)."""

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

from core.paginator import BoundedPaginator


class BoundedPagination(PageNumberPagination):
    """Rows are counted up to JICENG_LIST_COUNT_CAP (core.paginator): a province's ledgers or its
    audit trail have hundreds of thousands of rows. `count_capped` says when more match: `count` is
    then the cap and pages end there (narrow the filter, or use the Excel export)."""

    django_paginator_class = BoundedPaginator
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    invalid_page_message = _("页码无效：{page_number}。{message}")

    def get_page_number(self, request, paginator):
        values = request.query_params.getlist(self.page_query_param)
        if len(values) > 1:
            raise ValidationError({self.page_query_param: [_("只能给出一个页码。")]})
        if values and not values[0].strip():
            # `page=` is not page 1: like any other page number that is not one, it is refused.
            raise ValidationError({self.page_query_param: [_("页码应为正整数。")]})
        return super().get_page_number(request, paginator)

    def get_page_size(self, request):
        """Like the filters, a page size that is not a positive whole number is refused (400) rather
        than silently replaced; one above the maximum is capped at it."""
        values = request.query_params.getlist(self.page_size_query_param)
        if not values:
            return self.page_size
        if len(values) != 1 or not values[0].isascii() or not values[0].isdigit() or int(values[0]) < 1:
            message = _("每页条数应为 1 到 %(max)s 之间的整数。") % {"max": self.max_page_size}
            raise ValidationError({self.page_size_query_param: [message]})
        return min(int(values[0]), self.max_page_size)

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        body = response.data
        response.data = {
            "count": body["count"],
            "count_capped": self.page.paginator.truncated,
            **{key: value for key, value in body.items() if key != "count"},
        }
        return response

    def get_paginated_response_schema(self, schema):
        result = super().get_paginated_response_schema(schema)
        properties = result["properties"]
        capped = {
            "type": "boolean",
            "description": "为 true 时符合条件的记录超过上限（默认 10,000 条）：count 为上限，只能翻阅到上限为止。",
        }
        result["properties"] = {"count": properties["count"], "count_capped": capped, **properties}
        result["required"] = [*result.get("required", []), "count_capped"]
        return result

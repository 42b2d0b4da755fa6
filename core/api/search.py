"""Searching a list endpoint by an ID or phone number without putting the number in a URL.

A GET's query string is written to every access log, proxy log and browser history on the way.
So a list endpoint that can search by a personal number (`q` holding an ID number, `id_number`)
refuses one in its query string (400, the number not repeated), and answers the same filters
sent in a POST body at `<list>/search/`: `POST /api/v1/hardship-households/search/` with
`{"id_number": "…"}` (or `{"q": "…", "status": "active"}`) gives the list's page, paging in the
query string (`?page=2`, POST the same body again). The pages do the same with their POSTed
filter form (ledgers.filters.seal_search).
"""

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django_filters import utils
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import UnsupportedMediaType, ValidationError

from core.validators import mask_personal_numbers

NUMBER_IN_URL = _(
    "身份证号、电话号码不能放在网址中（会留在访问日志和浏览历史里）：请用 POST 把筛选条件放在请求正文中，发到本列表的 search/ 地址。"
)
BODY_VALUE = _("应为文本、数字、true/false，或它们的列表。")
BODY_TYPE = _("请求正文应为 JSON 对象，键为筛选条件。")


def holds_personal_number(value: str) -> bool:
    """An ID number (15 or 18 characters, spaces allowed) or a phone number somewhere in `value`."""
    return mask_personal_numbers(value) != value


def body_filters(data) -> QueryDict:
    """A JSON or form body as the query dict a FilterSet reads (a list gives a repeated key)."""
    if isinstance(data, QueryDict):
        return data.copy()
    if not isinstance(data, dict):
        raise ValidationError({"detail": [BODY_TYPE]})
    params = QueryDict(mutable=True)
    for key, value in data.items():
        values = value if isinstance(value, list) else [value]
        if any(isinstance(v, (dict, list)) for v in values):
            raise ValidationError({key: [BODY_VALUE]})
        params.setlist(key, ["" if v is None else str(v).lower() if isinstance(v, bool) else str(v) for v in values])
    return params


class BodySearchMixin:
    """For a list viewset whose FilterSet can search by a personal number: `personal_params` are
    refused in the query string when they hold one (`always_personal`: refused with any value),
    and `search` (POST `<list>/search/`) takes every filter from the body. The viewset reads its
    filters through `filter_params()`."""

    personal_params: tuple[str, ...] = ("q",)
    always_personal: tuple[str, ...] = ()

    def filter_params(self) -> QueryDict:
        if getattr(self, "action", None) == "search":
            if not hasattr(self, "_body_filters"):
                self._body_filters = body_filters(self.request.data)
            return self._body_filters
        return self.request.query_params

    @action(detail=False, methods=["post"], url_path="search")
    def search(self, request, *args, **kwargs):
        """The list's page, the filters read from the body (documented per viewset: search_schema)."""
        return self.list(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        if getattr(self, "action", None) == "search":
            # The body is parsed here, once, for every caller: a session's CSRF check reads it
            # during authentication, a token caller's search later. A body of no or an unknown type
            # is the documented 400 either way (the fuzz run met an undocumented 415).
            try:
                super().initial(request, *args, **kwargs)
                request.data  # noqa: B018 - parse now, inside the try
            except UnsupportedMediaType as exc:
                raise ValidationError({"detail": [BODY_TYPE]}) from exc
            return
        super().initial(request, *args, **kwargs)
        refused = {
            name: [NUMBER_IN_URL]
            for name in self.personal_params
            if any(
                value.strip() and (name in self.always_personal or holds_personal_number(value))
                for value in request.query_params.getlist(name)
            )
        }
        if refused:
            raise ValidationError(refused)


class BodyFilterBackend(DjangoFilterBackend):
    """django-filter's backend reading the view's `filter_params()`: the query string of a list,
    the body of a search."""

    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        if hasattr(view, "filter_params"):
            kwargs["data"] = view.filter_params()
        return kwargs


# The actions whose answer is a filtered list: the only ones a viewset's filters apply to.
LIST_ACTIONS = ("list", "search")


class SelectorFilterBackend(DjangoFilterBackend):
    """The viewset's selector has applied its FilterSet to the request's query (the one read path:
    scope, FilterSet, related rows, as for the pages and the exports); this backend only answers
    400 with its errors, and documents its filters in the schema."""

    def filter_queryset(self, request, queryset, view):
        filterset = getattr(view, "filterset", None)
        if filterset is not None and not filterset.is_valid():
            raise utils.translate_validation(filterset.errors)
        return queryset


def keyword_field(help_text: str, max_length: int = 100):
    """A search body's text filter (`q`, `id_number`) as the schema shows it."""
    return serializers.CharField(required=False, allow_blank=True, max_length=max_length, help_text=help_text)


def search_schema(*, name: str, label: str, item_serializer, fields: dict):
    """The `search` operation's documentation: its body (`fields`, the filters that may hold a
    personal number; every other filter of the list is accepted under its own name) and the
    list's paginated answer."""
    body = type(
        name,
        (serializers.Serializer,),
        {**fields, "__doc__": f"{label}查找条件：{'、'.join(fields)}，以及列表的其他筛选条件（同名同义）。"},
    )
    return extend_schema(
        summary=f"查找{label}（按身份证号等，POST）",
        description=(
            "筛选条件放在请求正文（JSON）中，与列表的筛选参数同名同义；身份证号精确匹配（带空格、全角数字也可）。"
            "答复与列表相同（分页），号码不会回显；翻页用网址中的 page、page_size，并再次提交同样的正文。"
        ),
        request=body,
        responses={200: item_serializer(many=True)},
        filters=False,  # the filters are in the body, not the query string
    )

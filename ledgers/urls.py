from django.urls import path, re_path

from ledgers.views import appeals, households, matters, profiles

app_name = "ledgers"

# Staff pages: list / detail / create / edit / transitions / bulk per ledger (history is on the detail page).
urlpatterns: list = [
    path("appeals/", appeals.LivelihoodAppealListView.as_view(), name="livelihoodappeal_list"),
    path("appeals/new/", appeals.LivelihoodAppealCreateView.as_view(), name="livelihoodappeal_create"),
    path("appeals/bulk/", appeals.LivelihoodAppealBulkView.as_view(), name="livelihoodappeal_bulk"),
    path("appeals/<int:pk>/", appeals.LivelihoodAppealDetailView.as_view(), name="livelihoodappeal_detail"),
    path("appeals/<int:pk>/edit/", appeals.LivelihoodAppealUpdateView.as_view(), name="livelihoodappeal_update"),
    path(
        "appeals/<int:pk>/transition/",
        appeals.LivelihoodAppealTransitionView.as_view(),
        name="livelihoodappeal_transition",
    ),
    path("households/", households.HardshipHouseholdListView.as_view(), name="hardshiphousehold_list"),
    path("households/new/", households.HardshipHouseholdCreateView.as_view(), name="hardshiphousehold_create"),
    path("households/bulk/", households.HardshipHouseholdBulkView.as_view(), name="hardshiphousehold_bulk"),
    path("households/<int:pk>/", households.HardshipHouseholdDetailView.as_view(), name="hardshiphousehold_detail"),
    path(
        "households/<int:pk>/edit/", households.HardshipHouseholdUpdateView.as_view(), name="hardshiphousehold_update"
    ),
    path(
        "households/<int:pk>/transition/",
        households.HardshipHouseholdTransitionView.as_view(),
        name="hardshiphousehold_transition",
    ),
    path(
        "households/<int:pk>/members/new/",
        households.HardshipHouseholdMemberAddView.as_view(),
        name="hardshiphousehold_member_add",
    ),
    path(
        "households/<int:pk>/help/new/",
        households.HardshipHouseholdHelpAddView.as_view(),
        name="hardshiphousehold_help_add",
    ),
    path(
        "households/<int:pk>/reveal/",
        households.HardshipHouseholdRevealView.as_view(),
        name="hardshiphousehold_reveal",
    ),
    path("matters/", matters.StabilityMatterListView.as_view(), name="stabilitymatter_list"),
    path("matters/new/", matters.StabilityMatterCreateView.as_view(), name="stabilitymatter_create"),
    path("matters/bulk/", matters.StabilityMatterBulkView.as_view(), name="stabilitymatter_bulk"),
    path("matters/<int:pk>/", matters.StabilityMatterDetailView.as_view(), name="stabilitymatter_detail"),
    path("matters/<int:pk>/edit/", matters.StabilityMatterUpdateView.as_view(), name="stabilitymatter_update"),
    path(
        "matters/<int:pk>/transition/",
        matters.StabilityMatterTransitionView.as_view(),
        name="stabilitymatter_transition",
    ),
    path("matters/<int:pk>/steps/new/", matters.StabilityMatterStepAddView.as_view(), name="stabilitymatter_step_add"),
    # 作废: a record entered by mistake leaves every list and figure (kept, never deleted).
    path("appeals/<int:pk>/void/", appeals.LivelihoodAppealVoidView.as_view(), name="livelihoodappeal_void"),
    path("households/<int:pk>/void/", households.HardshipHouseholdVoidView.as_view(), name="hardshiphousehold_void"),
    path("matters/<int:pk>/void/", matters.StabilityMatterVoidView.as_view(), name="stabilitymatter_void"),
    path("profiles/", profiles.VillageProfileListView.as_view(), name="villageprofile_list"),
    re_path(
        r"^profiles/(?P<code>\d{2,12})/$", profiles.VillageProfileDetailView.as_view(), name="villageprofile_detail"
    ),
    re_path(
        r"^profiles/(?P<code>\d{2,12})/edit/$",
        profiles.VillageProfileUpdateView.as_view(),
        name="villageprofile_update",
    ),
]

# Import, export and the residents' public pages (disclosure, rating link, notice).
from ledgers.models import ImportKind  # noqa: E402
from ledgers.views import public, transfer  # noqa: E402

for _prefix, _name, _kind in (
    ("appeals", "livelihoodappeal", ImportKind.APPEALS),
    ("households", "hardshiphousehold", ImportKind.HOUSEHOLDS),
    ("matters", "stabilitymatter", ImportKind.MATTERS),
):
    urlpatterns += [
        path(f"{_prefix}/import/", transfer.ImportView.as_view(kind=_kind), name=f"{_name}_import"),
        path(
            f"{_prefix}/import/template/",
            transfer.ImportTemplateView.as_view(kind=_kind),
            name=f"{_name}_import_template",
        ),
        path(f"{_prefix}/export/", transfer.ExportView.as_view(kind=_kind), name=f"{_name}_export"),
    ]
urlpatterns += [
    path("imports/<int:pk>/", transfer.ImportBatchView.as_view(), name="importbatch_detail"),
    path(
        "appeals/<int:pk>/rating-link/",
        public.RatingLinkCreateView.as_view(),
        name="livelihoodappeal_rating_link",
    ),
    path("public/<str:code>/", public.PublicDisclosureView.as_view(), name="public_disclosure"),
    path("public/<str:code>/notice/", public.PublicNoticeView.as_view(), name="public_notice"),
    path("rate/<str:token>/", public.PublicRatingView.as_view(), name="public_rate"),
]

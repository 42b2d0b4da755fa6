from django.urls import path  # noqa: F401

app_name = "ledgers"

# Staff pages: list / detail / create / edit / transitions / bulk / history per ledger.
urlpatterns: list = []

# Import, export and the residents' public pages (disclosure, rating link, notice).
urlpatterns += []

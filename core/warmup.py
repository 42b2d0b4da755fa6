"""What a server process does once, after loading and before serving: build what every request
needs, then move every object alive at that point out of the garbage collector's way.

`gc.freeze()` puts them in the permanent generation: a full collection then scans only what
requests made since, not the ~100,000 objects of the loaded apps, URL patterns and templates (a
full collection over them took about 50 ms, and landed in a request's time: the petitions API's
p95 was 98 ms of CPU at a median of 25). config/wsgi.py calls it in every gunicorn worker; the
bench calls it before timing pages in its own process, so it measures what the server does.

It also collects the youngest generation every 10,000 allocations rather than 700: a list request
makes tens of thousands of short-lived objects, and the default threshold ran several collections
in each, whose survivors then made the older generations' collections land inside requests (the
petitions API's CPU p95 in process 39 → 26 ms at a median of 23; memory grows by a few MB).
"""

import gc


def settle_process() -> None:
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - import every URLconf now, not in the first request
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)

"""A serving process's long-lived objects set aside, so that CPython's full collections skip them.

A worker holds about 170,000 objects the collector tracks once the application is made (the models
and their mappers, the routes, the forms), and about 340,000 once it has served each page once
(compiled templates, the SQL statement cache, the locale data). A full collection walks every one of
them. Under the benchmark mix at 100k cases one came every 150 requests or so and took 190 ms, inside
whichever request happened to allocate at that moment: 6 % of a worker's time, and a request held up
for the length of a dozen pages.

``gc.freeze()`` moves every object alive at that moment into a permanent generation that collections
do not walk. ``settle`` does it twice: when the application is made (after a collection, so nothing
already garbage is kept), and once more after the process's first ``WARM_REQUESTS`` requests, when
the templates and the statement cache have filled in. That second time runs after the response has
gone out (``call_on_close``), so no one waits for it. What becomes garbage later is still collected as
before; only objects alive at those two moments are never walked again, and they live as long as the
process anyway.

Only the serving entry point (``wsgi.py``) calls ``settle``: the test suite makes hundreds of
applications in one process and should not pin each one.
"""

from __future__ import annotations

import gc
import itertools

from flask import Flask

WARM_REQUESTS = 300


def freeze() -> None:
    """Collect what is already garbage, then set aside what is alive."""
    gc.collect()
    gc.freeze()


def settle(app: Flask, warm_requests: int = WARM_REQUESTS) -> None:
    from sqlalchemy.orm import configure_mappers

    configure_mappers()  # done at the first query otherwise: a large share of the long-lived objects
    freeze()
    served = itertools.count(1)  # next() on it is atomic under the GIL: threaded servers count right

    @app.after_request
    def _freeze_once_warm(response):
        if next(served) == warm_requests:
            response.call_on_close(freeze)
        return response

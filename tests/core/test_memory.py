"""The serving process sets its long-lived objects aside from full collections (app/core/memory.py).

Run in a process of its own: ``gc.freeze`` is for the whole process, and the test suite's process
should not have its objects pinned.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from config import BASE_DIR

PROBE = textwrap.dedent(
    """
    import gc, json, os, time
    from app import create_app
    from app.core.memory import settle

    app = create_app("testing")
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    before = gc.get_freeze_count()
    settle(app, warm_requests=3)
    after_start = gc.get_freeze_count()
    client = app.test_client()
    counts = []
    for _ in range(5):
        client.get("/login").close()  # as a server does once the response is sent
        counts.append(gc.get_freeze_count())

    # A full collection walks only what was not set aside: far fewer objects than the process holds.
    walked = []
    gc.callbacks.append(lambda phase, info: walked.append(len(gc.get_objects())) if phase == "start" else None)
    gc.collect()
    import sys; print(json.dumps({"before": before, "after_start": after_start, "counts": counts,
                      "walked": walked[0], "frozen": gc.get_freeze_count()}))
    """
)


def test_settle_sets_aside_what_start_up_and_the_first_requests_leave_alive(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "INSTANCE_PATH": str(tmp_path), "APP_ENV": "testing"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["before"] == 0
    # Start-up: the models, mappers and routes are set aside at once.
    assert figures["after_start"] > 50_000
    counts = figures["counts"]
    # The first two requests set nothing more aside; the third, once its response has gone out,
    # sets aside what the requests loaded (the compiled templates, the locale data); later ones do not.
    # (Objects already set aside may be freed or tracked anew meanwhile: a few dozen either way.)
    assert abs(counts[1] - figures["after_start"]) < 1_000, figures
    assert counts[2] - counts[1] > 200, figures  # the login page alone loads about 600
    assert abs(counts[4] - counts[2]) < 1_000, figures
    # What a full collection still walks is a small part of what the process holds.
    assert figures["walked"] < figures["frozen"] / 5

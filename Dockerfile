# The application's image: gunicorn (web), the one-shot migration, the cron jobs and the test suite
# all run from it (compose.yaml). Debian like the development machines, and set up by the Makefile's
# own targets, so its Debian packages (DEB_PACKAGES) and Python packages are the ones `make test`
# checks on a developer's machine: the two lists cannot drift.
FROM debian:bookworm-slim

ENV DEBIAN_FRONTEND=noninteractive \
    LANG=C.UTF-8 \
    TZ=Asia/Shanghai \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PATH=/app/.venv/bin:$PATH \
    FLASK_APP=wsgi \
    INSTANCE_PATH=/app/instance \
    UPLOAD_FOLDER=/data/uploads \
    GUILE_AUTO_COMPILE=0

WORKDIR /app

# What the image needs beyond DEB_PACKAGES (which bring pg_dump for `backup create`: Debian 12's
# client 15, the server's major version in compose.yaml): make, to run the targets, and mcron, the cron
# daemon of the `cron` service: from Debian, runs in the foreground as the unprivileged user and hands its
# jobs its own environment (compose's), unlike Debian's cron, which must run as root and starts jobs
# with an empty one.
# mcron wants a sendmail for jobs' output (ours go to the container's log instead): msmtp-mta is the
# smallest one, no daemon, where apt would otherwise pick sendmail.
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends make ca-certificates mcron msmtp-mta \
 && rm -rf /var/lib/apt/lists/*

# The Makefile's targets: DEB_PACKAGES (system-deps), then the virtualenv from requirements-dev.txt
# (venv; the test tools too, so that this very image runs the suite). Only these three files are copied
# first, so a change of code does not reinstall the packages.
COPY Makefile requirements.txt requirements-dev.txt ./
RUN make system-deps venv \
 && rm -rf /var/lib/apt/lists/* /root/.cache

COPY . .
# Compiled translations and the gzipped static files (make setup's other steps; db-upgrade is the
# `migrate` service's job at start, against the real database). The code stays root's, read-only to
# the app; only the instance folder (PDF font cache) and the data folders are the app's to write.
RUN make translations static-gz \
 && useradd --uid 10001 --user-group --home-dir /home/ipaid --create-home --shell /usr/sbin/nologin ipaid \
 && mkdir -p /app/instance /data/uploads /backups \
 && chown ipaid:ipaid /app/instance /data/uploads /backups

USER ipaid
VOLUME ["/data/uploads"]
EXPOSE 8000
# Liveness; compose's web service checks readiness (/readyz) instead.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"
CMD ["sh", "-c", "exec gunicorn --bind 0.0.0.0:8000 --workers ${GUNICORN_WORKERS:-4} --timeout ${GUNICORN_TIMEOUT:-60} wsgi:app"]

# The production image: web (gunicorn), worker and beat (Celery) all run from it; see compose.yaml and
# docs/operations.md. Debian bookworm, like the PostgreSQL 15 client it carries for `make backup`.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DEBUG=0 \
    STATIC_ROOT=/app/static \
    WEB_CONCURRENCY=3

# make + the database clients: `make backup` / `make restore` inside the container.
RUN apt-get update \
 && apt-get install -y --no-install-recommends make postgresql-client sqlite3 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 10001 --shell /usr/sbin/nologin caunoi

WORKDIR /app
# Dependencies first, exactly as locked (every file checked against its hash), in their own layer.
COPY requirements.lock ./
RUN pip install --require-hashes --no-deps -r requirements.lock

COPY --chown=caunoi:caunoi . .
RUN mkdir -p /app/var /app/static && chown caunoi:caunoi /app/var /app/static
USER caunoi
# Settings refuse to load with DEBUG=0 without a key and hosts; these exist for this one command only.
RUN SECRET_KEY=collectstatic-at-build-time-only-never-used-to-sign-anything-0123456789 \
    ALLOWED_HOSTS=build.invalid \
    python manage.py collectstatic --noinput -v0 \
 && python -m compileall -q /app

EXPOSE 8000
# Asks /healthz/ as the first allowed host (any other host name is refused with 400).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD \
  python -c "import os, sys, urllib.request as u; h = os.environ['ALLOWED_HOSTS'].split(',')[0].strip(); \
r = u.urlopen(u.Request('http://127.0.0.1:8000/healthz/', headers={'Host': h}), timeout=4); sys.exit(r.status != 200)"
# WEB_CONCURRENCY sets gunicorn's worker processes.
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--timeout", "60", "--graceful-timeout", "30"]

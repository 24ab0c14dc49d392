# jira-sync: every sync pair of a team in one container, supervisord as PID 1.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CONFIG_DIR=/app/config \
    RUNTIME_DIR=/app/runtime \
    HEALTH_HOST=0.0.0.0 \
    HEALTH_PORT=8080

WORKDIR /app

RUN groupadd --system --gid 10001 jirasync \
 && useradd --system --uid 10001 --gid jirasync --home-dir /app --shell /usr/sbin/nologin jirasync

# Dependencies first, from pyproject.toml alone (against an empty package), so a code change
# does not reinstall them. The code itself runs from /app, the working directory.
COPY pyproject.toml README.md ./
RUN mkdir app && touch app/__init__.py \
 && pip install ".[embedded]" \
 && pip uninstall --yes jira-sync \
 && rm -rf app build ./*.egg-info

# The package carries its templates and example config; config/ holds a relative link to the
# example, which resolves inside the image as it does in the repository.
COPY app ./app
COPY jira_sim ./jira_sim
COPY config ./config
COPY entrypoint.py ./
# Byte-compiled here, once: PYTHONDONTWRITEBYTECODE and a read-only /app would otherwise have
# every process compile every module it imports at each start (~0.1 CPU-s per worker, a third of
# the launcher's and the standby's start).
RUN python -m compileall -q app jira_sim entrypoint.py

# The runtime directory (supervisord.conf, its socket, pid file, embedded MongoDB data) belongs
# to the service user. supervisorctl finds the rendered config through these links, so
# `docker exec jira-sync supervisorctl status` works without -c.
RUN mkdir -p /app/runtime \
 && chown jirasync:jirasync /app/runtime \
 && ln -s /app/runtime/supervisord.conf /app/supervisord.conf \
 && ln -s /app/runtime/supervisord.conf /etc/supervisord.conf

USER jirasync

EXPOSE 8080

# Liveness of the bundle's own machinery (health, the lease keeper, the watchdog, supervisord),
# on HEALTH_PORT wherever it is set; per-pair health is GET /health. The compose file's probe is
# the same.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health/live' % os.environ.get('HEALTH_PORT', '8080'), timeout=3)"]

# supervisord stops every program cleanly on SIGTERM (see stop_grace_period in the compose file).
STOPSIGNAL SIGTERM
ENTRYPOINT ["python", "entrypoint.py"]
CMD ["run"]

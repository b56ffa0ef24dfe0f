# ngopas-bot as a container: `docker compose up -d` (see compose.yaml and docs/panduan-operator.md).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A regular (non-editable) install of the package with the exact versions in constraints.txt, without the
# dev extras.  README.md is the package's long description (pyproject.toml's readme).
WORKDIR /opt/ngopas
COPY pyproject.toml constraints.txt README.md ./
COPY bot ./bot
COPY sheets ./sheets
COPY reports ./reports
RUN pip install -c constraints.txt . \
    && useradd --system --uid 10001 --user-group --home-dir /data --create-home ngopas

# Everything the bot writes lives in the /data volume.  The working directory is /, so the relative paths
# of settings.example.env (data/ngopas.db, data/ngopas.xlsx, data) name the same files as these defaults,
# whether or not settings.env keeps those lines.  Settings come from the environment (compose env_file).
ENV NGOPAS_DATABASE_URL=sqlite+aiosqlite:////data/ngopas.db \
    NGOPAS_WORKBOOK_PATH=/data/ngopas.xlsx \
    NGOPAS_DATA_DIR=/data
VOLUME ["/data"]
WORKDIR /
USER ngopas

# Webhook mode listens here when started with `run --webhook https://...` (set NGOPAS_WEBHOOK_LISTEN=0.0.0.0).
EXPOSE 8443
# No HEALTHCHECK: `ngopas doctor` needs Telegram and Google, so it would mark the container unhealthy when
# they are unreachable although the bot is fine and keeps everything queued.  Docker restarts it if it exits.
STOPSIGNAL SIGTERM
ENTRYPOINT ["ngopas"]
CMD ["run"]

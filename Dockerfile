# ngopas-bot as a container: `docker compose up -d` (see compose.yaml and docs/panduan-operator.md).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /opt/ngopas
# Dependencies first (exact versions from constraints.txt), so a code change does not reinstall them.
COPY pyproject.toml constraints.txt README.md ./
COPY bot ./bot
COPY sheets ./sheets
COPY reports ./reports
RUN pip install -c constraints.txt . \
    && useradd --system --uid 10001 --home-dir /data --create-home ngopas

# Database, local workbook and settings live in the volume; settings may also come from the environment.
ENV NGOPAS_DATABASE_URL=sqlite+aiosqlite:////data/ngopas.db \
    NGOPAS_WORKBOOK_PATH=/data/ngopas.xlsx \
    NGOPAS_DATA_DIR=/data
VOLUME ["/data"]
WORKDIR /data
USER ngopas

# Webhook mode listens here when started with `run --webhook https://...` (set NGOPAS_WEBHOOK_LISTEN=0.0.0.0).
EXPOSE 8443
ENTRYPOINT ["ngopas"]
CMD ["run"]

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DATABASE_PATH=/data/qms.sqlite3 \
    BACKUP_DIR=/data/backups \
    LOG_FORMAT=json

WORKDIR /app
# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml README.md ./
COPY bot/__init__.py bot/__init__.py
RUN pip install --no-cache-dir -e .
COPY bot ./bot
COPY locales ./locales
COPY templates ./templates

RUN useradd --create-home --uid 10001 qms && mkdir -p /data && chown qms:qms /data
USER qms
# The database, its WAL files and the nightly backups live here.
VOLUME ["/data"]
# Webhook mode listens here (WEBHOOK_URL set; GET /healthz answers); polling needs no port.
EXPOSE 8080

# Settings valid, database opens, migrates and passes its integrity check.
HEALTHCHECK --interval=5m --timeout=60s --start-period=60s --retries=3 \
    CMD ["python", "-m", "bot", "check", "--offline"]

CMD ["python", "-m", "bot"]

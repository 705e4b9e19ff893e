FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DATABASE_PATH=/data/qms.sqlite3

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
VOLUME ["/data"]
# Webhook mode listens here (WEBHOOK_URL set); polling mode needs no port.
EXPOSE 8080

CMD ["python", "-m", "bot"]

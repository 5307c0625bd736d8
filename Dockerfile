# newsbrief: the Telegram bot in a slim image. Settings come only from environment variables
# (NEWSBRIEF_*; see the README's configuration table). The database lives on the /data volume.
#
#   docker build -t newsbrief .
#   docker run -d --name newsbrief -e NEWSBRIEF_TELEGRAM_TOKEN=123:abc \
#     -e NEWSBRIEF_FEEDS=https://example.com/rss -v newsbrief-data:/data newsbrief
#
# scripts/check-docker-steps.sh runs the pip steps below in a clean venv (CI has no Docker engine):
# keep each `pip install` on one RUN line.

ARG PYTHON_IMAGE=python:3.11-slim

# ---- build: a virtual environment with CPU-only torch and newsbrief -------------------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv
WORKDIR /src
# A current pip first: the image's pip 23 trips over one dependency named with two spellings of
# an extra (lxml[html_clean] and lxml[html-clean], from justext and readability-lxml). Then the
# CPU build of torch (the default wheel pulls in gigabytes of CUDA libraries).
RUN pip install --no-cache-dir --upgrade "pip>=24.1" && pip install --no-cache-dir torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
COPY pyproject.toml README.md ./
COPY config ./config
COPY summarizer ./summarizer
COPY news ./news
COPY bot ./bot
COPY standin ./standin
COPY demo ./demo
RUN pip install --no-cache-dir "./[postgres]"

# ---- runtime: the venv, a non-root user, the database on a volume ---------------------------
FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    HF_HOME=/data/huggingface \
    NEWSBRIEF_DATABASE_URL=sqlite:////data/newsbrief.db
RUN groupadd --system --gid 10001 newsbrief \
    && useradd --system --uid 10001 --gid newsbrief --home-dir /home/newsbrief --create-home \
       --shell /usr/sbin/nologin newsbrief \
    && mkdir -p /data \
    && chown newsbrief:newsbrief /data
COPY --from=build /opt/venv /opt/venv
USER 10001:10001
WORKDIR /home/newsbrief
VOLUME ["/data"]
# Webhook mode only (NEWSBRIEF_WEBHOOK_URL set); polling needs no open port.
EXPOSE 8443
CMD ["newsbrief", "run"]

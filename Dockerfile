# Pinned by digest, so a rebuild starts from the very image CI built from (the multi-platform
# index of python:3.11-slim-bookworm). Bump the tag and the digest together.
FROM python:3.11-slim-bookworm@sha256:b18992999dbe963a45a8a4da40ac2b1975be1a776d939d098c647482bcad5cba

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
RUN useradd --create-home --uid 1000 errata
# ffmpeg/ffprobe probe and transcode uploaded videos (Celery tasks); the font draws the demo's
# title cards; Tesseract reads on-screen text in frames (frame checks, Celery tasks).
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg fonts-dejavu-core \
       tesseract-ocr tesseract-ocr-eng \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, so a code change does not reinstall them: exactly the locked versions,
# each checked against its hash.
COPY requirements/base.lock requirements/base.lock
RUN pip install --require-hashes -r requirements/base.lock

COPY . .
RUN pip install --no-deps . \
    && SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && mkdir -p /app/media && chown -R errata:errata /app/media

USER errata
EXPOSE 8000
# The readiness probe answers whatever the Host header (ALLOWED_HOSTS does not apply to it).
# Worker and beat containers run the same image and set their own check (docker-compose.yml).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz/ready', timeout=4)"]
# gunicorn's settings are in gunicorn.conf.py (read from the working directory).
CMD ["gunicorn", "reviewapp.wsgi:application"]

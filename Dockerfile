FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
RUN useradd --create-home --uid 1000 errata
# ffmpeg/ffprobe probe and transcode uploaded videos (Celery tasks); the font draws the demo's
# title cards.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml ./
RUN mkdir -p errata reviewapp && touch errata/__init__.py reviewapp/__init__.py \
    && pip install . && pip uninstall -y errata

COPY . .
RUN pip install --no-deps . \
    && SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && mkdir -p /app/media && chown -R errata:errata /app/media

USER errata
EXPOSE 8000
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "reviewapp.wsgi:application"]

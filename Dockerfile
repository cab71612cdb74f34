# CADM clinical decision support: one image for web (gunicorn), Celery worker and beat.
# Build: docker build -t cadm .   (docker-compose.yml builds it for every app service)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MPLCONFIGDIR=/tmp/matplotlib

WORKDIR /app

# Unprivileged runtime user; the code and collected static files stay owned by root (read-only
# for the app).
RUN groupadd --system --gid 10001 cadm \
    && useradd --system --uid 10001 --gid cadm --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin cadm

# Dependencies first, so code changes do not reinstall them (psycopg[binary] needs no libpq).
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Collect static files into STATIC_ROOT (staticfiles/) for whitenoise. The key is a throwaway
# used only for this build step; the real one comes from the environment at run time.
RUN SECRET_KEY=build-only-not-a-secret DEBUG=False \
    python manage.py collectstatic --noinput

USER cadm

EXPOSE 8000

CMD ["gunicorn", "cadm.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", \
     "--access-logfile", "-", "--error-logfile", "-"]

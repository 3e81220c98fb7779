FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
RUN SECRET_KEY=build python manage.py collectstatic --noinput
# Arbsite runs as its own unprivileged user, which may write to var/ only (and /tmp).
RUN useradd --system --uid 10001 --no-create-home --home-dir /app --shell /usr/sbin/nologin arbsite \
    && chown -R arbsite:arbsite var
USER arbsite
EXPOSE 8000
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "arbsite.asgi:application"]

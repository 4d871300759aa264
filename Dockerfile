# drillbot: slim runtime image, no dev extras, runs as a non-root user.
#   docker build -t drillbot .
#   docker run --env-file .env -p 3000:3000 drillbot
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
COPY bot ./bot
COPY adapters ./adapters
COPY bank ./bank
COPY scoring ./scoring
COPY migrations ./migrations
COPY bench ./bench
RUN python -m pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
COPY --from=build /install /usr/local
RUN useradd --create-home --uid 10001 drillbot
USER drillbot
WORKDIR /home/drillbot
ENV PYTHONUNBUFFERED=1 DRILLBOT_LOG_JSON=1
# /healthz and /readyz (and Slack's Events API in HTTP mode) on this port.
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=4)"]
CMD ["drillbot", "run", "--port", "3000"]

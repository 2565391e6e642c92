# TagWorker: the worker and its review site in one container. linux/amd64 and linux/arm64.
#   docker build -t tagworker .                       (models fetched into /models at first start)
#   docker build --build-arg BAKE_MODELS=1 -t tagworker .   (models from ./models baked in: run scripts/setup first)

# 1. Build.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig TagWorker.sln ./
COPY src/TagWorker/TagWorker.csproj src/TagWorker/
RUN dotnet restore src/TagWorker/TagWorker.csproj
COPY config/ config/
COPY src/ src/
RUN dotnet publish src/TagWorker/TagWorker.csproj -c Release --no-restore -o /app

# 2. Run: the ASP.NET runtime on Debian, libvips and exiftool from Debian. No SDK, no build tools, no npm.
FROM mcr.microsoft.com/dotnet/aspnet:10.0
RUN apt-get update \
 && apt-get install -y --no-install-recommends libvips42 libimage-exiftool-perl util-linux ca-certificates curl tzdata \
 && rm -rf /var/lib/apt/lists/*
ARG BAKE_MODELS=0
COPY --from=build /app /app
COPY models/manifest.json models/fetch /app/models/
COPY models/ /tmp/models/
RUN if [ "$BAKE_MODELS" = "1" ]; then cp /tmp/models/*.onnx /app/models/; fi; rm -rf /tmp/models
COPY docker/image.env docker/entrypoint.sh /app/docker/
ENV DOTNET_gcServer=0 \
    MALLOC_ARENA_MAX=1 \
    PUID=1000 \
    PGID=1000 \
    TZ=Etc/UTC
VOLUME ["/photos", "/data", "/config", "/models"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
STOPSIGNAL SIGTERM
ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["serve"]

# TagWorker: the worker and its review site in one container, for linux/amd64 and linux/arm64.
#   docker build -t tagworker .                              (models fetched with checksums into /models at first start)
#   docker build --build-arg BAKE_MODELS=1 -t tagworker .    (models from ./models baked in: run scripts/setup first)
# The base images are build arguments, so the image can be built where nothing can be pulled (the tests
# build it from locally made stand-ins of these same images).
ARG BUILD_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG RUNTIME_IMAGE=debian:bookworm-slim

# 1. Build: a self-contained publish for the target architecture (the runtime comes with the app, so the final
#    image is plain Debian 12 with Debian's libvips and exiftool; no SDK, no build tools).
FROM --platform=$BUILDPLATFORM ${BUILD_IMAGE} AS build
ARG TARGETARCH=amd64
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig TagWorker.sln ./
COPY src/TagWorker/TagWorker.csproj src/TagWorker/
RUN rid="linux-$( [ "$TARGETARCH" = "arm64" ] && echo arm64 || echo x64 )" \
 && dotnet restore src/TagWorker/TagWorker.csproj -r "$rid"
COPY config/ config/
COPY src/ src/
RUN rid="linux-$( [ "$TARGETARCH" = "arm64" ] && echo arm64 || echo x64 )" \
 && dotnet publish src/TagWorker/TagWorker.csproj -c Release -r "$rid" --self-contained true --no-restore \
      -p:DebugType=none -p:PublishDocumentationFile=false -o /app

# 2. Run: Debian 12 "bookworm" (the libvips 8.14 the project is tested with, HEIC included).
FROM ${RUNTIME_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends libvips42 libheif1 libimage-exiftool-perl libicu72 util-linux ca-certificates curl tzdata \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*
ARG BAKE_MODELS=0
COPY --from=build /app /app
COPY models/manifest.json models/fetch /app/models/
RUN --mount=type=bind,source=models,target=/tmp/models \
    if [ "$BAKE_MODELS" = "1" ]; then cp /tmp/models/*.onnx /app/models/; fi
COPY docker/image.env docker/entrypoint.sh /app/docker/
ENV DOTNET_gcServer=0 \
    MALLOC_ARENA_MAX=1 \
    ORT_DISABLE_TELEMETRY=1 \
    ORT_TELEMETRY_DISABLED=1 \
    PUID=1000 \
    PGID=1000 \
    TZ=Etc/UTC
VOLUME ["/photos", "/data", "/config", "/models"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
STOPSIGNAL SIGTERM
ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["serve"]

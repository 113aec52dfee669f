# syntax=docker/dockerfile:1
# Hearth: build the single binary, then run it as a non-root user on a minimal base.
#   docker build -t hearth .
#   docker run -d -p 8080:8080 -v hearth-data:/data hearth
# (Not buildable on the development machines, which have no Docker engine; kept simple
# and checked by review.)

FROM node:22-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && ./dist/hearth version && mkdir -p /data-skel

# The compiled binary needs only glibc and CA certificates (outgoing TLS to Postgres,
# SMTP, S3, webhooks). distroless/cc provides both and nothing else: no shell, no package
# manager. The HEALTHCHECK therefore uses the binary itself.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/dist/hearth /usr/local/bin/hearth
# The volume's mount point must belong to the runtime user (uid 65532 in distroless).
COPY --from=build --chown=65532:65532 /data-skel /data
ENV HEARTH_DATA_DIR=/data \
    HOST=0.0.0.0 \
    PORT=8080 \
    HEARTH_LOG_FORMAT=json
VOLUME ["/data"]
WORKDIR /data
USER nonroot:nonroot
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/usr/local/bin/hearth", "healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/hearth"]
CMD ["serve"]

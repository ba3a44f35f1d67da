# The credentials service as a container image. Two stages: the build stage runs .ci/build-release, the
# script CI runs and then starts (so what CI proves is what the image holds); the final stage holds the
# compiled release and its production dependencies only, run as a non-root user.
#
#   docker build -t credentials-service .
#   docker compose up        (the service and PostgreSQL; see docs/operating.md, Running in a container)

# Node 24, the LTS line (CI runs the whole suite on it: .ci/run, .ci/node24).
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
# better-sqlite3 compiles its addon when no prebuilt one can be fetched (no internet but the npm registry).
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
RUN .ci/build-release

FROM ${NODE_IMAGE}
# GLIBC_TUNABLES: glibc's allocator with one arena and a fixed mmap threshold (512 KiB): memory freed after a
# burst goes back to the system instead of staying in per-thread arenas; about 10 MB less idle after start and
# 15 MB less after load, throughput unchanged (docs/performance.md, Memory).
ENV NODE_ENV=production \
    PORT=8080 \
    DATABASE_URL=file:/data/credentials.db \
    MASTER_KEY_FILE=/keys/master-keys.json \
    GLIBC_TUNABLES=glibc.malloc.mmap_threshold=524288:glibc.malloc.arena_max=1
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/scripts ./scripts
# The database and the master key live in two volumes, so that one backup never holds both.
RUN mkdir -p /data /keys && chown node:node /data /keys && chmod 0700 /data /keys
VOLUME ["/data", "/keys"]
USER node
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The key file is made on the first start (keys init leaves an existing one alone; none with MASTER_KEYS).
# `exec`: node becomes PID 1 and receives SIGTERM itself: it finishes the requests in flight and exits.
ENTRYPOINT ["/bin/sh", "-c", "[ -n \"$MASTER_KEYS\" ] || node dist/cli.js keys init >/dev/null && exec node --max-semi-space-size=4 dist/main.js \"$@\"", "--"]

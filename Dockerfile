# syntax=docker/dockerfile:1
# The operator image: `docker build -t rtmp-push-operator:0.1.0 .`
#
# Stages: build (compiles src/ to dist/ with the dev dependencies), deps (production
# node_modules only), runtime (node + dist + production node_modules, nothing else).
#
# Signals: the entrypoint runs node directly as PID 1. The operator installs its own SIGTERM and
# SIGINT handlers (graceful shutdown: stop taking work, finish in-flight reconciles within
# --shutdown-timeout, release the Lease, exit 0) and starts no child processes, so no init
# (tini) is needed to forward signals or reap zombies.
#
# Filesystem: nothing is written outside /tmp (mounted as an emptyDir by the chart), so the root
# filesystem can be mounted read-only.

ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: the `node@24` devDependency's install script would download a second Node 24
# (the base image already is one), and compiling needs no other install script.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# tsconfig.build.json compiles src/ (tests excluded) to dist/, entry dist/main.js. tsc is started
# with the image's node explicitly: node_modules/.bin/node (from `node@24`) is not installed here.
RUN node node_modules/typescript/bin/tsc -p tsconfig.build.json

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only; none of them has an install script.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
# npm, npx and corepack are not needed to run the operator; removing them removes their
# dependencies from the image (and from vulnerability scans).
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack
ENV NODE_ENV=production
# V8 heap settings sized with `npm run bench` (the fleet benchmark) for the chart's default memory
# limit (768Mi): a 4 MB semi-space keeps the young generation from growing to 64 MB of resident
# garbage, and the old generation is capped at about 40 % of the limit so that a major GC runs
# long before the container nears it (the rest is code, buffers and native memory, which reached
# 340 MB at 10,000 tasks). The chart sets the same value (nodeOptions); raise both together.
ENV NODE_OPTIONS="--max-old-space-size=288 --max-semi-space-size=4"
WORKDIR /app
# Owned by root and read-only for the operator's user.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# package.json carries "type": "module", which makes node load dist/*.js as ES modules.
COPY package.json ./
# The distroless "nonroot" UID/GID; numeric so runAsNonRoot can verify it without /etc/passwd.
USER 65532:65532
EXPOSE 8080 8081 8082
ENTRYPOINT ["node", "dist/main.js"]
CMD ["run"]

# One image holding both apps. Default command: the gateway. The worker: `node apps/worker/dist/main.js`
# (docker-compose.yml sets it). WORKDIR is /app, so the runtime contract's paths hold inside the image.
#   docker build -t dtbot .
#   docker run --rm -p 8090:8090 --env-file .env -e REDIS_URL=redis://host:6379 dtbot
#   docker run --rm --env-file .env -e REDIS_URL=redis://host:6379 dtbot node apps/worker/dist/main.js

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS base
ENV CI=true \
    TURBO_TELEMETRY_DISABLED=1 \
    DO_NOT_TRACK=1
WORKDIR /src

# Only the files that decide `pnpm install`: the lockfile, the workspace file and every package.json.
# The install layer below stays cached until one of them changes, whatever else does, and a new package
# under apps/ or packages/ needs no edit here.
FROM base AS manifests
COPY . .
RUN mkdir /manifests \
 && find . -name node_modules -prune -o \
      \( -name package.json -o -name pnpm-lock.yaml -o -name pnpm-workspace.yaml -o -name .npmrc \) \
      -type f -print | xargs cp --parents -t /manifests

FROM base AS build
COPY --from=manifests /manifests/ ./
# corepack cannot be relied on to download pnpm; take it from npm, at the version package.json pins.
RUN npm install -g --no-fund --no-audit --loglevel=error \
      "pnpm@$(node -p 'const m = /^pnpm@(10\.[0-9.]+)/.exec(require("./package.json").packageManager || ""); m ? m[1] : "10"')" \
 && pnpm --version
RUN pnpm install --frozen-lockfile
COPY . .
RUN pnpm build
# A pruned production copy of each app: its dist, package.json and a node_modules of its dependencies only
# (workspace packages such as @dtbot/shared are copied in with their dist). pnpm 10 needs --legacy here.
RUN pnpm --filter=./apps/gateway deploy --prod --legacy /out/apps/gateway \
 && pnpm --filter=./apps/worker deploy --prod --legacy /out/apps/worker \
 && rm -rf /out/apps/*/.turbo /out/apps/*/src /out/apps/*/tsconfig*.json

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Owned by root, run as `node`: the app cannot rewrite its own code.
COPY --from=build /out/apps ./apps
USER node
# Gateway callbacks; the gateway's /metrics; the worker's /metrics, /healthz, /readyz.
EXPOSE 8090 9463 9464
# /healthz of whichever app PID 1 is (HEALTHCHECK_PORT overrides): PORT for the gateway, METRICS_PORT for a worker.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "const cmd = require('fs').readFileSync('/proc/1/cmdline', 'utf8'); const port = process.env.HEALTHCHECK_PORT || (cmd.includes('apps/worker/') ? process.env.METRICS_PORT || 9464 : process.env.PORT || 8090); fetch('http://127.0.0.1:' + port + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1));"]
STOPSIGNAL SIGTERM
# The gateway's heap cap keeps its RSS bounded under load (NODE_FLAGS, packages/shared/src/process/node-flags.ts).
CMD ["node", "--max-old-space-size=128", "apps/gateway/dist/main.js"]

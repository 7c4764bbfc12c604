# syntax=docker/dockerfile:1
# One image for every service; the container's argument picks the service:
#   docker run ghcr.io/surfinger/surfinger actor-host
# TypeScript runs through tsx (a runtime dependency), so there is no build step.
# `npm run deploy:check` verifies offline that the copied folders hold everything the services
# import and that production dependencies alone suffice.

# Both stages on one base, pinned by digest (a tag moves under a rebuild); Node 22 is an LTS line
# under maintenance support. To move: `docker buildx imagetools inspect node:<version>-slim`.
FROM node:22.14.0-slim@sha256:1c18d9ab3af4585870b92e4dbc5cac5a0dc77dd13df1a5905cea89fc720eb05b AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only, exactly as locked; no install scripts run.
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

FROM node:22.14.0-slim@sha256:1c18d9ab3af4585870b92e4dbc5cac5a0dc77dd13df1a5905cea89fc720eb05b AS runtime
ENV NODE_ENV=production \
    SF_METRICS_HOST=0.0.0.0 \
    SF_METRICS_PORT=9464 \
    NODE_OPTIONS=--enable-source-maps
WORKDIR /app
RUN groupadd --system --gid 10001 surfinger \
 && useradd --system --uid 10001 --gid surfinger --no-create-home --shell /usr/sbin/nologin surfinger
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY bin ./bin
COPY cli ./cli
COPY bench ./bench
COPY protocol ./protocol
COPY actors ./actors
COPY services ./services
COPY data ./data
# The NATS users and Redis ACL users are code (permissions.ts, acl.ts): `surfinger up` runs the local
# cluster under them, and provisioning renders them from the same files.
COPY deploy/nats/permissions.ts ./deploy/nats/permissions.ts
COPY deploy/redis/acl.ts ./deploy/redis/acl.ts
# Numeric user so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 10001:10001
EXPOSE 3000 9464
ENTRYPOINT ["node", "bin/surfinger.mjs", "service"]
CMD ["ingress"]

# Autograph's demo API as a container image (docs/guides/deployment.md).
#   docker build -t autograph .
#   docker run -p 4000:4000 -e DATABASE_URL=postgresql://… autograph
# Without DATABASE_URL it runs the embedded PostgreSQL in /app/.data (mount a volume there to keep it).

# Build: all dependencies (TypeScript, the admin's React and Vite), `prisma generate` (npm ci's prepare
# step reads prisma/schema.prisma and prisma.config.ts, so the sources come first), then the compiled
# dist/ and an install pruned to what runs.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY . .
RUN npm ci --no-audit --no-fund \
 && npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# Run: plain node on the compiled JavaScript, as an unprivileged user. The Prisma CLI (migrations at
# boot) reads prisma/ and prisma.config.ts, which imports src/server/prisma-config.ts: they stay.
FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    PORT=4000
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json /app/prisma.config.ts ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/prisma ./prisma
COPY --from=build --chown=node:node /app/src ./src
COPY --from=build --chown=node:node /app/scripts ./scripts
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 4000
VOLUME ["/app/.data"]
# /readyz: 200 once the database answers, 503 while it does not or while the server drains.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/readyz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node is PID 1, with no npm or shell between: `docker stop`'s SIGTERM reaches demo/main.ts, which drains.
CMD ["node", "--max-semi-space-size=16", "dist/demo/main.js"]

# syntax=docker/dockerfile:1
# AgentGate server image: `docker build -t agentgate .` then
# `docker run -p 3000:3000 -v agentgate-data:/data agentgate`.

FROM node:20-bookworm AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY tsconfig.json tsconfig.build.json tsconfig.sdk.json ./
COPY app ./app
COPY sdk ./sdk
COPY mcp ./mcp
COPY bin ./bin
# `npm ci` runs `prepare`, which compiles TypeScript to dist/; then drop dev dependencies.
RUN npm ci && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    PORT=3000 \
    DATABASE_URL=/data/agentgate.db \
    AGENTGATE_POLICY_DIR=/app/policies
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json ./
COPY --chown=node:node bin ./bin
COPY --chown=node:node policies ./policies
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "bin/agentgate.js", "serve"]

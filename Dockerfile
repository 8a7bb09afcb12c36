# Image for the API and the Temporal worker (see docker-compose.yml).
FROM node:20-slim

WORKDIR /app

# Dependencies first so source edits do not invalidate the npm layer.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund || npm install --no-audit --no-fund

COPY tsconfig.json ./
COPY src ./src
COPY scripts ./scripts
# The fan's web page, built into web/dist, which the API serves at /.
COPY web ./web
RUN node scripts/web-build.js

# The ticket keys volume mounts here; it must be the app user's.
RUN mkdir -p /app/keys && chown node:node /app/keys
USER node
EXPOSE 3000
CMD ["npx", "ts-node", "--transpile-only", "src/api/main.ts"]

# Image for the API and the Temporal worker (see docker-compose.yml): compiled JavaScript and a workflow
# bundle made at build time (`npm run build`), so a container starts without TypeScript or bundling and
# every worker of one image serves the same build of the workflow code (docs/upgrades.md).
FROM node:20-slim AS build
WORKDIR /app
# Dependencies first so source edits do not invalidate the npm layer.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund || npm install --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
COPY web ./web
RUN node scripts/web-build.js && npx ts-node --transpile-only scripts/build.ts && npm prune --omit=dev --no-audit --no-fund

FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production \
    WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The ticket keys volume mounts here; it must be the app user's.
RUN mkdir -p /app/keys && chown node:node /app/keys
USER node
EXPOSE 3000
CMD ["node", "dist/src/api/main.js"]

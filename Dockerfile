# The qforge app image: one image for the API, the workers and the one-shot migrate service
# (docker-compose.yml picks the command). TypeScript runs through tsx, as outside Docker.
FROM node:20-bookworm-slim

# pnpm from npm: corepack's signature check fails against registries that serve none.
RUN npm install -g pnpm@12.21.0 && npm cache clean --force

WORKDIR /app
# The whole workspace before installing: `--frozen-lockfile` needs every workspace package's
# manifest, and copying them one by one would drift as packages are added.
COPY . .
# The postinstall step generates the Prisma client offline (PRISMA_SCHEMA_ENGINE_BINARY=/bin/true,
# see scripts/prisma-generate.mjs). Dev dependencies stay: tsx runs the code.
RUN pnpm install --frozen-lockfile && pnpm store prune

ENV HOST=0.0.0.0 PORT=3000
EXPOSE 3000
USER node
# node directly rather than through pnpm: signals reach the app with nothing in between.
CMD ["node", "--import", "tsx", "apps/api/src/main.ts"]

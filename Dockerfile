# Kabar: one image for every role (api, dispatcher, scheduler) and for migrations.
# TypeScript runs through tsx (a runtime dependency), as with `npm start`: no build step.
FROM node:24-slim

WORKDIR /app

# Dependencies first, so a source change does not reinstall them. Nothing under src/ imports a
# devDependency (typescript, vitest, drizzle-kit, vite), so they stay out of the image.
COPY package.json package-lock.json ./
# postinstall (scripts/patch-deps.mjs) patches postgres.js and kafkajs; it must be here before npm ci.
COPY scripts/patch-deps.mjs scripts/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# Sources, migrations, tsconfig.json (tsx needs its decorator settings) and scripts (see .dockerignore).
COPY . .

# Read-only at run time in servers mode; no root needed.
USER node

# 4000: GraphQL, webhooks, /events, /healthz, /readyz, /metrics (api role).
# 9464: /healthz, /readyz, /metrics of a process without the api role (KABAR_OPS_PORT).
EXPOSE 4000 9464
ENV NODE_ENV=production PORT=4000 HOST=0.0.0.0

# node itself is PID 1 (not npm), so SIGTERM reaches Kabar's drain-and-stop handler.
# The heap flags are npm start's (package.json): V8 otherwise lets garbage pile up to gigabytes.
CMD ["node", "--max-old-space-size=192", "--max-semi-space-size=16", "--import", "tsx", "src/main.ts"]

# The facade, built as CI builds it (npm ci, npm run build) and run as `node dist/main.js`.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The lock file's only install scripts are the `node` devDependency's (it downloads the Node binary
# this image already has) and @parcel/watcher's (refused by allowScripts anyway): PGlite is
# WebAssembly and fs-native-extensions ships prebuilt binaries (linux-x64 and linux-arm64), so the
# image installs without running any and without reaching anything but the npm registry.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --ignore-scripts --no-audit --no-fund
# The embedded store's cluster template (what `prepare` makes after a plain npm ci), made here
# because the image's user cannot write node_modules: a new DATA_DIR is then loaded from it in about
# a second instead of running initdb (about 7 s of CPU) at the container's first start.
RUN node dist/cli/clusterTemplate.js && ls node_modules/.cache/social-care-facade/pglite-*.tar.gz

FROM node:24-bookworm-slim
# Production mode refuses the sandbox's settings (docs/deploy.md); to run the sandbox in a container,
# pass -e NODE_ENV=development.
ENV NODE_ENV=production PORT=8080 DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY fixtures ./fixtures
COPY profiles ./profiles
# The code belongs to root and cannot be changed by the process; only /data is the facade's.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
# Ready means the store answers (503 otherwise); slim images have no curl, so Node's own fetch asks.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health/ready',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))"]
CMD ["node", "dist/main.js"]

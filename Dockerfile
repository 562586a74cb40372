# squint: the gateway on Deno. Build: docker build -t squint .  Run: docker run -p 8000:8000 squint
# Debian-based image: @napi-rs/canvas ships a glibc native addon.
FROM denoland/deno:debian-2.9.6

WORKDIR /app
COPY deno.json deno.lock ./
COPY src ./src
COPY workers ./workers
COPY dashboard ./dashboard
# Install the pinned npm packages the gateway runs (native addons, the OCR data and the
# dashboard's chart library included; deno.json holds no test package) into node_modules at
# build time, so the container starts without reaching a registry.
RUN deno install --frozen \
  && mkdir -p /data && chown deno:deno /data

ENV SQUINT_HOST=0.0.0.0 \
    SQUINT_PORT=8000 \
    SQUINT_DATA_DIR=/data
EXPOSE 8000
VOLUME ["/data"]
USER deno
HEALTHCHECK --interval=30s --timeout=3s CMD ["deno", "eval", "const r = await fetch('http://127.0.0.1:8000/health'); Deno.exit(r.ok ? 0 : 1)"]
CMD ["task", "serve"]

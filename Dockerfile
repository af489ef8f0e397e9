# leadscore container. Kept in step with the Makefile and scripts/install-deps by hand
# (there is no Docker engine on the development machines to build it).

# ---- build: the same install script and make as on a developer machine ----
FROM debian:bookworm-slim AS build
WORKDIR /src
COPY scripts/install-deps scripts/install-deps
RUN scripts/install-deps
COPY . .
RUN make clean && make

# ---- runtime: only the shared libraries leadscore links ----
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libmicrohttpd12 libjansson4 libcsv3 libcurl4 libsqlite3-0 libpq5 libxlsxwriter4 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home-dir /data --shell /usr/sbin/nologin leadscore \
    && mkdir -p /data && chown leadscore /data
COPY --from=build /src/build/leadscore /usr/local/bin/leadscore
USER leadscore
WORKDIR /data
ENV LEADSCORE_DB=/data/leadscore.db
VOLUME /data
EXPOSE 5000
CMD ["leadscore", "serve", "--host", "0.0.0.0"]

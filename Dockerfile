# syntax=docker/dockerfile:1
# swath's container image: a build stage compiles the one binary, a slim run-time stage runs it as a non-root
# user. Every apt package comes from packaging/apt-lock.txt at its exact version, from snapshot.debian.org at
# the lock's date; the base image is pinned by digest. Build: docker build -t swath:0.1.0 .
#
# Base: debian:bookworm (12.11) by digest. The digest was found in public build files (not verified against
# Docker Hub from here: no container engine or registry access on the machine that wrote this); check it with
# `docker buildx imagetools inspect debian:bookworm` and update both FROM lines together.
ARG DEBIAN_IMAGE=debian:bookworm@sha256:b6507e340c43553136f5078284c8c68d86ec8262b1724dde73c325e8d3dcdeba
# Must equal the `# snapshot` and `# source_date_epoch` lines of packaging/apt-lock.txt (a test checks).
ARG SOURCE_DATE_EPOCH=1795564800

FROM ${DEBIAN_IMAGE} AS build
ARG SOURCE_DATE_EPOCH
ENV SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH} LC_ALL=C.UTF-8
COPY packaging/apt-lock.txt packaging/docker-apt.sh /tmp/packaging/
RUN /tmp/packaging/docker-apt.sh build
WORKDIR /src
COPY CMakeLists.txt ./
COPY cmake cmake
COPY lib lib
COPY apps apps
COPY configs configs
# Reproducible objects: no build paths or timestamps in the binary.
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
      -DCMAKE_CXX_FLAGS="-ffile-prefix-map=/src=. -ffile-prefix-map=/build=." \
 && cmake --build /build --target swath -j"$(nproc)" \
 && install -D -m 0755 /build/apps/swath /out/usr/local/bin/swath \
 && install -D -m 0644 configs/swath.yaml /out/etc/swath/swath.yaml \
 && install -D -m 0644 configs/scaling.yaml /out/etc/swath/scaling.yaml \
 && touch -h -d "@${SOURCE_DATE_EPOCH}" /out/usr/local/bin/swath /out/etc/swath/*

FROM ${DEBIAN_IMAGE} AS runtime
ARG SOURCE_DATE_EPOCH
ENV SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH} LC_ALL=C.UTF-8 SWATH_LOG__FORMAT=json
COPY packaging/apt-lock.txt packaging/docker-apt.sh packaging/check-image-versions.sh /tmp/packaging/
RUN /tmp/packaging/docker-apt.sh runtime
COPY --from=build /out/ /
# The image's `swath version` must report the library versions the lock pins; the build fails otherwise.
RUN swath version --json >/tmp/version.json \
 && /tmp/packaging/check-image-versions.sh /tmp/packaging/apt-lock.txt /tmp/version.json \
 && rm -rf /tmp/packaging /tmp/version.json \
 && groupadd --gid 10001 swath \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin swath
USER 10001:10001
WORKDIR /work
ENTRYPOINT ["swath"]
CMD ["--help"]

#!/usr/bin/env bash
# Make `docker-compose` work on a machine without Docker's engine (CI, this project's dev boxes):
# rootful podman serving the Docker API on a socket, with a locally built stand-in for the
# python:3.11-slim base image because image registries are unreachable there.
#
# The stand-in is Debian bookworm (debootstrap, minbase) with Debian's python3 3.11 and pip,
# tagged docker.io/library/python:3.11-slim. It differs from the real image in three ways: CPython
# is Debian's (in /usr, not /usr/local; the Dockerfiles only rely on `python3 -m venv`), it trusts
# this host's CA bundle (for networks that intercept TLS to the package index), and PIP_CERT points at it.
#
# Usage: sudo docker/podman-setup.sh     then: export DOCKER_HOST=unix:///run/moodtune-podman.sock
set -euo pipefail

ROOTFS=${MOODTUNE_ROOTFS:-/var/tmp/moodtune-rootfs}
SOCKET=${MOODTUNE_PODMAN_SOCKET:-/run/moodtune-podman.sock}
BASE=docker.io/library/python:3.11-slim

# Process limits cannot be raised in every container host (podman's defaults would try to), and
# crun refuses a hybrid cgroup layout where runc works.
mkdir -p /etc/containers
if ! grep -q default_ulimits /etc/containers/containers.conf 2>/dev/null; then
  printf '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]\n\n[engine]\nruntime = "runc"\n' \
    >> /etc/containers/containers.conf
fi

if ! podman image exists "$BASE"; then
  if [ ! -x "$ROOTFS/usr/bin/python3" ]; then
    debootstrap --variant=minbase --include=python3,python3-venv,python3-pip,ca-certificates,passwd \
      bookworm "$ROOTFS" http://deb.debian.org/debian
  fi
  cp /etc/ssl/certs/ca-certificates.crt "$ROOTFS/etc/ssl/certs/ca-certificates.crt"
  tar -C "$ROOTFS" -c . | podman import --change 'CMD ["python3"]' \
    --change 'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt' - "$BASE"
fi

# A service left by an earlier run whose working directory was since deleted (a removed
# checkout) answers pings but cannot start containers ("write child: broken pipe"): replace it.
SERVICE_PID=$(pgrep -f "podman system service --time=0 unix://$SOCKET" | head -1 || true)
if [ -n "$SERVICE_PID" ]; then
  case "$(readlink "/proc/$SERVICE_PID/cwd")" in
    *" (deleted)") kill "$SERVICE_PID"; sleep 1 ;;
  esac
fi
if ! curl -sf --unix-socket "$SOCKET" http://d/_ping >/dev/null 2>&1; then
  rm -f "$SOCKET"
  # From /, so the service never holds a checkout as its working directory.
  (cd / && exec setsid podman system service --time=0 "unix://$SOCKET" >/var/tmp/moodtune-podman.log 2>&1) &
  for _ in $(seq 50); do
    curl -sf --unix-socket "$SOCKET" http://d/_ping >/dev/null 2>&1 && break
    sleep 0.2
  done
fi
curl -sf --unix-socket "$SOCKET" http://d/_ping >/dev/null
echo "podman serves the Docker API on unix://$SOCKET; base image $BASE is the local stand-in"

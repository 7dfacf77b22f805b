#!/usr/bin/env bash
# Debian packages the test suite drives for real: nginx (forward-auth), redis-sentinel,
# chromium (browser tests) and wrk (load runs). Installs only what is missing; needs root.
set -euo pipefail
wanted=(nginx redis-sentinel chromium chromium-driver wrk)
missing=()
for pkg in "${wanted[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${missing[*]} (run as root, or install them: apt-get install ${missing[*]})" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Installing nginx or redis-sentinel may start system services on their default ports; the tests
# start their own instances on free ports, so stop those copies when they are not needed.
service nginx stop >/dev/null 2>&1 || true
service redis-sentinel stop >/dev/null 2>&1 || true

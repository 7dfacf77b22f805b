#!/usr/bin/env bash
# The npm packages the test suite drives for real: panva's oidc-provider, a certified OpenID
# provider (tests/oidc_provider/), at the versions pinned by its package-lock.json.
# Needs Node.js >= 20.19 (oidc-provider 9's engines); installs Debian's nodejs/npm when root.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
dir="$here/tests/oidc_provider"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Node.js and npm are missing (run as root, or install them: apt-get install nodejs npm)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number);
  process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
  echo "Node.js $(node --version) is too old for oidc-provider 9: install Node.js 20.19 or later" >&2
  exit 1
fi
installed="$dir/node_modules/.package-lock.json"
if [ ! -f "$installed" ] || [ "$dir/package-lock.json" -nt "$installed" ]; then
  npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
fi

#!/bin/sh
# Block a deploy until a human approves it. `agentgate request --wait` exits 0 only when the request
# is approved (2 denied, 3 expired or cancelled, 4 still pending when the wait ran out), so the
# script stops right there otherwise. Needs AGENTGATE_URL and AGENTGATE_API_KEY (or
# `agentgate config set url …` and `agentgate config set api-key …`).
set -e
# The installed `agentgate`, else the one of the checkout this script is in (built by `npm install`).
if ! command -v agentgate >/dev/null 2>&1; then
  checkout="$(cd "$(dirname "$0")/.." && pwd)"
  agentgate() { node "$checkout/bin/agentgate.js" "$@"; }
fi
version="${1:-1.4.2}"

agentgate request deploy:production \
  --params "{\"version\": \"$version\"}" \
  --context '{"pipeline": "release"}' \
  --urgency high --timeout 30m --wait

echo "approved: deploying $version"

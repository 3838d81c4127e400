#!/bin/sh
# The operator's side: see what is waiting, look closer, decide, and read the trail. Needs jq, and
# AGENTGATE_URL plus AGENTGATE_API_KEY (a key with request:decide), or `agentgate config set …`.
set -e
# The installed `agentgate`, else the one of the checkout this script is in (built by `npm install`).
if ! command -v agentgate >/dev/null 2>&1; then
  checkout="$(cd "$(dirname "$0")/.." && pwd)"
  agentgate() { node "$checkout/bin/agentgate.js" "$@"; }
fi
agentgate list --status pending
id="$(agentgate list --status pending --action deploy:production --limit 1 --json | jq -r ".requests[0].id")"
agentgate status "$id"
agentgate approve "$id" --reason "release notes checked"
agentgate audit "$id"

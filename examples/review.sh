#!/bin/sh
# The operator's side: see what is waiting, look closer, decide, and read the trail.
set -e
agentgate list --status pending
id="$(agentgate list --status pending --action deploy:production --limit 1 --json | jq -r ".requests[0].id")"
agentgate status "$id"
agentgate approve "$id" --reason "release notes checked"
agentgate audit "$id"

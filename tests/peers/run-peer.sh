#!/bin/sh
# Runs one test peer (the command given) and ends it when the test process that started it is
# gone, even after a crash: that process holds this script's standard input, which then closes.
# Exits with the peer's own exit code. Usage: run-peer.sh COMMAND [ARGUMENT...]
exec 3<&0
"$@" </dev/null &
peer=$!
{ while read -r _ <&3; do :; done; kill "$peer" 2>/dev/null; } &
wait "$peer"

#!/bin/sh
# The broker abuse suite holds thousands of sockets, both ends in one process. Raise the soft
# open-file limit to the hard one (no root needed); tests/broker-abuse.test.ts checks the limit
# it got and fails with the reason when it is still too low.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 65536 2>/dev/null || true
exec "$@"

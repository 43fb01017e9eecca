#!/usr/bin/env bash
# Multi-process testing with torchrun, as tools/dist_train.sh trains.
#   bash tools/dist_test.sh CONFIG CHECKPOINT NUM_PROCS [test.py options...]
# Multi-node: NNODES, NODE_RANK, MASTER_ADDR, PORT (tools/dist_launch.sh).
set -euo pipefail
exec bash "$(dirname "$0")/dist_launch.sh" test.py "$3" "$1" "$2" "${@:4}"

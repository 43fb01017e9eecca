#!/usr/bin/env bash
# Multi-process training with torchrun (one process per GPU, or per CPU group
# with the gloo backend: add --cfg-options env_cfg.dist_cfg.backend=gloo).
#   bash tools/dist_train.sh CONFIG NUM_PROCS [train.py options...]
# Multi-node: NNODES, NODE_RANK, MASTER_ADDR, PORT (tools/dist_launch.sh).
set -euo pipefail
exec bash "$(dirname "$0")/dist_launch.sh" train.py "$2" "$1" "${@:3}"

#!/usr/bin/env bash
# torchrun for tools/dist_train.sh and tools/dist_test.sh: one process per
# GPU (or per CPU group with gloo), multi-node through NNODES, NODE_RANK,
# MASTER_ADDR, PORT.
#   bash tools/dist_launch.sh TOOL.py NUM_PROCS TOOL_ARGS...
set -euo pipefail
TOOL=$1
NPROCS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
DIR=$(cd "$(dirname "$0")" && pwd)
PYTHON=${PYTHON:-python}
exec "$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" --node_rank="$NODE_RANK" --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$NPROCS" --master_port="$PORT" \
    "$DIR/$TOOL" "${@:3}" --launcher pytorch

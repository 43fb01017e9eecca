#!/usr/bin/env bash
# One CPSC variant at the CIFAR-10 pilot budget: 417 iterations (12 minutes
# of the shipped config on 2 CPU cores), seed 0, validation every 69
# iterations on the 5,000 held-out training images, then the last checkpoint
# once on the test set (with per-class accuracy). Output in
# work_dirs/variants/NAME (train log, scalars, test_metrics.json).
#   CONFIG=configs/cpsc/cpsc-diverse_wrn16-2_wrn16-1_cifar10.py \
#       bash .dev_scripts/pilot_cifar10.sh NAME [key=value ...]
# Collect every variant: python .dev_scripts/results_tables.py collect-variants \
#       work_dirs/variants research/results/cifar10_cpsc_variants.json
set -euo pipefail
NAME=$1; shift
CONFIG=${CONFIG:-configs/cpsc/cpsc_wrn16-2_wrn16-1_cifar10.py}
TEACHER=${TEACHER:-work_dirs/wrn16_2_cifar10/epoch_30.pth}
PYTHON=${PYTHON:-python}
OUT=work_dirs/variants/$NAME
cd "$(dirname "$0")/.."
mkdir -p "$OUT"
"$PYTHON" tools/train.py "$CONFIG" --work-dir "$OUT" --cfg-options \
    model.teacher_ckpt="$TEACHER" train_cfg.max_iters=417 \
    train_cfg.val_interval=69 randomness.seed=0 "$@" > "$OUT/train.log" 2>&1
"$PYTHON" tools/test.py "$CONFIG" "$OUT/iter_417.pth" --work-dir "$OUT/test" \
    --out-metrics "$OUT/test_metrics.json" --per-class \
    --cfg-options model.teacher_ckpt="$TEACHER" "$@" > "$OUT/test.log" 2>&1
echo "$NAME: $(cat "$OUT/test_metrics.json" | tr -d '\n ')"

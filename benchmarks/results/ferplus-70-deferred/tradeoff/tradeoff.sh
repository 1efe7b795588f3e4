#!/bin/bash
# Issue 37: the 70-epoch ferplus models' post-hoc curves on the test faces (benchmarks/results/ferplus-70-deferred/tradeoff)
cd "$(dirname "$0")/../../../.."   # the repository root
OUT=${1:-benchmarks/results/ferplus-70-deferred/tradeoff}
d=runs/ferplus-70-deferred/sampler_from-0.7
OMP_NUM_THREADS=1 python benchmarks/remedy_tradeoff.py --data ../shared/data/ferplus-dev.zip \
  --run 'ferplus 42' $d/seed-42 --run 'ferplus 43' $d/seed-43 --run 'ferplus 44' $d/seed-44 \
  --run 'votes 42' runs/ferplus-70/label_mode-crossentropy/seed-42 --accuracy_floor 0.845 --out $OUT

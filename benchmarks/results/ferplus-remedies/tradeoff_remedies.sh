#!/bin/bash
# Issue 37: the 30-epoch remedy screen's post-hoc curves (benchmarks/results/ferplus-remedies/curves.csv, tradeoff.png)
cd "$(dirname "$0")/../../.."   # the repository root
OUT=${1:-benchmarks/results/ferplus-remedies}
OMP_NUM_THREADS=1 python benchmarks/remedy_tradeoff.py --data ../shared/data/ferplus-dev.zip \
  --run 'none (vote distributions)' runs/ferplus-remedies-la/logit_adjust-0.0/seed-42 \
  --run '--logit_adjust 1' runs/ferplus-remedies-la/logit_adjust-1.0/seed-42 runs/posthoc/la1-neg \
  --run '--ce_weights inverse' runs/ferplus-remedies-cew/ce_weights-inverse/seed-42 runs/posthoc/cew-neg \
  --run '--sampler balanced' runs/ferplus-remedies-sampler/sampler-balanced/seed-42 runs/posthoc/sampler-neg \
  --run '--sampler balanced --sampler_from 0.7 (last epoch)' runs/ferplus-remedies-deferred/sampler_from-0.7/seed-42 runs/posthoc/deferred-last \
  --out $OUT

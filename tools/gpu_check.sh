#!/usr/bin/env bash
# GPU check: everything recursive-fer can only verify on a GPU, in about 8 minutes on one GPU, each result under one
# folder named after the GPU. Steps (each with its own time limit; a failing step is recorded and the rest still run):
#   1. benchmarks/run_all.py --device cuda --quick --sections 1 2 3   early exit, training overhead, end to end
#   2. a short training of the `gpu` recipe on FER2013 (a few epochs): faces/s and test accuracy so far
#   3. the notebooks' `cuda` tests (python tools/nbtest.py --flags cuda on the notebooks that have them)
#   4. the Kaggle kernel end to end (tools/kernel_e2e.py), which uses the GPU when there is one
#   5. the four halting rules (act, pondernet, confidence, learned_exit) with the `gpu` recipe, one seed, a few epochs
#      each (issue 47): accuracy, mean steps, per-step accuracy and the oracle of each (a `recursive-fer study`)
#   6. if time is left: run_all.py sections 1 and 3 again with the recursive step compiled as CUDA graphs
# Usage:  bash tools/gpu_check.sh FER2013_DIR_OR_ZIP [OUT_DIR]      (FER2013 in class folders: train/, test/)
# Writes OUT_DIR/<gpu>/: summary.md (the numbers), env.txt, one log per step, run_all/ and compiled/ (results.md and
# results.json), train/ (history.json, test_metrics.json, the evaluation report), halting/ (the study's tables). On
# the project's device tool, `tools/gpu_pack.py` packs the data and the missing packages first (Benchmarks page).
set -uo pipefail
cd "$(dirname "$0")/.."
DATA=${1:?usage: bash tools/gpu_check.sh FER2013_DIR_OR_ZIP [OUT_DIR]}
OUT=${2:-gpu-check}
BUDGET=${GPU_CHECK_BUDGET:-540}          # seconds for the whole check
EPOCHS=${GPU_CHECK_EPOCHS:-4}
HALTING_EPOCHS=${GPU_CHECK_HALTING_EPOCHS:-2}     # per rule
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1 MPLBACKEND=Agg
export WANDB_MODE=offline WANDB_SILENT=true NO_ALBUMENTATIONS_UPDATE=1
start=$SECONDS
gpu=$(python3 -c "import torch; print(torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'no-gpu')")
[ "$gpu" = no-gpu ] && { echo "gpu_check: no CUDA device visible to torch" >&2; exit 2; }
RES="$OUT/$(echo "$gpu" | tr -c 'A-Za-z0-9.\n' '-')"
mkdir -p "$RES"
{ echo "gpu: $gpu"; nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null
  python3 -c "import torch, platform; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'python',
platform.python_version(), 'cpus', __import__('os').cpu_count())"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null)"
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"; } > "$RES/env.txt"
cat "$RES/env.txt"
declare -a STATUS

step() {  # step NAME LIMIT_S COMMAND...: run with a time limit, log to RES/NAME.log, record the exit status
  local name=$1 limit=$2; shift 2
  local left=$((BUDGET - (SECONDS - start)))
  [ "$limit" -gt "$left" ] && limit=$left
  if [ "$limit" -lt 20 ]; then STATUS+=("$name: skipped (budget spent)"); echo "== $name: skipped"; return; fi
  echo "== $name (at most ${limit}s)"
  local t0=$SECONDS
  timeout -k 10 "$limit" "$@" > "$RES/$name.log" 2>&1
  local rc=$?
  STATUS+=("$name: exit $rc in $((SECONDS - t0))s$([ $rc = 124 ] && echo ' (time limit)')")
  tail -n 4 "$RES/$name.log"
}

step run_all 150 python3 benchmarks/run_all.py --device cuda --quick --sections 1 2 3 --out "$RES/run_all"

RF=(python3 -c "from recursive_fer.cli import main; main()")     # the CLI, also where the package is not installed
step train 170 "${RF[@]}" train --recipe gpu --data "$DATA" --epochs "$EPOCHS" --act_warmup_epochs 1 \
  --tau_warmup_epochs 1 --wandb_mode disabled --no-resume --out_dir "$RES/train" --cache_dir /tmp/gpu-check-cache
python3 tools/gpu_summary.py --train "$RES/train" > "$RES/train/speed.json"   # reads last.pt before it goes
rm -rf "$RES/train/checkpoints"                                   # weights stay on the machine: too big to keep

nb_cuda=$(grep -l '#| cuda' nbs/*.ipynb | tr '\n' ' ')
echo "notebooks with cuda tests: $nb_cuda"
# 3 and 4 check correctness, not speed: they run side by side
step nbtest_cuda 170 python3 tools/nbtest.py --flags cuda --n_workers 4 --path "$nb_cuda" &
pid_nb=$!
step kernel_e2e 170 python3 tools/kernel_e2e.py
wait $pid_nb
# the background step's status is in its own shell: read it back from its log
grep -q 'nbdev_test: .* 0 failed' "$RES/nbtest_cuda.log" 2>/dev/null && nb_ok=passed || nb_ok=failed

step halting 150 "${RF[@]}" study --recipe gpu --data "$DATA" --epochs "$HALTING_EPOCHS" --act_warmup_epochs 1 \
  --tau_warmup_epochs 1 --no-wandb --seeds 1 --vary halting=act,pondernet,confidence,learned_exit \
  --out_dir "$RES/halting" --cache_dir /tmp/gpu-check-cache
find "$RES/halting" -name checkpoints -type d -prune -exec rm -rf {} +   # weights stay on the machine

step compiled 150 python3 benchmarks/run_all.py --device cuda --quick --sections 1 3 --compile reduce-overhead \
  --out "$RES/compiled"

python3 tools/gpu_summary.py --res "$RES" "nbtest_cuda: $nb_ok" "${STATUS[@]}" > "$RES/summary.md"
cat "$RES/summary.md"
echo "gpu_check: $((SECONDS - start))s, results in $RES"

#!/usr/bin/env python
"""Every post-hoc readout from tau = -1 to 0 of some models on their validation and their test faces, and the rules
that choose tau on validation, scored on test (issue 37's `ferplus` readout, `results/ferplus-70-deferred/tradeoff/`).

    python benchmarks/val_test_curves.py --data ../shared/data/ferplus-dev.zip \\
        --run 42 runs/ferplus-70-deferred/sampler_from-0.7/seed-42 runs/posthoc/ferplus70-val-42 \\
        --run 43 runs/ferplus-70-deferred/sampler_from-0.7/seed-43 runs/posthoc/ferplus70-val-43 \\
        --run 44 runs/ferplus-70-deferred/sampler_from-0.7/seed-44 runs/posthoc/ferplus70-val-44 \\
        --out benchmarks/results/ferplus-70-deferred/tradeoff

Each `--run SEED RUN_DIR VAL_EVALUATION_DIR`: the run (its config, and its test evaluation in RUN_DIR/evaluation) and
an evaluation of its validation split (`recursive-fer evaluate --checkpoint RUN_DIR/checkpoints/best.pt --data D
--split val --tta none --out_dir VAL_EVALUATION_DIR`). Writes val_test_curves.csv and prints, per rule, the taus
chosen on validation and the test means over the runs (Contempt as faces of the test split's count).
"""
import argparse
from pathlib import Path
import pandas as pd
from remedy_tradeoff import model_curve
from recursive_fer.readouts import pick_tau
from recursive_fer.utils import atomic_write

COLS = ['accuracy', 'balanced_accuracy', 'recall_Contempt', 'recall_Disgust']
RULES = (('most accurate', 0.0), ('most accurate with validation balanced accuracy >= 66%', 0.66))

def curves(runs:list, data:str)->pd.DataFrame:
    "Every run's curve on validation and on test, tau <= 0."
    out = []
    for seed, run, val in runs:
        for split, ev in (('val', Path(val)), ('test', Path(run)/'evaluation')):
            c = model_curve(f'{split}{seed}', Path(run), ev, data)
            out.append(c[c.tau <= 1e-9].assign(seed=int(seed), split=split))
    return pd.concat(out, ignore_index=True)

def score(c:pd.DataFrame, floor:float)->pd.DataFrame:
    "Per seed: the tau `evaluate` picks on validation (most accurate with balanced >= floor), read on test."
    rows = []
    for seed in c.seed.unique():
        tau = pick_tau(c[(c.seed == seed) & (c.split == 'val')], floor)                # evaluate's own rule
        test = c[(c.seed == seed) & (c.split == 'test')]
        rows.append(test[(test.tau - tau).abs() < 1e-9].iloc[0])
    return pd.DataFrame(rows)

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    ap.add_argument('--data', required=True, help='the data set the runs trained on')
    ap.add_argument('--run', nargs=3, action='append', required=True, metavar=('SEED', 'RUN_DIR', 'VAL_EVALUATION'))
    ap.add_argument('--out', required=True, help='folder for val_test_curves.csv')
    a = ap.parse_args()
    c = curves(a.run, a.data)
    Path(a.out).mkdir(parents=True, exist_ok=True)
    atomic_write(Path(a.out)/'val_test_curves.csv', c.round(4).to_csv(index=False))
    contempt = (pd.read_csv(Path(a.run[0][1])/'evaluation'/'predictions.csv').true_name == 'Contempt').sum()
    for name, floor in RULES:
        rows = score(c, floor)
        print(f"{name}: taus {rows.tau.tolist()}, test means", (100 * rows[COLS].mean()).round(1).to_dict(),
              f"Contempt of {contempt}: {contempt * rows.recall_Contempt.mean():.1f}")

if __name__ == '__main__': main()

#!/usr/bin/env python
"""Every post-hoc readout from tau = -1 to 0 of the three ferplus models on their validation and their test faces
(val_test_curves.csv), and two rules that choose tau on validation, scored on test. Needs the local run folders:

    python benchmarks/results/ferplus-70-deferred/tradeoff/val_test_curves.py
"""
import sys
from pathlib import Path
import pandas as pd
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))                       # benchmarks/
from remedy_tradeoff import model_curve
from recursive_fer.readouts import pick_tau
from recursive_fer.utils import atomic_write

RUNS, DATA = Path('runs/ferplus-70-deferred/sampler_from-0.7'), '../shared/data/ferplus-dev.zip'
HERE = Path(__file__).parent
curves = []
for seed in (42, 43, 44):
    run = RUNS/f'seed-{seed}'
    for split, ev in (('val', Path(f'runs/posthoc/ferplus70-val-{seed}')), ('test', run/'evaluation')):
        c = model_curve(f'{split}{seed}', run, ev, DATA)
        curves.append(c[c.tau <= 1e-9].assign(seed=seed, split=split))
curves = pd.concat(curves, ignore_index=True)
atomic_write(HERE/'val_test_curves.csv', curves.round(4).to_csv(index=False))

cols = ['accuracy', 'balanced_accuracy', 'recall_Contempt', 'recall_Disgust']
for name, floor in (('most accurate', 0.0), ('most accurate with validation balanced accuracy >= 66%', 0.66)):
    rows = []
    for seed in (42, 43, 44):
        tau = pick_tau(curves[(curves.seed == seed) & (curves.split == 'val')], floor)   # evaluate's own rule
        test = curves[(curves.seed == seed) & (curves.split == 'test')]
        rows.append(test[(test.tau - tau).abs() < 1e-9].iloc[0])
    rows = pd.DataFrame(rows)
    print(f"{name}: taus {rows.tau.tolist()}, test means", (100 * rows[cols].mean()).round(1).to_dict(),
          f"Contempt of 16: {16 * rows.recall_Contempt.mean():.1f}")

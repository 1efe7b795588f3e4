#!/usr/bin/env python
"""Collect a `recursive-fer train --seeds N` run on FER+ into benchmarks/results/ferplus/: the summary over seeds,
each seed's report, config and history, and one figure of every seed's mean ponder cost against human agreement.

    recursive-fer train --recipe cpu --data ../shared/data/ferplus-dev.zip --seeds 3 --out_dir runs/ferplus-cpu-seeds
    python benchmarks/ferplus_seeds.py runs/ferplus-cpu-seeds

Only numbers and plots of numbers are copied: no face image (the data set's licence keeps FER2013's faces out of the
repository; each seed's gallery stays in its run folder).
"""
import argparse, shutil, sys
from pathlib import Path
import numpy as np
import pandas as pd
import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt
from recursive_fer.figures import bootstrap_ci
from recursive_fer.utils import atomic_write

ROOT = Path(__file__).resolve().parent.parent
COPY = ['config.json', 'history.json', 'training_curves.png', 'evaluation/report.md', 'evaluation/report.json',
        'evaluation/figures/steps_vs_agreement.png', 'evaluation/figures/steps_per_class.png',
        'evaluation/figures/confusion_matrix.png']

def agreement_curve(pred:pd.DataFrame, seed:int)->pd.DataFrame:
    "Mean ponder cost and its 95% bootstrap CI at each level of agreement (levels under 0.5 merged)."
    d = pred[np.isfinite(pred.agreement)].copy()
    d['level'] = np.maximum(np.round(d.agreement, 1), 0.5)
    rows = [(lv, g.ponder_cost.mean(), *bootstrap_ci(g.ponder_cost.to_numpy(), seed=i), len(g))
            for i, (lv, g) in enumerate(d.groupby('level'))]
    return pd.DataFrame(rows, columns=['agreement', 'mean', 'ci_low', 'ci_high', 'n']).assign(seed=seed)

def main(run:Path, out:Path):
    seeds = sorted(p for p in run.glob('seed-*') if (p/'evaluation'/'report.json').exists())
    if not seeds: sys.exit(f'{run}: no seed-*/evaluation/report.json (run `recursive-fer train ... --seeds N` first)')
    out.mkdir(parents=True, exist_ok=True)
    for f in ('seeds.md', 'seeds.csv', 'seeds.json'): shutil.copy(run/f, out/f)
    curves = []
    for s in seeds:
        for f in COPY:
            if (s/f).exists():
                (out/s.name).mkdir(exist_ok=True)
                shutil.copy(s/f, out/s.name/Path(f).name)
        curves.append(agreement_curve(pd.read_csv(s/'evaluation'/'predictions.csv'), int(s.name.split('-')[1])))
    curves = pd.concat(curves)
    atomic_write(out/'agreement_curves.csv', curves.to_csv(index=False))
    fig, ax = plt.subplots(figsize=(6.6, 4))
    for i, (seed, c) in enumerate(curves.groupby('seed')):
        x = c.agreement + (i - 1) * 0.008                             # side by side, not on top of one another
        ax.errorbar(x, c['mean'], yerr=[c['mean'] - c.ci_low, c.ci_high - c['mean']], fmt='o-', capsize=3,
                    label=f'seed {seed}')
    ax.set(xlabel='human agreement (share of the 10 votes for the top emotion; <= 0.5 pooled)',
           ylabel='mean ponder cost (N + R)', title='FER+ test faces: thinking time against human agreement')
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out/'steps_vs_agreement_seeds.png', dpi=110)
    plt.close(fig)
    print(f'wrote {out}')

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], allow_abbrev=False)
    p.add_argument('run', type=Path, help='the --out_dir of a `recursive-fer train --seeds N` run')
    p.add_argument('--out', type=Path, default=ROOT/'benchmarks'/'results'/'ferplus')
    a = p.parse_args()
    main(a.run, a.out)

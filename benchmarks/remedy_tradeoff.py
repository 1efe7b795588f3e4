#!/usr/bin/env python
"""The rare-class remedies' trade-off: every post-hoc readout of each model, accuracy against balanced accuracy and
against Contempt's recall (issue 37's screen on FER+).

    python benchmarks/remedy_tradeoff.py --data ../shared/data/ferplus-dev.zip \\
        --run none runs/ferplus-remedies-la/logit_adjust-0.0/seed-42 \\
        --run 'sampler balanced' runs/ferplus-remedies-sampler/sampler-balanced/seed-42 \\
        --run 'logit_adjust 1' runs/ferplus-remedies-la/logit_adjust-1.0/seed-42 runs/posthoc/la1-neg

Each `--run NAME RUN_DIR [EVALUATION_DIR]` reads the run's config (its lean from the prior: the grid's start) and the
evaluation's predictions.csv (default RUN_DIR/evaluation). The curves are computed on the test faces themselves, so
they show what each model can trade, not a tuned result: the tau chosen on validation is marked on each curve.
Writes curves.csv and tradeoff.png to --out.
"""
import argparse, json
from pathlib import Path
import numpy as np
import pandas as pd
import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt
from recursive_fer.dataset import read_table
from recursive_fer.readouts import posthoc_curve, tau_grid
from recursive_fer.splits import prior_lean
from recursive_fer.utils import atomic_write

def train_log_prior(data:str, cfg:dict)->np.ndarray:
    """Log of the training split's class frequencies, as the run split and labelled them (its label mode: the
    prior the evaluation's post-hoc readout uses, so the chosen tau's star lies on the curve)."""
    table, classes = read_table(data, cfg.get('layout'), cfg.get('val_frac', 0.1), cfg.get('seed', 42),
                                cfg.get('subject_split', False), cfg.get('label_mode', 'majority'))
    counts = np.bincount(table.label[table.split == 'train'], minlength=len(classes))
    return np.log(np.maximum(counts, 1) / counts.sum()), list(classes)

def model_curve(name:str, run_dir:Path, eval_dir:Path, data:str)->pd.DataFrame:
    "One model's post-hoc curve over its grid, with the tau chosen on validation flagged."
    cfg = json.loads((run_dir/'config.json').read_text())
    log_prior, classes = train_log_prior(data, cfg)
    df = pd.read_csv(eval_dir/'predictions.csv')
    curve = posthoc_curve(df[[f'prob_{c}' for c in classes]].to_numpy(), df.true.to_numpy(), log_prior,
                          tau_grid(prior_lean(cfg)))
    chosen = json.loads((eval_dir/'report.json').read_text())['metrics']['posthoc_tau']
    curve = curve.rename(columns={f'recall_{k}': f'recall_{c}' for k, c in enumerate(classes)})
    return curve.assign(model=name, chosen=np.isclose(curve.tau, chosen), plain=curve.tau == 0)

def plot(curves:pd.DataFrame, out:Path, targets:dict, floor:float=0.0):
    "Accuracy against balanced accuracy and against Contempt's recall, one line per model."
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharex=True)
    for i, (name, c) in enumerate(curves.groupby('model', sort=False)):
        for ax, y in zip(axes, ('balanced_accuracy', 'recall_Contempt')):
            plain = float(c.accuracy[c.plain].iloc[0])
            ax.plot(c.accuracy, c[y], '-', color=f'C{i}', lw=1.5, label=f'{name} (plain readout {plain:.1%})')
            ax.plot(c.accuracy[c.plain], c[y][c.plain], 'o', color=f'C{i}', ms=7)
            ax.plot(c.accuracy[c.chosen], c[y][c.chosen], '*', color=f'C{i}', ms=12, mec='k', mew=0.5)
    for ax, y, label in zip(axes, ('balanced_accuracy', 'recall_Contempt'), ('balanced accuracy', 'Contempt recall')):
        ax.axhline(targets[y], color='grey', ls=':', lw=1)
        if floor: ax.axvline(floor, color='grey', ls=':', lw=1)
        ax.set(xlabel='accuracy (3,191 FER+ test faces)', ylabel=label, xlim=(0.70, 0.87))
        ax.grid(alpha=0.3)
    axes[0].set_ylim(0.5, 0.8)
    axes[1].set_ylabel('Contempt recall (16 faces: one face = 0.0625)')
    axes[0].legend(fontsize=8, loc='lower left')
    fig.suptitle('Each model\'s post-hoc readouts (log p - tau log prior, every tau of its grid): o plain readout, '
                 '* tau chosen on validation; dotted: the targets', fontsize=9)
    fig.tight_layout()
    fig.savefig(out/'tradeoff.png', dpi=110)

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0], allow_abbrev=False)
    p.add_argument('--data', required=True, help='the data set the runs trained on (for the training prior)')
    p.add_argument('--run', nargs='+', action='append', required=True, metavar='NAME RUN_DIR [EVALUATION_DIR]')
    p.add_argument('--accuracy_floor', type=float, default=0.0, help='the accuracy target, drawn when given')
    p.add_argument('--out', default='benchmarks/results/ferplus-remedies', help='where curves.csv and the plot go')
    a = p.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    curves = []
    for spec in a.run:
        if len(spec) not in (2, 3): p.error(f'--run takes NAME RUN_DIR [EVALUATION_DIR], got {spec}')
        run_dir = Path(spec[1])
        eval_dir = Path(spec[2]) if len(spec) == 3 else run_dir/'evaluation'
        curves.append(model_curve(spec[0], run_dir, eval_dir, a.data))
    curves = pd.concat(curves, ignore_index=True)
    atomic_write(out/'curves.csv', curves.round(4).to_csv(index=False))
    plot(curves, out, dict(balanced_accuracy=0.66, recall_Contempt=0.30), a.accuracy_floor)
    print(f'wrote {out/"curves.csv"} and {out/"tradeoff.png"}')

if __name__ == '__main__': main()

#!/usr/bin/env python
"""Does Contempt think longer than Happiness once it is recognised? Each model's steps of the two classes, per
readout, with a bootstrap CI in each run and a t-interval over seeds (issue 37, the *Do hard faces think longer?* page).

    python benchmarks/rare_steps.py \\
        --model 'sampler balanced, 30 epochs' runs/ferplus-remedies-sampler/sampler-balanced/seed-42 \\
        --model 'deferred sampler, 70 epochs' runs/ferplus-70-deferred/sampler_from-0.7/seed-4[234] \\
        --out benchmarks/results/ferplus-rare-steps

Each `--model NAME RUN_DIR...` reads RUN_DIR/evaluation/predictions.csv of every seed's run (a RUN_DIR may also be
an evaluation folder). The faces are the test faces of each true class, as in the report's Mann-Whitney test: the
halting's ponder cost (N + R), the step a face needs (faces never right are left out, so a model that never recognises
the hard class has no row for it) and the confidence exit's steps.
Writes rare_steps.csv, rare_steps.md and rare_steps.png to --out.
"""
import argparse
from pathlib import Path
from typing import List
import numpy as np
import pandas as pd
from scipy import stats
import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt
from recursive_fer.utils import atomic_write
from recursive_fer.readouts import READOUTS                       # the readouts' step columns, one definition


def predictions_of(run:Path)->pd.DataFrame:
    "A run's (or an evaluation folder's) predictions.csv."
    for path in (run/'evaluation'/'predictions.csv', run/'predictions.csv'):
        if path.exists(): return pd.read_csv(path)
    raise SystemExit(f'{run}: no evaluation/predictions.csv (evaluate the run first)')

def diff_ci(hard:np.ndarray, easy:np.ndarray, n_boot:int=2000, seed:int=0)->tuple:
    "Mean of `hard` minus mean of `easy`, with scipy's 95% percentile bootstrap CI (each class resampled on its own)."
    diff = lambda a, b, axis=-1: a.mean(axis) - b.mean(axis)
    ci = stats.bootstrap((hard, easy), diff, n_resamples=n_boot, method='percentile', random_state=seed)
    return diff(hard, easy), ci.confidence_interval.low, ci.confidence_interval.high

def run_rows(model:str, run:Path, hard:str, easy:str)->List[dict]:
    "One run's hard-minus-easy steps for every readout it has."
    df = predictions_of(run)
    recall = df.correct[df.true_name == hard].mean()
    rows = []
    for readout, col in READOUTS.items():
        if col not in df: continue
        h = df[col][df.true_name == hard].dropna().to_numpy(float)
        e = df[col][df.true_name == easy].dropna().to_numpy(float)
        if len(h) < 2 or len(e) < 2: continue
        d, lo, hi = diff_ci(h, e)
        p = stats.mannwhitneyu(h, e, alternative='greater').pvalue
        rows.append(dict(model=model, run=str(run), readout=readout, hard_recall=recall, hard_faces=len(h),
                         easy_faces=len(e), hard_steps=h.mean(), easy_steps=e.mean(), diff=d, ci_lo=lo, ci_hi=hi,
                         mann_whitney_p=p))
    return rows

def over_seeds(runs:pd.DataFrame)->pd.DataFrame:
    "Per model and readout: the mean difference over seeds, its t-interval (2+ seeds) and the runs' CI verdicts."
    def one(g:pd.DataFrame)->pd.Series:
        n = len(g)
        m = g['diff'].mean()
        half = stats.t.ppf(0.975, n - 1) * g['diff'].std(ddof=1) / np.sqrt(n) if n > 1 else np.nan
        return pd.Series(dict(seeds=n, hard_recall=g.hard_recall.mean(), hard_steps=g.hard_steps.mean(),
                              easy_steps=g.easy_steps.mean(), diff=m, lo=m - half, hi=m + half,
                              ci_above_0=int((g.ci_lo > 0).sum()), ci_below_0=int((g.ci_hi < 0).sum())))
    summary = runs.groupby(['model', 'readout'], sort=False).apply(one, include_groups=False).reset_index()
    return summary.astype(dict(seeds=int, ci_above_0=int, ci_below_0=int))

def markdown(summary:pd.DataFrame, hard:str, easy:str)->str:
    "The table for the page."
    rows = [f'| model | readout | seeds | {hard} recall | {hard} steps | {easy} steps | difference | 95% CI over seeds '
            f'| runs with CI > 0 / < 0 |', '|---|---|---|---|---|---|---|---|---|']
    for r in summary.itertuples():
        ci = f'[{r.lo:+.2f}, {r.hi:+.2f}]' if r.seeds > 1 else '(one seed)'
        rows.append(f'| {r.model} | {r.readout} | {r.seeds} | {r.hard_recall:.0%} | {r.hard_steps:.2f} | '
                    f'{r.easy_steps:.2f} | {r.diff:+.2f} | {ci} | {r.ci_above_0} / {r.ci_below_0} |')
    return '\n'.join(rows) + '\n'

def plot(runs:pd.DataFrame, summary:pd.DataFrame, out:Path, hard:str, easy:str):
    "Every run's difference with its bootstrap CI, one panel per readout, one row per model; black: the seeds' mean."
    readouts = [r for r in READOUTS if r in set(runs.readout)]
    models = list(dict.fromkeys(runs.model))
    fig, axes = plt.subplots(1, len(readouts), figsize=(4 * len(readouts), 0.55 * len(models) + 1.6), sharey=True)
    for ax, readout in zip(np.atleast_1d(axes), readouts):
        for i, model in enumerate(models):
            g = runs[(runs.readout == readout) & (runs.model == model)].reset_index(drop=True)
            ys = i + np.linspace(-0.15, 0.15, len(g)) if len(g) > 1 else [i] * len(g)
            for y, r in zip(ys, g.itertuples()):
                ax.errorbar(r.diff, y, xerr=[[r.diff - r.ci_lo], [r.ci_hi - r.diff]], fmt='o', color='C0', ms=4)
            s = summary[(summary.readout == readout) & (summary.model == model)]
            if len(s) and s.seeds.iloc[0] > 1:
                m, lo, hi = s[['diff', 'lo', 'hi']].iloc[0]
                ax.errorbar(m, i + 0.3, xerr=[[m - lo], [hi - m]], fmt='D', color='k', ms=5)
        ax.axvline(0, color='grey', lw=1)
        ax.set(title=readout + (f'\n(none where {hard} is never right)' if readout == 'needed steps' else ''),
               xlabel=f'{hard} minus {easy}, mean steps')
        ax.grid(alpha=0.3)
    first = np.atleast_1d(axes)[0]
    recall = runs.groupby('model', sort=False).hard_recall.mean()
    first.set_yticks(range(len(models)), [f'{m}\n{hard} recall {recall[m]:.0%}' for m in models], fontsize=8)
    first.invert_yaxis()
    fig.suptitle(f'Does {hard} take more steps than {easy}? Each seed with its 95% bootstrap CI (blue), the mean over '
                 'seeds with its t-interval (black) '
                 f'({runs.hard_faces.max()} {hard} test faces)', fontsize=9)
    fig.tight_layout()
    fig.savefig(out/'rare_steps.png', dpi=110)

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0], allow_abbrev=False)
    p.add_argument('--model', nargs='+', action='append', required=True, metavar='NAME RUN_DIR')
    p.add_argument('--hard', default='Contempt')
    p.add_argument('--easy', default='Happiness')
    p.add_argument('--out', default='benchmarks/results/ferplus-rare-steps')
    a = p.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for spec in a.model:
        if len(spec) < 2: p.error(f'--model takes NAME RUN_DIR..., got {spec}')
        for run in spec[1:]: rows += run_rows(spec[0], Path(run), a.hard, a.easy)
    runs = pd.DataFrame(rows)
    summary = over_seeds(runs)
    atomic_write(out/'rare_steps.csv', runs.round(4).to_csv(index=False))
    atomic_write(out/'rare_steps.md', markdown(summary, a.hard, a.easy))
    plot(runs, summary, out, a.hard, a.easy)
    print(markdown(summary, a.hard, a.easy))
    print(f'wrote {out}/rare_steps.csv, rare_steps.md and rare_steps.png')

if __name__ == '__main__': main()

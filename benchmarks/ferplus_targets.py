#!/usr/bin/env python
"""Issue 37's FER+ targets, per seed and as means over seeds: each model's accuracy, balanced accuracy, rare-class
recalls and training time, checked against the targets (balanced >= 66%, Contempt >= 30%, Disgust >= 40%, single-view
accuracy no more than 0.5 points below the first model's mean, <= 60 minutes of training).

    python benchmarks/ferplus_targets.py \\
        --model 'cpu, majority labels' runs/ferplus-70/label_mode-majority/seed-4[234] \\
        --model 'cpu, vote distributions' runs/ferplus-70/label_mode-crossentropy/seed-4[234] \\
        --model 'ferplus' runs/ferplus-70-deferred/sampler_from-0.7/seed-4[234] \\
        --out benchmarks/results/ferplus-targets

The first `--model` is the anchor (the plain recipe whose accuracy the others may trail by at most 0.5 points). Each
RUN_DIR is a finished run (or an evaluation folder inside it made with `recursive-fer evaluate --posthoc_floor F`:
then its post-hoc readout, tau chosen on validation, is what counts): config.json, evaluation/report.json (the test
split's metrics) and, where the run folder still holds them, checkpoints/best.pt (the epoch kept) and last.pt (the
training time, `elapsed_s`), else the summary.json of a copy of the run (`benchmarks/collect_run.py --run RUN_DIR
--out COPY`); without either, no time is shown.
Writes targets.csv, targets.md and targets.png to --out.
"""
import argparse, json
from pathlib import Path
from typing import Dict, List, Optional
import pandas as pd
import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt
from recursive_fer.checkpoint import load_checkpoint
from recursive_fer.utils import atomic_write
from recursive_fer.runs import seed_summary

TARGETS = dict(balanced=0.66, Contempt=0.30, Disgust=0.40, minutes=60.0, accuracy_gap=0.005)
RECALLS = ['Contempt', 'Disgust', 'Fear']

def checkpoint_field(run:Path, name:str, key:str)->Optional[float]:
    """One number of a run's checkpoint `name` (`best`: `epoch`; `last`: `elapsed_s`), from the checkpoint itself or
    from the summary.json of a copy of the run (`benchmarks/collect_run.py`); None when neither is there."""
    path = run/'checkpoints'/f'{name}.pt'
    if path.exists(): return load_checkpoint(path).get(key)
    summary = run/'summary.json'
    if not summary.exists(): return None
    s = json.loads(summary.read_text())
    return s.get('best_epoch') if key == 'epoch' else s.get('train_minutes', float('nan')) * 60

def run_row(model:str, path:Path)->Dict:
    """One finished run's numbers. `path` is a run folder (its `evaluation/`, plain readout) or an evaluation folder
    inside one made with `recursive-fer evaluate --posthoc_floor F` (its post-hoc readout above the floor)."""
    own = (path/'report.json').exists()
    run, report = (path.parent, path/'report.json') if own else (path, path/'evaluation'/'report.json')
    if not report.exists(): raise SystemExit(f'{path}: no evaluation/report.json (not finished?)')
    m = json.loads(report.read_text())['metrics']
    if own and 'floor_tau' not in m:                             # own: the readout above the floor
        raise SystemExit(f'{path}: an evaluation folder counts only when made with --posthoc_floor (its readout)')
    recall = {c: m['floor_recall'][c] if own else m['per_class'][c]['recall'] for c in RECALLS}
    elapsed = checkpoint_field(run, 'last', 'elapsed_s')
    return dict(model=model, seed=json.loads((run/'config.json').read_text())['seed'],
                accuracy=m['floor_accuracy' if own else 'accuracy'],
                flip_tta=None if own else m.get('tta_accuracy'),
                balanced=m['floor_balanced_accuracy' if own else 'balanced_accuracy'], **recall,
                epoch=checkpoint_field(run, 'best', 'epoch'),
                minutes=None if elapsed is None else elapsed / 60, run=str(path))

def means(runs:pd.DataFrame)->pd.DataFrame:
    "Mean and standard deviation over seeds of each model (and its fastest seed's minutes), in the given order."
    cols = ['accuracy', 'flip_tta', 'balanced', *RECALLS, 'minutes']
    fastest = runs.groupby('model', sort=False).minutes.min().rename('fastest')
    s = seed_summary(runs, 'model', cols)
    return s.drop(columns='seeds').join(fastest).join(s.seeds)

def verdicts(summary:pd.DataFrame)->pd.DataFrame:
    """Each target met or not, on the means (accuracy against the first model's mean; time: the fastest seed's); a mean
    exactly on a target (10 of 25 Disgust faces is 40%) meets it, whatever the float rounding."""
    floor, eps = summary.accuracy.iloc[0] - TARGETS['accuracy_gap'], 1e-9
    return pd.DataFrame({'accuracy': summary.accuracy >= floor - eps,
                         'balanced': summary.balanced >= TARGETS['balanced'] - eps,
                         'Contempt': summary.Contempt >= TARGETS['Contempt'] - eps,
                         'Disgust': summary.Disgust >= TARGETS['Disgust'] - eps,
                         'minutes': summary.fastest.le(TARGETS['minutes']).where(summary.fastest.notna())})

def pct(x:Optional[float], sd:Optional[float]=None)->str:
    "A fraction as a percentage, with its standard deviation over seeds when there is one."
    if x is None or pd.isna(x): return '-'
    return f'{100 * x:.1f}%' + (f' ± {100 * sd:.1f}' if sd is not None and not pd.isna(sd) else '')

def markdown(runs:pd.DataFrame, summary:pd.DataFrame, met:pd.DataFrame)->str:
    "Per-seed rows, then the means over seeds with each target's verdict."
    minutes = lambda x: '-' if x is None or pd.isna(x) else f'{x:.1f}'
    lines = ['| model | seed | accuracy (flip TTA) | balanced | Contempt | Disgust | Fear | epoch kept '
             '| training (min) |',
             '|---|---|---|---|---|---|---|---|---|']
    for r in runs.itertuples():
        epoch = '-' if r.epoch is None or pd.isna(r.epoch) else int(r.epoch)
        lines.append(f'| {r.model} | {r.seed} | {pct(r.accuracy)} ({pct(r.flip_tta)}) | {pct(r.balanced)} | '
                     f'{pct(r.Contempt)} | {pct(r.Disgust)} | {pct(r.Fear)} | {epoch} | {minutes(r.minutes)} |')
    floor = summary.accuracy.iloc[0] - TARGETS['accuracy_gap']
    lines += ['', f'Means over seeds (± standard deviation). Targets: accuracy >= {pct(floor)} (the first model\'s '
              'mean minus 0.5 points), balanced >= 66%, Contempt >= 30%, Disgust >= 40%, training <= 60 min on 2 idle '
              'cores. Training times are wall-clock and include whatever else the machine ran, so the time target is '
              'read on the fastest seed.', '',
              '| model | seeds | accuracy | balanced | Contempt | Disgust | Fear | training (min): mean, fastest '
              '| targets not met |',
              '|---|---|---|---|---|---|---|---|---|']
    for name, s in summary.iterrows():
        missed = [k for k, ok in met.loc[name].items() if not pd.isna(ok) and not ok]
        lines.append(f'| {name} | {int(s.seeds)} | {pct(s.accuracy, s.accuracy_sd)} | '
                     f'{pct(s.balanced, s.balanced_sd)} | '
                     f'{pct(s.Contempt, s.Contempt_sd)} | {pct(s.Disgust, s.Disgust_sd)} | {pct(s.Fear, s.Fear_sd)} | '
                     f'{minutes(s.minutes)}, {minutes(s.fastest)} | {", ".join(missed) or "none"} |')
    return '\n'.join(lines) + '\n'

def plot(runs:pd.DataFrame, summary:pd.DataFrame, out:Path):
    "Accuracy against balanced accuracy, each seed a dot and each mean a cross; the target region shaded."
    fig, ax = plt.subplots(figsize=(6.5, 6))
    floor = summary.accuracy.iloc[0] - TARGETS['accuracy_gap']
    ax.add_patch(plt.Rectangle((100 * floor, 100 * TARGETS['balanced']), 100, 100, color='tab:green', alpha=0.07,
                               label='both targets met (Contempt and Disgust: see the legend and table)'))
    ax.axvline(100 * floor, color='tab:green', lw=1, ls='--', label='accuracy floor (anchor - 0.5)')
    ax.axhline(100 * TARGETS['balanced'], color='tab:green', lw=1, ls=':', label='balanced accuracy >= 66%')
    for i, (name, s) in enumerate(summary.iterrows()):
        d, c = runs[runs.model == name], f'C{i}'
        ax.scatter(100 * d.accuracy, 100 * d.balanced, color=c, s=25, alpha=0.6)
        ax.scatter(100 * s.accuracy, 100 * s.balanced, color=c, marker='X', s=110,
                   label=f'{name} (mean of {int(s.seeds)}; Contempt {pct(s.Contempt)}, Disgust {pct(s.Disgust)})')
    xs, ys = 100 * runs.accuracy, 100 * runs.balanced
    ax.set_xlim(min(xs.min(), 100 * floor) - 0.8, max(xs.max(), 100 * floor) + 0.8)
    ax.set_ylim(min(ys.min(), 100 * TARGETS['balanced']) - 2, ys.max() + 2)
    ax.set(xlabel='single-view accuracy (%)', ylabel='balanced accuracy (%)',
           title=f'FER+ test faces: each dot a seed ({len(runs)} runs), each cross a mean')
    ax.legend(fontsize=7, loc='upper center', bbox_to_anchor=(0.5, -0.14), ncol=1, frameon=False)
    fig.tight_layout()
    fig.savefig(out/'targets.png', dpi=110)
    plt.close(fig)

def main(argv:Optional[List[str]]=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0], allow_abbrev=False)
    p.add_argument('--model', nargs='+', action='append', required=True, metavar=('NAME', 'RUN_DIR'),
                   help='a name, then its finished runs (one per seed); the first model is the accuracy anchor')
    p.add_argument('--out', type=Path, required=True, help='folder for targets.csv, targets.md, targets.png')
    a = p.parse_args(argv)
    for m in a.model:
        if len(m) < 2: p.error(f'--model {m[0]!r} names no run folder')
    runs = pd.DataFrame([run_row(m[0], Path(r)) for m in a.model for r in m[1:]])
    summary = means(runs)
    met = verdicts(summary)
    a.out.mkdir(parents=True, exist_ok=True)
    atomic_write(a.out/'targets.csv', runs.round(4).to_csv(index=False))
    atomic_write(a.out/'targets.md', markdown(runs, summary, met))
    plot(runs, summary, a.out)
    print(markdown(runs, summary, met))
    print(f'wrote {a.out}/targets.csv, targets.md and targets.png')

if __name__ == '__main__': main()

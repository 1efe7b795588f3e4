#!/usr/bin/env python
"""Validation steps per emotion, epoch by epoch, for one or more training runs (their history.json files).

    python benchmarks/steps_over_epochs.py --runs "tau 0.005=runs/a/history.json" "tau 0.001=runs/b/history.json" \\
        --out DIR

Writes steps_over_epochs.png (one panel per run: mean ponder cost N + R of each emotion's validation faces, with
tau and validation accuracy) and steps_over_epochs.json (the same numbers), so a collapse of the steps shows at once.
"""
import argparse, json
from pathlib import Path
import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt
from recursive_fer.utils import atomic_write
from recursive_fer.tracking import current_keys

PREFIX = 'Val/Ponder_Cost_Per_Class/'

def read(path:Path)->dict:
    "Per epoch: tau, validation accuracy and mean steps, and each emotion's mean validation steps."
    hist = [current_keys(h) for h in json.loads(Path(path).read_text())]   # older histories: older key names
    classes = [k[len(PREFIX):] for k in hist[0] if k.startswith(PREFIX)]
    return dict(epoch=[h['epoch'] for h in hist], tau=[h.get('tau') for h in hist],
                val_acc=[h['Val/Accuracy'] for h in hist],
                val_steps=[h['Val/Ponder_Cost'] for h in hist],
                per_class={c: [h.get(PREFIX + c) for h in hist] for c in classes})

def plot(runs:dict, out:Path):
    from matplotlib.ticker import MaxNLocator
    top = max(v for r in runs.values() for ys in r['per_class'].values() for v in ys if v is not None) + 0.3
    fig, axs = plt.subplots(1, len(runs), figsize=(5.2 * len(runs), 3.8), sharey=True, squeeze=False)
    for ax, (name, r) in zip(axs[0], runs.items()):
        for c, ys in r['per_class'].items(): ax.plot(r['epoch'], ys, marker='.', label=c)
        ax.set(title=name, xlabel='epoch', ylim=(1, top))
        ax.grid(alpha=0.3)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        tw = ax.twinx()
        tw.plot(r['epoch'], r['val_acc'], 'k--', lw=1, label='val accuracy')
        tw.set_ylim(0, 1)
        if ax is axs[0][-1]: tw.set_ylabel('validation accuracy (dashed)')
        else: tw.set_yticklabels([])
    axs[0][0].set_ylabel('mean validation steps N + R')
    axs[0][0].legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(out/'steps_over_epochs.png', dpi=110)
    plt.close(fig)

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    ap.add_argument('--runs', nargs='+', required=True, help='NAME=path/to/history.json')
    ap.add_argument('--out', default='.', help='folder for steps_over_epochs.png and .json')
    a = ap.parse_args()
    runs = {}
    for spec in a.runs:
        name, sep, path = spec.rpartition('=')
        if not sep: ap.error(f'expected NAME=path/to/history.json, got {spec!r}')
        runs[name] = read(Path(path))
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    plot(runs, out)
    atomic_write(out/'steps_over_epochs.json', json.dumps(runs, indent=1))
    print(f'wrote {out}/steps_over_epochs.png and steps_over_epochs.json')

if __name__ == '__main__': main()

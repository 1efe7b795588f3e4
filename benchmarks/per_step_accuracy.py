#!/usr/bin/env python
"""Is a trained ACT model held back by where it halts? Its own halting against every fixed depth of the same weights.

    python benchmarks/per_step_accuracy.py --runs "cpu=runs/fer2013-cpu" "fixed 2=runs/fer2013-fixed2" \
        --out benchmarks/results/real_faces/per_step

For each run (its best checkpoint, its own faces and splits, single view, float32): accuracy on the test split of
the model as trained (ACT halting, or its fixed depth), of the classifier read out after exactly k steps for every k
(`readouts.every_step`: no halting), of the mean of the first k steps' probabilities, and the share of faces that some
step classifies correctly (an oracle, not reachable: it knows the label); an exact McNemar test compares the run's
own readout with its best forced depth, face by face. Writes per_step.json and per_step.png.
"""
import argparse, json
from pathlib import Path
import numpy as np, torch
import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt
from torch.utils.data import DataLoader
from tqdm.auto import tqdm
from recursive_fer.checkpoint import load_checkpoint, model_from_checkpoint
from recursive_fer.config import TrainConfig
from recursive_fer.readouts import every_step
from recursive_fer.splits import build_splits
from recursive_fer.utils import atomic_write

def mcnemar(a:np.ndarray, # [n] bool: faces the first readout gets right
            b:np.ndarray # [n] bool: faces the second gets right
           )->dict: # faces only the first gets right, only the second, and the exact two-sided McNemar p
    "Exact McNemar test of two readouts on the same faces (a binomial test on the faces they disagree on)."
    from scipy.stats import binomtest
    only_a, only_b = int((a & ~b).sum()), int((~a & b).sum())
    p = binomtest(only_a, only_a + only_b).pvalue if only_a + only_b else 1.0
    return dict(only_first=only_a, only_second=only_b, p=float(p))

def readouts(run:Path, split:str='test', batch_size:int=256)->dict:
    "The run's accuracy with its own halting and at every forced depth, on one split."
    cfg = TrainConfig.load(run/'config.json')
    ds = build_splits(cfg, show=False).datasets[split]
    model = model_from_checkpoint(load_checkpoint(run/'checkpoints'/'best.pt'), torch.device('cpu')).eval()
    ys, own, steps, per_step = [], [], [], []
    with torch.no_grad():
        for x, y in tqdm(DataLoader(ds, batch_size, shuffle=False), desc=run.name, leave=False):
            out = model.act_forward(x)
            ys.append(y)
            own.append(out.logits.argmax(1))
            steps.append(out.steps)
            per_step.append(every_step(model, x)[0])                     # [b, N_max, K]
    y, own, steps, logits = torch.cat(ys), torch.cat(own), torch.cat(steps), torch.cat(per_step)
    acc = lambda pred: (pred == y).float().mean().item()
    probs = logits.softmax(2)
    n = logits.shape[1]
    head_at = [acc(logits[:, k].argmax(1)) for k in range(n)]
    best = logits[:, int(np.argmax(head_at))].argmax(1)
    return dict(split=split, faces=len(y), halting=cfg.model.halting, max_steps=n, own=acc(own),
                vs_best_forced=mcnemar((own == y).numpy(), (best == y).numpy()),
                mean_steps=steps.float().mean().item(),
                steps_histogram=np.bincount(steps.numpy(), minlength=n + 1)[1:].tolist(),
                head_at=head_at,
                mean_first=[acc(probs[:, :k + 1].mean(1).argmax(1)) for k in range(n)],
                oracle_any_step=(logits.argmax(2) == y[:, None]).any(1).float().mean().item())

def plot(results:dict, out:Path):
    "Accuracy against depth: each ACT run's forced depths (line) and its own halting (star, at its mean steps)."
    fig, ax = plt.subplots(figsize=(9.5, 4.2))
    for i, (name, r) in enumerate(results.items()):
        c, k = f'C{i}', np.arange(1, r['max_steps'] + 1)
        if r['act']:
            ax.plot(k, 100 * np.array(r['head_at']), '-o', color=c, ms=4, label=f'{name}: forced depth k')
            ax.plot(r['mean_steps'], 100 * r['own'], '*', color=c, ms=14, mec='k', label=f'{name}: its halting')
        else: ax.plot(r['max_steps'], 100 * r['own'], 's', color=c, ms=8, mec='k', label=f'{name} (trained at k)')
    ax.set(xlabel='recursive steps per face (k, or the mean under halting)', ylabel='test accuracy (%)',
           title='Halting against forcing every depth of the same weights')
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc='center left', bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    fig.savefig(out/'per_step.png', dpi=110)
    plt.close(fig)

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    ap.add_argument('--runs', nargs='+', required=True, help='name=run folder (the --out_dir of a training)')
    ap.add_argument('--out', default='benchmarks/results/real_faces/per_step', help='where the numbers and plot go')
    ap.add_argument('--split', default='test', choices=('val', 'test'), help='the split to read out on')
    a = ap.parse_args()
    pairs = [r.split('=', 1) for r in a.runs]
    if bad := [r for r, p in zip(a.runs, pairs) if len(p) != 2 or not (Path(p[1])/'config.json').is_file()]:
        ap.error(f'expected name=run folder with a config.json, got {bad}')
    results = {name: readouts(Path(run), a.split) for name, run in pairs}
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out/'per_step.json', json.dumps(dict(command=' '.join(['python benchmarks/per_step_accuracy.py --runs',
                 *[f'"{r}"' for r in a.runs], '--out', a.out]), runs=results), indent=1))
    plot(results, out)
    for name, r in results.items():
        print(f"{name}: own {r['own']:.4f} at {r['mean_steps']:.2f} steps; forced "
              f"{' '.join(f'{v:.4f}' for v in r['head_at'])} (McNemar against the best: p "
              f"{r['vs_best_forced']['p']:.3f}); best mean-of-first {max(r['mean_first']):.4f}; "
              f"oracle {r['oracle_any_step']:.4f}")

if __name__ == '__main__': main()

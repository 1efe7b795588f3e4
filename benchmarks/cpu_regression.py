#!/usr/bin/env python
"""CPU before and after: the training loop, the data path and early-exit inference of an older commit against the
working tree, measured side by side in one run.

    python benchmarks/cpu_regression.py --base 3613872      # the commit before issue 14's changes (the default)

Each version's package is imported from its own source tree (`git archive` of `--base`; the working tree for the
current code) in a fresh child process, and the two run in alternating order (ABBA...) round after round, so drift on
a shared machine hits both alike. Every child times the same three things on the same synthetic faces with its own
version's code: a training epoch through `run_epoch` (DataLoader, Albumentations, model, AdamW), a pass over the
augmented training set alone, and compacted early-exit inference. The report gives per-version medians over rounds
and the after/before ratio of each round's numbers.
"""
from typing import Dict
import argparse, json, os, platform, statistics, sys, tempfile, time
from pathlib import Path
from benchlib import ROOT, extract, git, median_seconds, run_child

def child(data:str, reps:int)->Dict[str, float]:
    "Faces/s of this process's `recursive_fer` (whichever tree PYTHONPATH names) on `data`."
    import torch
    from torch.utils.data import DataLoader
    import recursive_fer
    try: from recursive_fer.config import TrainConfig              # its own module since issue 19
    except ImportError: from recursive_fer.train import TrainConfig
    try: from recursive_fer.epochs import run_epoch               # its own module since issue 23
    except ImportError: from recursive_fer.train import run_epoch
    from recursive_fer.dataset import RafDBDataset, read_table
    from recursive_fer.loss import DifferentiablePonderLoss
    from recursive_fer.model import RecursiveFER
    torch.manual_seed(0)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    table, classes = read_table(data, val_frac=0)
    cache = Path(data).parent/f'cache-{Path(recursive_fer.__file__).parent.parent.name}'   # one per version
    ds = RafDBDataset(table=table[table.split == 'train'], classes=classes, split='train', size=64, cache_dir=cache,
                      progress=False)
    cpu, cfg = torch.device('cpu'), TrainConfig(batch_size=64, width=32, max_steps=8)
    model = RecursiveFER(n_classes=len(classes), width=32, max_steps=8)
    opt, loss_fn = torch.optim.AdamW(model.parameters(), 1e-3), DifferentiablePonderLoss(0.01)
    dl = DataLoader(ds, 64, shuffle=True, num_workers=0)
    x = torch.randn(256, 3, 64, 64)
    def epoch(): run_epoch(model, dl, loss_fn, classes, cpu, opt, cfg=cfg, show=False, reduce=False)
    def augment():
        for _ in dl: pass
    def infer():
        with torch.no_grad():
            model.eval()
            model(x)
            model.train()
    res = {'recursive_fer': str(Path(recursive_fer.__file__).resolve().parent)}
    for name, fn, n, calls in (('train_epoch', epoch, len(ds), reps), ('augmented_data', augment, len(ds), reps),
                               ('inference', infer, len(x), 5 * reps)):
        res[name] = n / median_seconds(fn, calls)              # after one warm-up call
    return res

def measure(base:str, rounds:int, reps:int, tmp:Path)->dict:
    "Alternate the two versions over `rounds` rounds; every round's numbers of both."
    from recursive_fer.faces import make_synthetic_fer
    data = make_synthetic_fer(tmp/'data'/'faces', 'raf-kaggle', n_per_class=100, n_test_per_class=1, size=64)
    trees = {'before': extract(base, tmp/'before'), 'after': ROOT}
    runs = {'before': [], 'after': []}
    for r in range(rounds):
        for v in (('before', 'after') if r % 2 == 0 else ('after', 'before')):
            args = ['--child', str(data), '--reps', str(reps)]
            runs[v].append(run_child(__file__, trees[v], args, Path(data).parent))
            print(f'round {r + 1}/{rounds} {v}: ' + ', '.join(f'{k} {runs[v][-1][k]:.0f}/s' for k in METRICS),
                  flush=True)
    return runs

METRICS = ('train_epoch', 'augmented_data', 'inference')

def report(setup:dict, runs:dict)->str:
    "A markdown table: medians per version and the after/before ratio (median and range over rounds)."
    rows = []
    for k in METRICS:
        b, a = [r[k] for r in runs['before']], [r[k] for r in runs['after']]
        ratios = [x / y for x, y in zip(a, b)]
        rows.append(f'| {k} | {statistics.median(b):.0f} | {statistics.median(a):.0f} | '
                    f'{statistics.median(ratios):.3f} | {min(ratios):.3f} - {max(ratios):.3f} |')
    return '\n'.join([
        '# CPU before and after', '',
        f"`{setup['command']}` on {setup['machine']}, {setup['cores']} cores, torch {setup['torch']}, "
        f"{setup['seconds'] / 60:.0f} min. Before: commit `{setup['base']}`; after: the working tree at "
        f"`{setup['head']}`{' (with uncommitted changes)' if setup['dirty'] else ''}. {setup['rounds']} rounds in "
        f"alternating order, each a fresh process per version timing the median of {setup['reps']} calls.", '',
        'Faces/s: a training epoch (`run_epoch`, DataLoader without workers, Albumentations, width 32, batch 64, '
        '700 faces at 64px), the augmented data alone, and compacted inference (batch 256, untrained halting, 5x the '
        'calls).', '',
        '| measurement | before (faces/s) | after (faces/s) | after / before (median) | range over rounds |',
        '|---|---|---|---|---|', *rows, ''])

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    ap.add_argument('--base', default='3613872', help='the commit to compare against')
    ap.add_argument('--rounds', type=int, default=10)
    ap.add_argument('--reps', type=int, default=3, help='timed calls per measurement in each child')
    ap.add_argument('--out', default=str(ROOT/'benchmarks'/'results'/'cpu_regression'))
    ap.add_argument('--child', default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(child(a.child, a.reps)))
        return
    t0 = time.time()
    with tempfile.TemporaryDirectory() as d: runs = measure(a.base, a.rounds, a.reps, Path(d))
    import torch
    setup = dict(command='python benchmarks/cpu_regression.py' + ''.join(f' {x}' for x in sys.argv[1:]),
                 machine=platform.machine(), cores=os.cpu_count(), torch=torch.__version__, base=a.base,
                 head=git('rev-parse', '--short', 'HEAD'), dirty=bool(git('status', '--porcelain', '--', 'nbs',
                 'recursive_fer')), rounds=a.rounds, reps=a.reps, seconds=time.time() - t0)
    from recursive_fer.utils import atomic_write
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    text = report(setup, runs)
    atomic_write(out/'results.md', text)
    atomic_write(out/'results.json', json.dumps(dict(setup=setup, runs=runs), indent=1))
    print('\n' + text + f'\nwrote {out}/results.md and results.json')

if __name__ == '__main__': main()

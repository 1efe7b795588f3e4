#!/usr/bin/env python
"""Evaluation before and after issue 49's one pass: `evaluate_run` on one finished run, an earlier commit's code
against the working tree, side by side in one run, with the numbers each version reports.

    python benchmarks/eval_speed.py --run runs/ferplus-45 --base 5b8492f --out benchmarks/results/eval-speed

Three versions, each a fresh process importing its own source tree, in alternating order round after round:
`before` (commit `--base`: the test faces through the model for the halting output, again for every step's readout,
again for the flipped view, then once more for the training loss's metrics; the splits built again), `after` (this
tree under the run's own autocast, as training evaluates: one recorded pass per view gives all of it) and `after,
float32` (this tree with autocast off: the same arithmetic as `before`, so the report's numbers must be the same).
Each child copies the run's config and best checkpoint into a temporary folder (evaluation writes beside them) and
times one `evaluate_run` (splits, validation pass for the thresholds, test pass, figures, reports) on the run's data.
"""
from typing import Any, Dict
import argparse, json, os, platform, shutil, statistics, sys, tempfile, time
from pathlib import Path
from benchlib import ROOT, command_line, extract, git, run_child

VERSIONS = ('before', 'after', 'after, float32')
NUMBERS = ('accuracy', 'balanced_accuracy', 'mean_steps', 'tta_accuracy', 'exit_accuracy', 'needed_mean_steps',
           'floor_accuracy')

def child(run:Path, float32:bool)->Dict[str, Any]:
    "Seconds of one `evaluate_run` of this process's `recursive_fer` on a copy of `run`, and what it reported."
    import dataclasses
    import recursive_fer
    from recursive_fer.config import TrainConfig
    from recursive_fer.evaluate import evaluate_run
    with tempfile.TemporaryDirectory() as d:
        (Path(d)/'checkpoints').mkdir()
        shutil.copy(run/'checkpoints'/'best.pt', Path(d)/'checkpoints'/'best.pt')
        cfg = dataclasses.replace(TrainConfig.load(run/'config.json'), out_dir=d, wandb_mode='disabled',
                                  **(dict(amp=False, cpu_bf16=False) if float32 else {}))
        t0 = time.perf_counter()
        evaluate_run(cfg, Path(d)/'checkpoints'/'best.pt', tta='flip')
        seconds = time.perf_counter() - t0
        m = json.loads((Path(d)/'evaluation'/'report.json').read_text())['metrics']
        test = json.loads((Path(d)/'test_metrics.json').read_text())
    return dict(recursive_fer=str(Path(recursive_fer.__file__).resolve().parent), seconds=seconds,
                test_metrics_accuracy=test['Test/Accuracy'], **{k: m.get(k) for k in NUMBERS})

def measure(run:Path, base:str, rounds:int, tmp:Path)->Dict[str, list]:
    "Every version once per round, in alternating order; each round's numbers of each."
    trees = {'before': extract(base, tmp/'before'), 'after': ROOT, 'after, float32': ROOT}
    out = {v: [] for v in VERSIONS}
    for r in range(rounds):
        for v in (VERSIONS if r % 2 == 0 else VERSIONS[::-1]):
            args = ['--child', str(run.resolve())] + (['--float32'] if v == 'after, float32' else [])
            out[v].append(run_child(__file__, trees[v], args, tmp))
            print(f"round {r + 1}/{rounds} {v}: {out[v][-1]['seconds']:.1f} s, accuracy {out[v][-1]['accuracy']:.4f}",
                  flush=True)
    return out

def report(setup:Dict[str, Any], runs:Dict[str, list])->str:
    "Markdown: median seconds and the speed-up per version, then the numbers each version reported (first round)."
    before = statistics.median(r['seconds'] for r in runs['before'])
    fmt = lambda v: '-' if v is None else f'{v:.4f}'
    rows = [f"| {v} | {statistics.median(r['seconds'] for r in runs[v]):.1f} | "
            f"{before / statistics.median(r['seconds'] for r in runs[v]):.2f} | "
            + ' | '.join(fmt(runs[v][0][k]) for k in (*NUMBERS, 'test_metrics_accuracy')) + ' |' for v in VERSIONS]
    same = all(runs['after, float32'][0][k] == runs['before'][0][k] for k in NUMBERS)
    return '\n'.join([
        '# Evaluation before and after the one pass', '', f"    {setup['command']}", '',
        f"{setup['machine']}, {setup['cores']} cores, torch {setup['torch']}; run `{setup['run']}`; before: commit "
        f"`{setup['base']}`, after: `{setup['head']}`{' with uncommitted changes' if setup['dirty'] else ''}; "
        f"{setup['rounds']} rounds in alternating order, a fresh process per version and round, "
        f"{setup['seconds'] / 60:.0f} min in all.", '',
        '| version | seconds (median) | speed-up | ' + ' | '.join(NUMBERS) + ' | test_metrics.json accuracy |',
        '|---' * (len(NUMBERS) + 4) + '|', *rows, '',
        f"`after, float32` reports {'the same' if same else 'different'} numbers as `before` "
        f"({', '.join(NUMBERS)}); `after` evaluates under the run's autocast, as training's validation did.", ''])

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    ap.add_argument('--run', help='a finished run folder (config.json, checkpoints/best.pt); required')
    ap.add_argument('--base', default='5b8492f', help='the commit to compare against (default: before the one pass)')
    ap.add_argument('--rounds', type=int, default=2, help='rounds; each runs every version once')
    ap.add_argument('--out', default=str(ROOT/'benchmarks'/'results'/'eval-speed'), help='results folder')
    ap.add_argument('--child', default=None, help=argparse.SUPPRESS)
    ap.add_argument('--float32', action='store_true', help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(child(Path(a.child), a.float32)))
        return
    if not a.run: ap.error('--run is required')
    t0 = time.time()
    with tempfile.TemporaryDirectory() as d: runs = measure(Path(a.run), a.base, a.rounds, Path(d))
    import torch
    from recursive_fer.utils import atomic_write
    setup = dict(command=command_line(), machine=platform.machine(), cores=os.cpu_count(), torch=torch.__version__,
                 run=a.run, base=a.base, head=git('rev-parse', '--short', 'HEAD'),
                 dirty=bool(git('status', '--porcelain', '--', 'nbs', 'recursive_fer')), rounds=a.rounds,
                 seconds=time.time() - t0)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    for r in (x for v in runs.values() for x in v): r['recursive_fer'] = Path(r['recursive_fer']).name
    atomic_write(out/'results.json', json.dumps(dict(setup=setup, runs=runs), indent=1))
    text = report(setup, runs)
    atomic_write(out/'README.md', text)
    print('\n' + text + f'\nwrote {out}/README.md and results.json')

if __name__ == '__main__': sys.exit(main())

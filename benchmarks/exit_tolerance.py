#!/usr/bin/env python
"""What the exit rules' validation tolerance costs: each run's threshold chosen again on its validation faces at several
tolerances (`--exit_tolerance`, default 0.2 points below the best fixed depth), then applied to the test faces; each
once without floors (every face may exit at step 1) and once with them (the search also picks a step before which no
face exits, `exit_min_steps`, as training's calibration does).

    python benchmarks/exit_tolerance.py --runs RUN [RUN ...] --data DATA --out OUT_DIR [--tolerances 0 0.001 0.002]

RUN is a training folder of a `confidence` or `learned_exit` model (checkpoints/best.pt). The validation faces are the
run's own slice, re-created from its config; the threshold is chosen there before any test face is seen, as training
chose it. Writes OUT_DIR/exit_tolerance.md and .csv.
"""
import argparse, json
from pathlib import Path
import pandas as pd
import torch
from recursive_fer.checkpoint import load_checkpoint, model_from_checkpoint
from recursive_fer.epochs import autocast_context
from recursive_fer.evaluate import checkpoint_run, predict
from recursive_fer.readouts import choose_threshold, exit_curve, step_columns
from recursive_fer.splits import build_splits
from recursive_fer.utils import atomic_write

def run_rows(run:Path, data:str, tolerances:list)->list:
    "One row per tolerance: the threshold chosen on validation, and what it gives on validation and test."
    ck = load_checkpoint(run/'checkpoints'/'best.pt')
    model, cfg = model_from_checkpoint(ck), checkpoint_run(ck, data)
    if not model.rule.calibrated: raise SystemExit(f'{run}: its rule ({model.rule.name}) has no exit threshold')
    ds = build_splits(cfg, show=False, classes=list(ck['classes']), where=f'{run} on {data}').datasets
    amp = autocast_context(torch.device('cpu'), cfg.amp, cfg.cpu_bf16)[0]
    val, test = (predict(model, ds[s], progress=False, tta='none', autocast=amp) for s in ('val', 'test'))
    kind, rows = model.rule.score_kind, []
    for tol in tolerances:
        for floors in ('none', 'any step'):
            got = choose_threshold(step_columns(val, kind), step_columns(val, 'pred'), val.true.to_numpy(), tol,
                                   [1] if floors == 'none' else None)
            at = exit_curve(step_columns(test, kind), step_columns(test, 'pred'), test.true.to_numpy(),
                            [got['threshold']], [got['min_steps']])
            acc, steps = float(at.accuracy.iloc[0]), float(at.mean_steps.iloc[0])
            rows.append(dict(run=str(run), rule=model.rule.name, seed=cfg.seed, tolerance=tol, floors=floors,
                             min_steps=got['min_steps'], threshold=got['threshold'], val_accuracy=got['accuracy'],
                             val_mean_steps=got['mean_steps'], val_within=got['within_tolerance'],
                             val_best_depth=got['best_depth'], test_accuracy=acc, test_mean_steps=steps))
    return rows

def markdown(df:pd.DataFrame, command:str)->str:
    "The table, a row per run and tolerance, and the mean over runs per rule and tolerance."
    per = ['| rule | seed | tolerance (points) | floors | no exit before | threshold | val accuracy | val mean steps | '
           'within tolerance | test accuracy | test mean steps |', '|---|---|---|---|---|---|---|---|---|---|---|']
    per += [f"| {r.rule} | {r.seed} | {100 * r.tolerance:.1f} | {r.floors} | step {r.min_steps} | {r.threshold:.3f} | "
            f"{100 * r.val_accuracy:.2f}% | {r.val_mean_steps:.2f} | {'yes' if r.val_within else 'no'} | "
            f"{100 * r.test_accuracy:.2f}% | {r.test_mean_steps:.2f} |" for r in df.itertuples()]
    m = df.groupby(['rule', 'tolerance', 'floors'], sort=False).agg(
        runs=('seed', 'size'), acc=('test_accuracy', 'mean'), steps=('test_mean_steps', 'mean')).reset_index()
    mean = ['| rule | tolerance (points) | floors | runs | test accuracy (mean) | test mean steps (mean) |',
            '|---|---|---|---|---|---|']
    mean += [f"| {r.rule} | {100 * r.tolerance:.1f} | {r.floors} | {r.runs} | {100 * r.acc:.2f}% | {r.steps:.2f} |"
             for r in m.itertuples()]
    return '\n'.join(['# The exit threshold at other validation tolerances', '', f'    {command}', '',
                      'Each threshold is chosen on the run\'s validation faces (the fewest mean steps whose accuracy '
                      'is within the tolerance of the best fixed depth), then applied to the test faces. *floors*: '
                      "none, every face may exit at step 1; any step, the search also picks the step before which "
                      "no face exits (a floor at depth d with a threshold under every score is fixed depth d).", '',
                      *mean, '', *per, ''])

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    ap.add_argument('--runs', nargs='+', required=True, help='training folders of confidence or learned_exit models')
    ap.add_argument('--data', required=True, help='the data set the runs were trained on')
    ap.add_argument('--out', required=True, help='the folder for exit_tolerance.md and .csv')
    ap.add_argument('--tolerances', nargs='+', type=float, default=[0.0, 0.001, 0.002, 0.005],
                    help='accuracy allowed below the best fixed depth on validation (0.002: 0.2 points)')
    a = ap.parse_args()
    torch.set_grad_enabled(False)
    df = pd.DataFrame([r for run in a.runs for r in run_rows(Path(run), a.data, a.tolerances)])
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    cmd = (f"python benchmarks/exit_tolerance.py --runs {' '.join(a.runs)} --data {a.data} --out {a.out} "
           f"--tolerances {' '.join(map(str, a.tolerances))}")
    atomic_write(out/'exit_tolerance.csv', df.to_csv(index=False))
    atomic_write(out/'exit_tolerance.md', markdown(df, cmd))
    print(markdown(df, cmd))
    print(json.dumps(dict(written=str(out/'exit_tolerance.md'))))

if __name__ == '__main__': main()

#!/usr/bin/env python
"""Compute that halting really saves: `predict`'s CPU time per face under each rule against full depth, side by side.

    python benchmarks/halting_speed.py --study runs/halting-study --seed 42 --data ../shared/data/ferplus-dev.zip \
        --out benchmarks/results/halting-speed

For each cell of the study with a finished run of `--seed` (its evaluation written): its best checkpoint as trained
(its rule, its threshold)
and the same weights at full depth (`halting='fixed'`: every face `max_steps` steps), each through
`Predictor.classify` (resize, normalise, the model) on the same FER+ test faces, at batch 1 (a video frame's faces, one
at a time) and at batch 256. Timings alternate between the two models, after a warm-up, on idle cores (stop other jobs
first: timings taken beside another job mislead). Writes results.md and results.json. Runs whose checkpoint is gone
are skipped (said); with `--keep` the rows of an earlier results.json for rules not timed now stay, marked (each row
is its own side-by-side ratio, so rows timed on different days still compare a rule with its own full depth).
"""
import argparse, json, zipfile, platform, datetime
from dataclasses import replace
from pathlib import Path
import cv2
import numpy as np
import torch
from recursive_fer.predict import Predictor
from recursive_fer.utils import atomic_write
from benchlib import median_seconds

def test_faces(data:str, n:int)->list:
    "The first `n` FER2013Test faces of a FER+ zip, as RGB arrays."
    with zipfile.ZipFile(data) as z:
        names = sorted(f for f in z.namelist() if '/FER2013Test/' in f and f.endswith('.png'))[:n]
        grey = [cv2.imdecode(np.frombuffer(z.read(f), np.uint8), cv2.IMREAD_GRAYSCALE) for f in names]
    return [cv2.cvtColor(g, cv2.COLOR_GRAY2RGB) for g in grey]

def per_face_ms(pred:Predictor, faces:list, batch:int, repeats:int)->float:
    "Median over repeats of the milliseconds per face to classify `faces` in batches of `batch`."
    def all_faces():
        for i in range(0, len(faces), batch): pred.classify(faces[i:i + batch])
    return 1000 * median_seconds(all_faces, repeats, warmup=0) / len(faces)

def measure(ckpt:Path, faces:list, repeats:int)->dict:
    "The rule as trained and its full-depth twin, timed in turn at batch 1 and 256; mean steps of the rule."
    rule = Predictor.from_checkpoint(ckpt, detect=False, device='cpu', readout=False)
    full = Predictor.from_checkpoint(ckpt, detect=False, device='cpu', readout=False)
    full.model.config = replace(full.model.config, halting='fixed', exit_threshold=None)
    steps = float(np.mean([r['steps'] for r in rule.classify(faces)]))
    out = dict(rule=rule.model.config.halting, mean_steps=steps, max_steps=rule.model.max_steps,
               date=datetime.date.today().isoformat())
    for batch, subset in ((1, faces[:200]), (256, faces)):
        per_face_ms(rule, subset[:32], batch, 1), per_face_ms(full, subset[:32], batch, 1)        # warm-up
        r, f = [], []
        for _ in range(repeats):                                                           # alternate the two
            r.append(per_face_ms(rule, subset, batch, 1))
            f.append(per_face_ms(full, subset, batch, 1))
        out[f'batch{batch}_ms'], out[f'batch{batch}_full_ms'] = float(np.median(r)), float(np.median(f))
        out[f'batch{batch}_ratio'] = out[f'batch{batch}_ms'] / out[f'batch{batch}_full_ms']
    return out

def kept_rows(out:Path, timed:set)->list:
    "The rows of an earlier results.json in `out` for the rules not timed now, marked as earlier."
    f = out/'results.json'
    if not f.exists(): return []
    return [dict(r, earlier=True) for r in json.loads(f.read_text())['rows'] if r['rule'] not in timed]

def row_name(r:dict)->str:
    "The rule, its seed where the row says it, and the date of a row kept from an earlier run."
    seed = f" (seed {r['seed']})" if 'seed' in r else ''
    return r['rule'] + seed + (f" (earlier run, {r.get('date', 'undated')})" if r.get('earlier') else '')

def markdown(rows:list, meta:dict)->str:
    lines = [f"# CPU time per face: each rule against full depth ({meta['faces']} FER+ test faces, {meta['threads']} "
             f"threads, {meta['cpu']})", '',
             '| rule | mean steps | batch 1: ms/face | full depth | ratio | batch 256: ms/face | full depth | ratio |',
             '|---|---|---|---|---|---|---|---|']
    lines += [f"| {row_name(r)} | "
              f"{r['mean_steps']:.2f} of {r['max_steps']} | {r['batch1_ms']:.2f} | "
              f"{r['batch1_full_ms']:.2f} | {r['batch1_ratio']:.2f} | {r['batch256_ms']:.3f} | "
              f"{r['batch256_full_ms']:.3f} | {r['batch256_ratio']:.2f} |" for r in rows]
    return '\n'.join(lines + ['', f"Command: `{meta['command']}`"])

def flag_value(v)->str:
    "A flag's value as typed: a list's items separated by spaces."
    return ' '.join(map(str, v)) if isinstance(v, list) else str(v)

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    ap.add_argument('--study', required=True, help='the study folder (cells with seed-<seed>/checkpoints/best.pt)')
    ap.add_argument('--seed', type=int, default=42, help='which seed of each cell (default: 42)')
    ap.add_argument('--data', required=True, help='the FER+ zip whose FER2013Test faces are timed')
    ap.add_argument('--faces', type=int, default=1024, help='faces timed at batch 256 (batch 1: the first 200)')
    ap.add_argument('--repeats', type=int, default=5, help='timings per model and batch size (median)')
    ap.add_argument('--out', required=True, help='results folder')
    ap.add_argument('--rules', nargs='+', help='time only these cells (halting-<rule>); default every finished cell')
    ap.add_argument('--keep', action='store_true', help="keep the earlier results.json's rows of rules not timed now")
    a = ap.parse_args()
    faces = test_faces(a.data, a.faces)
    done = sorted(r.parents[1] for r in Path(a.study).glob(f'*/seed-{a.seed}/evaluation/report.json'))   # finished runs
    done = [r for r in done if a.rules is None or r.parent.name.removeprefix('halting-') in a.rules]
    rows = []
    for run in done:
        if (run/'checkpoints'/'best.pt').exists():
            rows.append(dict(measure(run/'checkpoints'/'best.pt', faces, a.repeats), seed=a.seed))
        else: print(f'{run}: no checkpoints/best.pt (evaluated, weights gone): not timed')
    out = Path(a.out)
    rows += kept_rows(out, {r['rule'] for r in rows}) if a.keep else []
    meta = dict(faces=len(faces), threads=torch.get_num_threads(), cpu=platform.processor() or platform.machine(),
                command='python benchmarks/halting_speed.py ' + ' '.join(
                    f'--{k}' if v is True else f'--{k} {flag_value(v)}'
                    for k, v in vars(a).items() if v is not False and v is not None))
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out/'results.json', json.dumps(dict(meta=meta, rows=rows), indent=1))
    atomic_write(out/'results.md', markdown(rows, meta) + '\n')
    print(markdown(rows, meta))

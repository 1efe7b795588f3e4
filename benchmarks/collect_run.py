#!/usr/bin/env python
"""One finished training run's numbers, for the Real faces page: its config, history and test report, and a summary.

    python benchmarks/collect_run.py --run runs/fer2013-cpu --out benchmarks/results/real_faces/cpu_e70 [--tencrop]

Reads `<run>/config.json`, `<run>/history.json`, `<run>/evaluation/report.{md,json}` (what `recursive-fer train` writes
after testing once) and the checkpoints (training minutes, best epoch); with `--tencrop` it also evaluates the best
checkpoint once more on the test split with ten-crop TTA. Writes config.json, history.json, report.md and
summary.json to the output folder.
"""
import argparse, json, shutil, tempfile
import pandas as pd
from pathlib import Path
from recursive_fer.checkpoint import load_checkpoint
from recursive_fer.config import TrainConfig
from recursive_fer.readouts import gflops_per_image
from recursive_fer.utils import atomic_write

def tencrop_metrics(run:Path, cfg:TrainConfig)->dict:
    "Ten-crop TTA on the test split of the run's best checkpoint (the run's own faces and splits)."
    from recursive_fer.evaluate import evaluate_run
    with tempfile.TemporaryDirectory() as d:
        res = evaluate_run(TrainConfig(**{**cfg.to_dict(), 'out_dir': d, 'wandb_mode': 'disabled'}),
                           best=run/'checkpoints'/'best.pt', tta='tencrop')
    m = res['metrics']
    return dict(tencrop_accuracy=m['tta_accuracy'], tencrop_balanced_accuracy=m['tta_balanced_accuracy'])

def summary(run:Path, tencrop:bool)->dict:
    "Accuracy (single view, flip TTA), balanced accuracy, steps and GFLOPs per face, training minutes, epochs of a run."
    cfg = TrainConfig.load(run/'config.json')
    rep = json.loads((run/'evaluation'/'report.json').read_text())
    last, best = (load_checkpoint(run/'checkpoints'/f'{n}.pt') for n in ('last', 'best'))
    m, faces = rep['metrics'], pd.read_csv(run/'evaluation'/'predictions.csv')
    out = dict(test_faces=len(faces), accuracy=m['accuracy'], balanced_accuracy=m['balanced_accuracy'],
               tta=m.get('tta'), tta_accuracy=m.get('tta_accuracy'),
               tta_balanced_accuracy=m.get('tta_balanced_accuracy'),
               mean_steps_N=float(faces.steps.mean()), mean_ponder=float(faces.ponder_cost.mean()),
               train_minutes=last['elapsed_s'] / 60, epochs=last['epoch'],
               best_epoch=best['epoch'], best_val_accuracy=best['best_acc'], halting=cfg.model.halting,
               max_steps=cfg.model.max_steps)
    out['gflops'] = gflops_per_image(cfg.model_config(len(m['classes'])), cfg.size, out['mean_steps_N'])
    return {**out, **(tencrop_metrics(run, cfg) if tencrop else {})}

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    ap.add_argument('--run', required=True, help='the run folder (--out_dir of the training)')
    ap.add_argument('--out', required=True, help='where the numbers go (a folder of benchmarks/results/real_faces)')
    ap.add_argument('--tencrop', action='store_true', help='also evaluate ten-crop TTA on the test split')
    a = ap.parse_args()
    run, out = Path(a.run), Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    s = summary(run, a.tencrop)
    for name in ('config.json', 'history.json'): shutil.copyfile(run/name, out/name)
    shutil.copyfile(run/'evaluation'/'report.md', out/'report.md')
    atomic_write(out/'summary.json', json.dumps(s, indent=1))
    print(json.dumps(s, indent=1))

if __name__ == '__main__': main()

#!/usr/bin/env python
"""The numbers of a `tools/gpu_check.sh` run, as one markdown page (or, with --train, a training run's speed as JSON).

    python tools/gpu_summary.py --train RUN_DIR          # {"train_faces", "epochs", "seconds", "faces_per_s"}
    python tools/gpu_summary.py --res RESULTS_DIR "step: exit 0 in 12s" ...   # summary.md on stdout
"""
import argparse, json
from pathlib import Path
import torch

def train_speed(run:Path)->dict:
    "Faces per second of a finished training run (wall time of training and validation, from last.pt)."
    ck = torch.load(run/'checkpoints'/'last.pt', map_location='cpu', weights_only=False)
    n = ck['metrics'].get('Train/Faces') or _train_faces(run)
    return dict(train_faces=n, epochs=ck['epoch'], seconds=ck['elapsed_s'],
                faces_per_s=n * ck['epoch'] / ck['elapsed_s'] if n else None)

def _train_faces(run:Path)->int:
    "Training faces, read from the run's console log ('training on ...: N train / M val faces')."
    for line in (run.parent/'train.log').read_text().splitlines():
        if line.startswith('training on') and ' train / ' in line:
            return int(line.split(': ', 1)[1].split(' train / ')[0])
    return 0

HALTING_CMD = 'recursive-fer study --recipe gpu --vary halting=act,pondernet,confidence,learned_exit --seeds 1'

def section(title:str, path:Path)->list:
    return [f'## {title}', '', path.read_text().strip() if path.exists() else f'(no {path.name}: the step failed)', '']

def summary(res:Path, status:list)->str:
    md = ['# GPU check', '', '```', (res/'env.txt').read_text().strip(), '```', '', '## Steps', '']
    md += [f'- {s}' for s in status] + ['']
    md += section('Benchmarks (run_all.py --device cuda --quick --sections 1 2 3)', res/'run_all'/'results.md')
    tr = res/'train'
    md += ['## Short training of the `gpu` recipe on FER2013', '']
    if (tr/'speed.json').exists() and (tr/'test_metrics.json').exists():
        sp, tm = json.loads((tr/'speed.json').read_text()), json.loads((tr/'test_metrics.json').read_text())
        hist = json.loads((tr/'history.json').read_text())
        md += [f"{sp['train_faces']} training faces, {sp['epochs']} epochs in {sp['seconds']:.0f} s (training and "
               f"validation): **{sp['faces_per_s']:.0f} faces/s**.", '',
               '| epoch | train acc | val acc | val steps |', '|---|---|---|---|']
        md += [f"| {h['epoch']} | {h['Train/Accuracy']:.3f} | {h['Val/Accuracy']:.3f} | {h['Val/Ponder_Cost']:.2f} |"
               for h in hist]
        rep = json.loads((tr/'evaluation'/'report.json').read_text())['metrics']
        md += ['', f"Test (FER2013 PublicTest, best-by-validation checkpoint): accuracy {rep['accuracy']:.4f}, "
               f"balanced accuracy {rep['balanced_accuracy']:.4f}, {rep['tta']} TTA {rep['tta_accuracy']:.4f}, "
               f"mean steps {tm['Test/Ponder_Cost']:.2f}.", '']
    else: md += ['(the training step did not finish)', '']
    md += section(f'The four halting rules, `gpu` recipe, one seed ({HALTING_CMD})', res/'halting'/'study.md')
    md += section('Compiled step, CUDA graphs (run_all.py --sections 1 3 --compile reduce-overhead)',
                  res/'compiled'/'results.md')
    return '\n'.join(md)

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    ap.add_argument('--train')
    ap.add_argument('--res')
    ap.add_argument('status', nargs='*')
    a = ap.parse_args()
    print(json.dumps(train_speed(Path(a.train))) if a.train else summary(Path(a.res), a.status))

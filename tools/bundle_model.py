#!/usr/bin/env python
"""Put a trained run's model in the box: `recursive_fer/models/<name>/` (float16 safetensors + config.json), its card
(README.md, every number read from the run's own evaluation) and the fixture that keeps its outputs fixed.

    python tools/bundle_model.py --run RUN --data DATA --command "the command that trained RUN"

RUN is a training folder (config.json, checkpoints/best.pt, evaluation/report.json). The float16 folder is evaluated
again on DATA's test split, so the card says how far the shipped weights are from the float32 ones.
"""
import argparse, json, tempfile
from pathlib import Path
import torch
from recursive_fer.checkpoint import export_pretrained, load_checkpoint
from recursive_fer.evaluate import evaluate_checkpoint
from recursive_fer.hub import bundled_path
from recursive_fer.model import RecursiveFER

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_INPUTS = dict(seed=0, shape=[6, 3, 48, 48])      # the fixture's inputs: torch.randn with this seed and shape

def fixture_outputs(folder:Path)->dict:
    "What the bundled model gives on fixed inputs: probabilities and steps (the test recomputes them)."
    model = RecursiveFER.from_pretrained(folder)
    x = torch.randn(*FIXTURE_INPUTS['shape'], generator=torch.Generator().manual_seed(FIXTURE_INPUTS['seed']))
    with torch.no_grad(): d = model.halting_data(x)
    return dict(inputs=FIXTURE_INPUTS, probs=d['probs'].round(6).tolist(), steps=d['steps'].tolist())

def pct(v:float)->str: return f'{100 * v:.1f}%'

def readout_metrics(m:dict, stored:bool)->tuple:
    "The metrics of what `predict` applies: the readout above a floor kept with the model, else the plain argmax."
    if stored and 'floor_accuracy' in m:
        return 'readout above the balanced floor', m['floor_accuracy'], m['floor_balanced_accuracy'], m['floor_recall']
    return 'plain argmax', m['accuracy'], m['balanced_accuracy'], {k: v['recall'] for k, v in m['per_class'].items()}

def recipe_line(cfg:dict)->str:
    "The training settings that matter, read from the run's config."
    sampler = (f", a class-balanced sampler from {pct(cfg['sampler_from'])} of training on"
               if cfg.get('sampler') == 'balanced' else '')
    return (f"{cfg.get('optimizer', '').upper()} (lr {cfg.get('lr')}, weight decay {cfg.get('weight_decay')}), "
            f"{cfg.get('epochs')} epochs, batch {cfg.get('batch_size')}{sampler}, label smoothing "
            f"{cfg.get('label_smoothing')}, bf16 autocast on 2 CPU cores")

def card(name:str, run:Path, command:str, report:dict, cfg:dict, half:dict, info:dict, margs:dict, note:str='',
         bundle:str='')->str:
    "The model card: what, on what data (and their licences), how, how well, the readout, use and limits."
    m = report['metrics']
    readout = info.get('readout')
    what, acc, bal, recall = readout_metrics(m, bool(readout))
    shipped = half['per_class'] if what == 'plain argmax' else {}
    rows = '\n'.join(f'| {k} | {pct(v)} | {pct(shipped[k]["recall"]) if k in shipped else "-"} | '
                     f'{int(m["per_class"][k]["support"])} |' for k, v in recall.items())
    half_row = (f"| the float16 weights shipped, plain argmax | {pct(half['accuracy'])} | "
                f"{pct(half['balanced_accuracy'])} | {half['mean_steps']:.2f} |")
    plain_row = ('' if what == 'plain argmax' else
                 f"| plain argmax | {pct(m['accuracy'])} | {pct(m['balanced_accuracy'])} | {m['mean_steps']:.2f} |\n")
    sign = '-' if readout and readout['tau'] >= 0 else '+'
    rd = (f"log p {sign} {abs(readout['tau']):g} log prior ({readout.get('rule', '')})" if readout
          else 'none: the plain argmax')
    exit_c = margs.get('exit_threshold')
    rule = (f"`{margs['halting']}`, exit at the first step whose softmax maximum reaches {exit_c:.3f} (chosen on "
            'validation)' if exit_c else f"`{margs['halting']}`")
    n_test = sum(int(v['support']) for v in m['per_class'].values())
    mb = sum(p.stat().st_size for p in bundled_path(name).glob('*.safetensors')) / 1e6
    return f"""---
license: apache-2.0
library_name: recursive-fer
tags: [facial-expression-recognition, adaptive-computation-time, image-classification]
datasets: [FER+]
metrics: [accuracy, balanced_accuracy]
---
# recursive-fer `{name}`: facial expressions on FER+, with thinking time

A recursive CNN (one weight-shared residual block applied again and again to a 4D feature map, at most
{margs['max_steps']} steps, width {margs['width']}) that names one of {len(info['classes'])} emotions
({', '.join(info['classes'])}) in a {info['size']} px grey face crop, and says how many steps it took. Halting rule:
{rule}. float16 weights ({mb:.2f} MB).

```bash
recursive-fer predict photo.jpg                 # this model is the default; --checkpoint ferplus names it
```
```python
from recursive_fer.predict import Predictor
pred = Predictor.pretrained()                   # finds faces (CenterFace) and predicts each
```

## Data and licences
- Faces: FER2013 (the ICML 2013 representation-learning challenge, Goodfellow et al.; for research), 48x48 grey.
- Labels: FER+ (Barsoum et al. 2016, microsoft/FERPlus, MIT licence): 10 crowd votes per face, trained on the vote
  distributions (`--label_mode crossentropy`).
- Split: FER+ train (FER2013 Training; 10% held out for validation, seed {cfg.get('seed')}) for training; FER+ Valid
  (the FER2013 PublicTest faces) as the test split below. FER+'s own test split (FER2013 PrivateTest) was never used.

## How it was trained
```bash
{command}
{bundle}
```
{recipe_line(cfg)}. Seed {cfg.get('seed')}.

## How well (FER+ Valid = FER2013 PublicTest, {n_test} faces with a clear majority)
| readout | accuracy | balanced accuracy | mean steps |
|---|---|---|---|
| {what} (what `predict` applies) | {pct(acc)} | {pct(bal)} | {m['mean_steps']:.2f} |
{plain_row}{half_row}

Per-class recall of the readout `predict` applies (float32 weights, and the float16 ones shipped where that readout is
the plain argmax):

| emotion | recall | recall, float16 shipped | test faces |
|---|---|---|---|
{rows}

Per-step accuracy (every face stopped at step n): {', '.join(pct(v) for v in m['per_step_accuracy'])}; right at some
step: {pct(m['oracle_accuracy'])}. Readout: {rd}.

{note}

## Intended use and limits
- For research and demonstrations of adaptive computation: how long a face "thinks", which expressions are hard.
- Trained on 48 px grey, mostly frontal, tightly cropped faces from web images; FER2013's demographics (not documented,
  skewed); posed and spontaneous expressions mixed. Expect worse on profile views, small or blurred faces, children,
  and groups under-represented in FER2013.
- Rare emotions stay hard: read the recall of Contempt and Disgust above before trusting them.
- Facial expressions are not emotions felt. **Not for decisions about people** (hiring, policing, health, education,
  access to anything), nor for surveillance.
"""

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    ap.add_argument('--run', required=True, help='the training folder (checkpoints/best.pt, evaluation/report.json)')
    ap.add_argument('--data', required=True, help='the data set the run was trained on (its test split is evaluated)')
    ap.add_argument('--command', required=True, help='the exact command that trained the run (for the card)')
    ap.add_argument('--name', default='ferplus', help='the bundled name (default: ferplus)')
    ap.add_argument('--note', default='', help="a paragraph for the card's results (e.g. how it compares)")
    ap.add_argument('--readout', choices=('kept', 'plain'), default='kept',
                    help='kept: the readout training kept with the checkpoint (if any); plain: the argmax')
    a = ap.parse_args()
    run, name = Path(a.run), a.name
    report = json.loads((run/'evaluation'/'report.json').read_text())
    folder = export_pretrained(run/'checkpoints'/'best.pt', bundled_path(name), half=True, readout=a.readout == 'kept')
    ck = load_checkpoint(folder)
    with tempfile.TemporaryDirectory() as d:
        half = evaluate_checkpoint(folder, a.data, d, show=False, tta='none')['metrics']
    cfg = json.loads((run/'config.json').read_text())
    bundle = (f'python tools/bundle_model.py --run runs/{run.name} --data {a.data} --readout {a.readout} '
              '--command "..." --note "..."')
    (folder/'README.md').write_text(card(name, run, a.command, report, cfg, half, ck['inference'], ck['model_args'],
                                         a.note, bundle))
    fixture = ROOT/'nbs'/'fixtures'/f'bundled_{name}.json'
    fixture.write_text(json.dumps(fixture_outputs(folder)) + '\n')
    print(f'{folder}: {[p.name for p in folder.iterdir()]}; float16 accuracy {half["accuracy"]:.4f} '
          f'(float32 {report["metrics"]["accuracy"]:.4f}); fixture {fixture}')

if __name__ == '__main__': main()

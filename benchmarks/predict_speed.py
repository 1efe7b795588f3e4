#!/usr/bin/env python
"""Inference speed of a trained model on this machine, side by side in one run:

1. faces/s of `Predictor.classify` on face crops (what `predict --no-detect` does per face), batch of 64;
2. photos/s of `predictor(photo)` with detection (CenterFace) on scikit-image's astronaut (512x512, one face);
3. frames/s of `predict_files` on a 640x480 video (10 s at 25 frames/s, five faces per frame) at `--every 5`,
   counted as video frames covered per second of wall time (real time is 25);
4. ONNX (onnxruntime) against PyTorch on the same batch of faces: the masked export, PyTorch masked and compacted.

    python benchmarks/predict_speed.py --checkpoint runs/ferplus-cpu-seeds/seed-42/checkpoints/best.pt

Each number is the median of `--rounds` timed calls after a warm-up call. Run it on an idle machine.
"""
import argparse, json, platform, tempfile
from pathlib import Path
import cv2
import numpy as np
import torch
from recursive_fer.predict import Predictor, CenterFaceDetector, predict_files, export_onnx
from recursive_fer.utils import atomic_write
from benchlib import ROOT, median_seconds


def timed(fn, rounds:int)->float:
    "Median seconds of `fn()` over `rounds` calls (after one warm-up call)."
    return median_seconds(fn, rounds)

def video(path:Path, face:np.ndarray, seconds:int=10, fps:int=25):
    "A 640x480 MJPG video of `seconds` s: five copies of `face`, drifting a little every frame."
    vw = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'MJPG'), fps, (640, 480))
    small = cv2.resize(face, (120, 120))
    for i in range(seconds * fps):
        img = np.full((480, 640, 3), 180, np.uint8)
        for k, (x, y) in enumerate([(30, 40), (250, 30), (480, 60), (120, 300), (400, 320)]):
            dx = (i + 7 * k) % 20
            img[y:y + 120, x + dx:x + dx + 120] = small
        vw.write(cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    vw.release()

def detection_quality(detector, astro:np.ndarray)->dict:
    "Faces found in scikit-image's real photos (astronaut: 1 face; the others: none) and in collages of her face."
    from skimage import data as skdata
    photos = {'astronaut (1 face)': (astro, 1), 'chelsea (a cat, 0)': (skdata.chelsea(), 0),
              'coffee (0)': (skdata.coffee(), 0), 'rocket (0)': (skdata.rocket(), 0)}
    out = {name: f'{len(detector(img))} found, {n} there' for name, (img, n) in photos.items()}
    f = detector(astro)[0]
    x0, y0, x1, y1 = (int(v) for v in f.box)
    face = astro[max(0, y0 - 20):y1 + 20, max(0, x0 - 20):x1 + 20]
    for side in (24, 32, 48, 64, 96, 128):                          # six faces of this side on a 640x480 canvas
        img = np.full((480, 640, 3), 200, np.uint8)
        small = cv2.resize(face, (side, side), interpolation=cv2.INTER_AREA)
        for k in range(6):
            x, y = 40 + (k % 3) * 200, 60 + (k // 3) * 220
            img[y:y + side, x:x + side] = small
        out[f'collage, 6 faces of {side}px'] = f'{len(detector(img))} found, 6 there'
    return out

def main(a):
    from skimage import data as skdata
    torch.set_num_threads(max(1, torch.get_num_threads()))
    astro = skdata.astronaut()
    plain = Predictor.from_checkpoint(a.checkpoint, detect=False, device='cpu')
    det = Predictor(plain.model, plain.info, CenterFaceDetector(), 'cpu')
    f = det.detector(astro)[0]
    x0, y0, x1, y1 = (int(v) for v in f.box)
    crops = [astro[y0:y1, x0:x1]] * 64
    res = dict(checkpoint=str(a.checkpoint), size=plain.size, max_steps=plain.model.max_steps,
               machine=f'{platform.machine()}, {torch.get_num_threads()} threads, torch {torch.__version__}')
    res['faces_per_s_no_detect'] = 64 / timed(lambda: plain.classify(crops), a.rounds)
    res['detection'] = detection_quality(det.detector, astro)
    res['photos_per_s_with_detection'] = 1 / timed(lambda: det(astro), a.rounds)
    with tempfile.TemporaryDirectory() as d:
        clip = Path(d)/'clip.avi'
        video(clip, astro[y0:y1, x0:x1])
        t = timed(lambda: predict_files(det, [clip], None, every=5, progress=False), max(1, a.rounds // 5))
        res['video_frames_per_s_every_5'] = 250 / t
        onnx_path = export_onnx(a.checkpoint, Path(d)/'m.onnx')
        import onnxruntime as ort
        sess = ort.InferenceSession(str(onnx_path))
        x = torch.from_numpy(np.stack([cv2.resize(c, (plain.size, plain.size)) for c in crops])).permute(0, 3, 1, 2)
        x = ((x.float() / 255 - plain.mean) / plain.std).contiguous()
        xn = x.numpy()
        m = plain.model
        def torch_run(compact):
            m.compact = compact
            with torch.no_grad(): m.act_forward(x)
        rows = {'onnxruntime (masked)': lambda: sess.run(None, {'images': xn}),
                'PyTorch masked': lambda: torch_run(False), 'PyTorch compacted (early exit)': lambda: torch_run(True)}
        res['faces_per_s_batch_64'] = {k: 64 / timed(fn, a.rounds) for k, fn in rows.items()}
        m.compact = True
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out/'results.json', json.dumps(res, indent=1))
    md = [f"Machine: {res['machine']}; model: {res['checkpoint']} ({res['size']}px, max_steps {res['max_steps']}).", '',
          '| measurement | per second |', '|---|---|',
          f"| faces, `predict --no-detect` (batch 64) | {res['faces_per_s_no_detect']:.0f} |",
          f"| photos with detection (512x512, one face) | {res['photos_per_s_with_detection']:.1f} |",
          f"| video frames covered at `--every 5` (640x480, 5 faces; real time = 25) | "
          f"{res['video_frames_per_s_every_5']:.1f} |",
          *[f'| faces, {k} (batch 64) | {v:.0f} |' for k, v in res['faces_per_s_batch_64'].items()],
          '', '| detection (CenterFace, threshold 0.5) | faces |', '|---|---|',
          *[f'| {k} | {v} |' for k, v in res['detection'].items()]]
    atomic_write(out/'results.md', '\n'.join(md) + '\n')
    print('\n'.join(md))

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], allow_abbrev=False)
    p.add_argument('--checkpoint', type=Path, required=True, help='a trained best.pt')
    p.add_argument('--rounds', type=int, default=10, help='timed calls per measurement (median)')
    p.add_argument('--out', default=str(ROOT/'benchmarks'/'results'/'predict'), help='results folder')
    main(p.parse_args())

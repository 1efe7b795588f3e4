#!/usr/bin/env python
"""Does the webcam view keep up? Frames per second of the app's frame function (`app.LiveView`, every 3rd frame
predicted, the others drawn with its boxes) against `predict` on the same recorded clip, side by side in one run.

    python benchmarks/live_speed.py --data ../shared/data/fer2013.zip --out benchmarks/results/live-speed

The clip: 640x480 frames, each holding one FER2013 test face (upscaled to 200 px, as a webcam face at arm's length),
every face held for 5 frames. The model in the box, CenterFace finding the faces, on the CPU (torch threads as set).
Target (issue 48): the frame function at 15 frames per second or more on 2 CPU cores.
"""
import argparse, json, tempfile, time, zipfile
from pathlib import Path
import cv2
import numpy as np
import torch
from recursive_fer.app import LiveView
from recursive_fer.predict import Predictor, predict_files
from benchlib import DATA

def write_clip(data:Path, path:Path, n_faces:int=30, hold:int=5)->int:
    "A clip of FER2013 test faces on a grey 640x480 canvas; the number of frames."
    z = zipfile.ZipFile(data)
    names = sorted(n for n in z.namelist() if n.startswith('fer2013/test/') and n.endswith('.jpg'))[::97][:n_faces]
    video = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'MJPG'), 15.0, (640, 480))
    for n in names:
        face = cv2.imdecode(np.frombuffer(z.read(n), np.uint8), cv2.IMREAD_COLOR)
        frame = np.full((480, 640, 3), 120, np.uint8)
        frame[140:340, 220:420] = cv2.resize(face, (200, 200), interpolation=cv2.INTER_CUBIC)
        for _ in range(hold): video.write(frame)
    video.release()
    return len(names) * hold

def frames_of(path:Path)->list:
    "Every frame of the clip, RGB, decoded up front (the camera's part is not timed)."
    cap, out = cv2.VideoCapture(str(path)), []
    while True:
        ok, f = cap.read()
        if not ok: return out
        out.append(cv2.cvtColor(f, cv2.COLOR_BGR2RGB))

def live_fps(pred:Predictor, frames:list, every:int)->dict:
    "The app's frame function over the clip."
    view = LiveView(pred, every)
    view(frames[0])                                                   # warm-up (the detector's first call)
    t0 = time.perf_counter()
    found = sum(bool(view(f) is not None and any(r.get('found') for r in view.rows)) for f in frames)
    dt = time.perf_counter() - t0
    return dict(fps=len(frames) / dt, frames=len(frames), seconds=dt, frames_with_a_face=found)

def predict_fps(pred:Predictor, clip:Path, n:int, every:int)->dict:
    "`predict` on the same clip (reading and decoding included, as the command does; no annotated copies)."
    t0 = time.perf_counter()
    df = predict_files(pred, [clip], None, every, annotate_files=False, progress=False)
    dt = time.perf_counter() - t0
    return dict(fps=n / dt, frames=n, seconds=dt, faces=int((df.found == True).sum()))  # noqa: E712

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    ap.add_argument('--data', default=str(DATA/'fer2013.zip'), help='FER2013 zip (default: ../shared/data/...)')
    ap.add_argument('--out', default='benchmarks/results/live-speed', help='results folder')
    a = ap.parse_args()
    pred = Predictor.pretrained()
    with tempfile.TemporaryDirectory() as d:
        clip = Path(d)/'clip.avi'
        n = write_clip(Path(a.data), clip)
        frames = frames_of(clip)
        rows = {'app frame function, every 3rd frame': live_fps(pred, frames, 3),
                'app frame function, every frame': live_fps(pred, frames, 1),
                'predict, every 3rd frame': predict_fps(pred, clip, n, 3),
                'predict, every frame': predict_fps(pred, clip, n, 1)}
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    info = dict(torch_threads=torch.get_num_threads(), frames=n, size='640x480', rows=rows)
    (out/'results.json').write_text(json.dumps(info, indent=1) + '\n')
    md = [f'# Live view speed ({n} frames of 640x480, one face each; {torch.get_num_threads()} torch threads)', '',
          '| what | frames per second | seconds | frames with a face found |', '|---|---|---|---|',
          *[f"| {k} | {v['fps']:.1f} | {v['seconds']:.1f} | {v.get('frames_with_a_face', v.get('faces'))} |"
            for k, v in rows.items()], '',
          'The frame function draws the last prediction\'s boxes on the frames between (so every frame shows a face); '
          '`predict` counts the faces of the frames it predicted.', '',
          'Command: `python benchmarks/live_speed.py --data ../shared/data/fer2013.zip --out '
          'benchmarks/results/live-speed`']
    (out/'results.md').write_text('\n'.join(md) + '\n')
    print('\n'.join(md))

if __name__ == '__main__': main()

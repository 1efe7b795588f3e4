#!/bin/bash
# The blind ferplus seed as a user gets it: `recursive-fer predict --no-detect` on the FER+ test faces (image files,
# already face crops) against the run's own evaluation (its readout above 66%, kept in best.pt by training).
cd /work/main
d=runs/ferplus-blind/seed-45
OMP_NUM_THREADS=1 recursive-fer predict --checkpoint $d/checkpoints/best.pt --no-detect --no-annotate \
  --out_dir runs/ferplus-blind/predict-45 runs/ferplus-test-images/ferplus/FER2013Test
python - <<'PY'
import pandas as pd
from pathlib import Path
p = pd.read_csv('runs/ferplus-blind/predict-45/predictions.csv')
e = pd.read_csv('runs/ferplus-blind/seed-45/evaluation/predictions.csv')
p['key'], e['key'] = [Path(f).name for f in p.file], [Path(f).name for f in e.path]
m = e.merge(p, on='key')
classes = [c[5:] for c in e.columns if c.startswith('prob_')]
print(f'{len(m)} of {len(e)} evaluated faces predicted; predict equals the floor readout on '
      f'{(m.emotion == m.floor_pred.map(lambda k: classes[k])).mean():.4f}, the plain argmax on '
      f'{(m.emotion == m.pred_name).mean():.4f}; accuracy of predict {(m.emotion == m.true_name).mean():.4f}')
PY

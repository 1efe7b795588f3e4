#!/usr/bin/env python
"""Pack what `tools/gpu_check.sh` needs on a bare GPU machine into `.gpu/` (git-ignored), within 64 MiB.

    python tools/gpu_pack.py                      # .gpu/site.tar.xz and .gpu/fer2013.tar.xz

- `site.tar.xz`: the Python packages the GPU machine lacks (albumentations, wandb, nbdev and the Jupyter stack the
  kernel's end-to-end run needs), unpacked from CPython 3.12 manylinux wheels and compressed with xz (the wheels
  themselves are zip files that xz cannot shrink further). jedi and parso are left out: IPython imports jedi only
  inside a try block, and together they would not fit.
- `fer2013.tar.xz`: FER2013 PublicTest whole and a stratified share of FER2013 Training (every k-th file of each class,
  sorted by name), in the class-folder layout. The share is what fits beside the packages; `--share` sets it.
"""
import argparse, io, re, subprocess, sys, tarfile, tempfile, zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WHEELS = ['albumentations==2.0.8', 'wandb==0.31.0', 'nbdev==2.4.14', 'fastcore==1.14.5', 'execnb==0.1.18',
          'fastgit==0.1.1', 'ghapi==1.1.1', 'nbclient', 'ipykernel']
ON_DEVICE = ROOT.parent/'.library'/'device'/'KINDS.md'   # the device image's package list, beside the checkout
SKIP = {'jedi', 'parso'}
PLATFORMS = ['manylinux_2_28_x86_64', 'manylinux_2_27_x86_64', 'manylinux_2_17_x86_64', 'manylinux2014_x86_64',
             'manylinux1_x86_64', 'manylinux_2_24_x86_64', 'manylinux_2_31_x86_64', 'manylinux_2_34_x86_64']

def norm(name:str)->str: return re.sub(r'[-_.]+', '-', name.lower())

def device_packages()->set:
    "Names of the packages already in the device's image."
    m = re.search(r'Packages: (.*?)\.\n', Path(ON_DEVICE).read_text(), re.S)
    return {norm(p.strip()) for p in m.group(1).split(',')}

def pack_site(dest:Path):
    "Download the wheels for CPython 3.12, keep those the device lacks, unpack them into one xz tarball."
    with tempfile.TemporaryDirectory() as d:
        plat = sum((['--platform', p] for p in PLATFORMS), [])
        subprocess.run([sys.executable, '-m', 'pip', 'download', '-q', '--only-binary=:all:',
                        '--python-version', '3.12', '--implementation', 'cp', *plat, '-d', d, *WHEELS], check=True)
        have = device_packages()
        wheels = [w for w in sorted(Path(d).glob('*.whl')) if norm(w.name.split('-')[0]) not in have | SKIP]
        with tarfile.open(dest, 'w:xz', preset=9) as tar:
            for w in wheels:
                with zipfile.ZipFile(w) as z:
                    for info in z.infolist():
                        if info.is_dir(): continue
                        ti = tarfile.TarInfo(info.filename)
                        data = z.read(info)
                        ti.size = len(data)
                        ti.mode = (info.external_attr >> 16) & 0o777 or 0o644    # executables stay executable
                        tar.addfile(ti, io.BytesIO(data))
        print(f'{dest}: {len(wheels)} packages, {dest.stat().st_size / 2**20:.1f} MiB')

def pack_fer(src:Path, dest:Path, share:float):
    "FER2013 test whole and every k-th training face of each class (k = round(1 / share))."
    k = max(1, round(1 / share))
    n = 0
    with zipfile.ZipFile(src) as z, tarfile.open(dest, 'w:xz', preset=6) as tar:
        names = sorted(f for f in z.namelist() if f.endswith('.jpg'))
        by_class = {}
        for f in names: by_class.setdefault(str(Path(f).parent), []).append(f)
        for folder, files in by_class.items():
            for f in (files if '/test/' in f'/{folder}/' else files[::k]):
                data = z.read(f)
                ti = tarfile.TarInfo(f)
                ti.size = len(data)
                tar.addfile(ti, io.BytesIO(data))
                n += 1
    print(f'{dest}: {n} faces (train share 1/{k}), {dest.stat().st_size / 2**20:.1f} MiB')

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    ap.add_argument('--fer', default=str(ROOT.parent/'shared'/'data'/'fer2013.zip'))
    ap.add_argument('--share', type=float, default=0.5, help='share of FER2013 Training to take')
    ap.add_argument('--out', default=str(ROOT/'.gpu'))
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(exist_ok=True)
    pack_site(out/'site.tar.xz')
    pack_fer(Path(a.fer), out/'fer2013.tar.xz', a.share)

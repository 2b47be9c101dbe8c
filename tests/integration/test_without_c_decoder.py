"""An install where pip found no C compiler: no DC decoder, yet every grid thumbnail is made."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageStat

from tests.integration.cli import env_for, photoflow

# Imported by every process of the command (the import workers too) before anything else, as
# site-packages' own sitecustomize would be: the extension cannot be found, as when it was never
# built.
HIDE_THE_EXTENSION = """
import sys


class NoCDecoder:
    def find_spec(self, name, path=None, target=None):
        if name == "core.imaging._jpeg_dc":
            raise ImportError("hidden by the test: as if pip had found no C compiler")
        return None


sys.meta_path.insert(0, NoCDecoder())
"""


def camera_sized_photo(path: Path) -> None:
    """Big enough (4800 px) that grid thumbnails come from the DC decoder when it is there."""
    im = Image.linear_gradient("L").resize((4800, 3200)).convert("RGB")
    draw = ImageDraw.Draw(im)
    draw.ellipse((600, 400, 2600, 2400), fill=(200, 40, 30))
    draw.rectangle((3000, 800, 4400, 2800), fill=(30, 160, 220))
    im.save(path, quality=90)


def grid_thumbnails(home: Path) -> dict[str, Path]:
    return {p.name: p for p in (home / "cache" / "previews").rglob("*_512.jpg")}


def import_card(home: Path, card: Path, env: dict[str, str]) -> tuple[dict, str]:
    assert photoflow(home, "init", "--studio", "S", "--admin", "a@s.test").code == 0
    assert photoflow(home, "album", "create", "Shoot").code == 0
    proc = subprocess.run(
        [sys.executable, "-m", "app.main", "import", "Shoot", str(card), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout), proc.stderr


def test_an_import_without_the_c_decoder_makes_every_grid_thumbnail(tmp_path: Path) -> None:
    card = tmp_path / "card"
    card.mkdir()
    camera_sized_photo(card / "IMG_0001.jpg")
    Image.open(card / "IMG_0001.jpg").rotate(180).save(card / "IMG_0002.jpg", quality=90)
    hider = tmp_path / "no-c-decoder"
    hider.mkdir()
    (hider / "sitecustomize.py").write_text(HIDE_THE_EXTENSION)

    plain, with_c = tmp_path / "without", tmp_path / "with"
    env = env_for(plain)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(hider), env.get("PYTHONPATH")]))
    report, stderr = import_card(plain, card, env)
    assert len(report["imported"]) == 2 and report["failed"] == []
    logged = stderr + "".join(p.read_text() for p in (plain / "logs").glob("*.log"))
    assert "core.imaging._jpeg_dc is not built" in logged

    _, stderr = import_card(with_c, card, env_for(with_c))
    assert "is not built" not in stderr
    ours, reference = grid_thumbnails(plain), grid_thumbnails(with_c)
    assert len(ours) == 2 and ours.keys() == reference.keys()
    for name, path in ours.items():
        made, with_decoder = Image.open(path), Image.open(reference[name])
        assert made.size == with_decoder.size == (512, 341)
        # The same picture: libjpeg's thumbnail and the DC decoder's differ only in rounding.
        difference = ImageStat.Stat(ImageChops.difference(made, with_decoder).convert("L"))
        assert difference.mean[0] < 2.0, (name, difference.mean)

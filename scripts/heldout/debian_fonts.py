"""Capital letters from Debian's ``fonts-*`` packages, rendered as pictures a user might give.

The families here are never used in training (training uses matplotlib's DejaVu, STIX and
Computer Modern fonts and generated handwriting). ``.ci/run`` installs ``PACKAGES`` with
apt-get. Each style lists font file names; ``font_files`` finds them under the system's
font folders and names any that are missing.

A picture: the letter in black on a white page with a margin of half its height, drawn
with Pillow at ``SIZES`` pixels, saved as PNG and read back by ``load_image``.
"""

from __future__ import annotations

import io
import os
import string
from pathlib import Path

import numpy as np

LETTERS = string.ascii_uppercase
SIZES = (18, 36, 72)  # font sizes in px: small, medium and large type
FONT_ROOTS = ("/usr/share/fonts", "/usr/share/texmf/fonts")

PACKAGES = (
    "fonts-liberation2", "fonts-open-sans", "fonts-lato", "fonts-croscore", "fonts-freefont-ttf", "fonts-go",
    "fonts-roboto-unhinted", "fonts-crosextra-carlito", "fonts-crosextra-caladea", "fonts-ebgaramond",
    "fonts-cantarell", "fonts-texgyre", "fonts-linuxlibertine", "fonts-courier-prime", "fonts-urw-base35",
    "fonts-quicksand", "fonts-oxygen", "fonts-b612", "fonts-tuffy", "fonts-dosis", "fonts-cabin",
    "fonts-comic-neue", "fonts-dkg-handwriting", "fonts-humor-sans", "fonts-breip", "fonts-bwht",
    "fonts-femkeklaver", "fonts-rufscript", "fonts-sjfonts", "fonts-tomsontalks", "fonts-cabinsketch",
    "fonts-fantasque-sans", "fonts-kristi", "fonts-dancingscript", "fonts-kaushanscript",
    "fonts-ecolier-court", "fonts-lobster", "fonts-leckerli-one",
)

STYLES: dict[str, tuple[str, ...]] = {
    "regular": (
        "LiberationSans-Regular.ttf", "LiberationSerif-Regular.ttf", "LiberationMono-Regular.ttf",
        "Arimo-Regular.ttf", "Tinos-Regular.ttf", "Cousine-Regular.ttf", "OpenSans-Regular.ttf",
        "Lato-Regular.ttf", "FreeSans.ttf", "FreeSerif.ttf", "FreeMono.ttf", "Go-Regular.ttf", "Go-Mono.ttf",
        "Roboto-Regular.ttf", "Carlito-Regular.ttf", "Caladea-Regular.ttf", "EBGaramond12-Regular.otf",
        "Cantarell-Regular.otf", "texgyreadventor-regular.otf", "texgyrebonum-regular.otf",
        "texgyrepagella-regular.otf", "texgyreschola-regular.otf", "texgyretermes-regular.otf",
        "LinLibertine_R.otf", "LinBiolinum_R.otf", "Courier Prime.otf", "NimbusSans-Regular.otf",
        "NimbusRoman-Regular.otf", "NimbusMonoPS-Regular.otf", "C059-Roman.otf", "P052-Roman.otf",
        "URWGothic-Book.otf", "Quicksand-Regular.ttf", "Oxygen-Sans.ttf", "B612-Regular.otf",
        "tuffy_regular.ttf", "Dosis-Book.otf", "Cabin-Regular.otf",
    ),
    "bold": (
        "LiberationSans-Bold.ttf", "LiberationSerif-Bold.ttf", "Tinos-Bold.ttf", "OpenSans-Bold.ttf",
        "Lato-Black.ttf", "FreeSerifBold.ttf", "Go-Bold.ttf", "Roboto-Bold.ttf", "Carlito-Bold.ttf",
        "EBGaramond12-Bold.otf", "Cantarell-Bold.otf", "texgyreheros-bold.otf", "texgyreschola-bold.otf",
        "LinLibertine_RB.otf", "Courier Prime Bold.otf", "URWBookman-Demi.otf", "Oxygen-Sans-Bold.ttf",
        "Cabin-Bold.otf",
    ),
    "italic": (
        "LiberationSans-Italic.ttf", "LiberationSerif-Italic.ttf", "OpenSans-Italic.ttf", "Lato-Italic.ttf",
        "FreeSerifItalic.ttf", "FreeMonoOblique.ttf", "Go-Italic.ttf", "Roboto-Italic.ttf",
        "Caladea-Italic.ttf", "EBGaramond12-Italic.otf",
        "texgyrepagella-italic.otf", "texgyretermes-italic.otf", "LinLibertine_RI.otf", "NimbusSans-Italic.otf",
        "P052-Italic.otf", "URWGothic-BookOblique.otf", "Cabin-Italic.otf",
    ),
    "bold-italic": (
        "LiberationSans-BoldItalic.ttf", "LiberationSerif-BoldItalic.ttf", "OpenSans-BoldItalic.ttf",
        "FreeSansBoldOblique.ttf", "Go-Bold-Italic.ttf", "Roboto-BoldItalic.ttf", "Carlito-BoldItalic.ttf",
        "texgyrebonum-bolditalic.otf", "LinLibertine_RBI.otf", "C059-BdIta.otf", "URWBookman-DemiItalic.otf",
        "Cabin-BoldItalic.otf",
    ),
    "light-condensed": (
        "Lato-Hairline.ttf", "Lato-Light.ttf", "Roboto-Thin.ttf", "Roboto-Light.ttf",
        "RobotoCondensed-Regular.ttf", "OpenSans-CondLight.ttf", "OpenSans-Light.ttf",
        "NimbusSansNarrow-Regular.otf", "texgyreheroscn-regular.otf", "Cantarell-Thin.otf",
        "Dosis-ExtraLight.otf", "Quicksand-Light.ttf", "URWBookman-Light.otf",
    ),
    "handwriting": (
        "ComicNeue-Regular.otf", "ComicNeue-Bold.otf", "ComicNeue-Italic.otf", "ComicNeue-Light.otf",
        "dkg.ttf", "dkgBd.ttf", "dkgIt.ttf", "Humor-Sans.ttf", "Breip.ttf",
        "BecauseWeBuild-Regular.otf", "BecauseWeConnect-Regular.otf", "BecauseWeCreate-Regular.otf",
        "BecauseWeLearn-Regular.otf", "BecauseWeMentor-Regular.otf", "BecauseWeOrganize-Regular.otf",
        "femkeklaver.ttf", "Rufscript010.ttf", "Delphine.ttf", "SteveHand.ttf", "TomsonTalks.ttf",
        "CabinSketch-Regular.ttf", "CabinSketch-Bold.ttf", "FantasqueSansMono-Regular.otf",
    ),
    "script": (
        "Kristi.ttf", "DancingScript-Regular.otf", "DancingScript-Bold.otf", "KaushanScript-Regular.otf",
        "Ecolier-court.ttf", "lobster.otf", "LeckerliOne-Regular.ttf",
    ),
}
PRINTED = ("regular", "bold", "italic", "bold-italic", "light-condensed")


def _index() -> dict[str, str]:
    """File name -> path of every font under FONT_ROOTS (the first found wins)."""
    found: dict[str, str] = {}
    for root in FONT_ROOTS:
        for folder, _, files in os.walk(root):
            for name in sorted(files):
                found.setdefault(name, os.path.join(folder, name))
    return found


def font_files() -> tuple[dict[str, list[str]], list[str]]:
    """({style: [paths]}, [missing file names]) for the fonts in STYLES."""
    index = _index()
    styles = {style: [index[n] for n in names if n in index] for style, names in STYLES.items()}
    missing = [n for names in STYLES.values() for n in names if n not in index]
    return styles, missing


def render_png(path: str, letter: str, size: int) -> bytes:
    """``letter`` in black on white with a margin of half the font size, as PNG bytes."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(path, size)
    left, top, right, bottom = font.getbbox(letter)
    pad = size // 2
    img = Image.new("L", (right - left + 2 * pad, bottom - top + 2 * pad), 255)
    ImageDraw.Draw(img).text((pad - left, pad - top), letter, fill=0, font=font)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def pictures(paths: list[str], sizes: tuple[int, ...] = SIZES) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Every letter of every font at every size, read by ``load_image``.

    Shape: -> X (N, 1, 28, 28) float32, y (N,) int64, fonts (N,) font file names, with
    N = 26 * len(paths) * len(sizes).
    """
    from barenet.data.images import load_image

    X, y, names = [], [], []
    for path in paths:
        for k, letter in enumerate(LETTERS):
            for size in sizes:
                X.append(load_image(io.BytesIO(render_png(path, letter, size)))[0])
                y.append(k)
                names.append(Path(path).name)
    return np.stack(X).astype(np.float32), np.array(y, np.int64), names

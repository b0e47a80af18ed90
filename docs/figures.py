"""Draws the figures of the guide's plotting example into docs/images (`make docs` runs
this before building the site): the images the guide shows are what its code draws.

Usage: python docs/figures.py
"""

import os
import re
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = Path(__file__).resolve().parent


def draw(blocks: list[str], marker: str, prefix: str) -> int:
    """Runs the guide's example containing `marker` (in a scratch folder: it may write
    files) and saves its figures as images/<prefix>-N.png."""
    example = next(block for block in blocks if marker in block)
    plt.close("all")
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as scratch:
        os.chdir(scratch)
        try:
            exec(example, {"__name__": "guide_example"})
        finally:
            os.chdir(here)
    (HERE / "images").mkdir(exist_ok=True)
    for number in plt.get_fignums():
        figure = plt.figure(number)
        figure.set_size_inches(5.5, 3.6)
        figure.tight_layout()
        figure.savefig(HERE / "images" / f"{prefix}-{number}.png", dpi=90)
    return len(plt.get_fignums())


def main():
    blocks = re.findall(r"```python\n(.*?)```", (HERE / "guide.md").read_text(), re.S)
    drawn = draw(blocks, "patch.plot.recordings(soma)", "plot")
    drawn += draw(blocks, "p.load_morphology", "morphology")
    print(f"drew {drawn} figures into {HERE / 'images'}")


if __name__ == "__main__":
    main()

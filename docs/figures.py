"""Draws the figures of the guide's plotting example into docs/images (`make docs` runs
this before building the site): the images the guide shows are what its code draws.

Usage: python docs/figures.py
"""

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = Path(__file__).resolve().parent


def main():
    guide = (HERE / "guide.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", guide, re.S)
    example = next(block for block in blocks if "patch.plot.recordings(soma)" in block)
    exec(example, {"__name__": "guide_example"})
    (HERE / "images").mkdir(exist_ok=True)
    for number in plt.get_fignums():
        figure = plt.figure(number)
        figure.set_size_inches(5.5, 3.6)
        figure.tight_layout()
        figure.savefig(HERE / "images" / f"plot-{number}.png", dpi=90)
    print(f"drew {len(plt.get_fignums())} figures into {HERE / 'images'}")


if __name__ == "__main__":
    main()

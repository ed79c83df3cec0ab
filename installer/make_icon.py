"""Draw the KIK Desktop icon: the letters „KIK“ in white on a blue rounded square.

The letters are plain polygons (no font), so the SVG, the PNG and every size of the ICO look the same
on every machine. Writes resources/icons/kik.svg, kik.png (256 px) and kik.ico (16–256 px).

    python installer/make_icon.py        (needs Pillow; only for changing the icon, not for building)
"""

from __future__ import annotations

from pathlib import Path

ICON_DIR = Path(__file__).resolve().parents[1] / "resources" / "icons"

GRID = 256  # the drawing is laid out on a 256 × 256 grid
BACKGROUND = "#1d5a8e"
BACKGROUND_EDGE = "#164a76"
LETTERS = "#ffffff"
MARGIN = 8
RADIUS = 52
ICO_SIZES = (16, 20, 24, 32, 40, 48, 64, 128, 256)

STROKE = 28  # width of the upright strokes
TOP, BOTTOM = 66, 190
MID = (TOP + BOTTOM) / 2
GAP = 13
ARM_REACH = 44  # how far the arms of a K reach right of its upright
ARM_END = 34  # horizontal width of an arm where it meets the top/bottom line
ARM_ROOT = 23  # half the vertical height of an arm where it meets the upright


def _letter_k(x: float) -> list[list[tuple[float, float]]]:
    bar_right = x + STROKE
    right = bar_right + ARM_REACH
    upright = [(x, TOP), (bar_right, TOP), (bar_right, BOTTOM), (x, BOTTOM)]
    root_top, root_bottom = MID - ARM_ROOT, MID + ARM_ROOT
    upper = [(bar_right, root_top), (right - ARM_END, TOP), (right, TOP), (bar_right, root_bottom)]
    lower = [(bar_right, root_bottom), (right - ARM_END, BOTTOM), (right, BOTTOM), (bar_right, root_top)]
    return [upright, upper, lower]


def _letter_i(x: float) -> list[list[tuple[float, float]]]:
    return [[(x, TOP), (x + STROKE, TOP), (x + STROKE, BOTTOM), (x, BOTTOM)]]


def polygons() -> list[list[tuple[float, float]]]:
    """The letters as polygons on the grid, centred."""
    k_width = STROKE + ARM_REACH
    total = k_width + GAP + STROKE + GAP + k_width
    x = (GRID - total) / 2
    shapes = _letter_k(x)
    x += k_width + GAP
    shapes += _letter_i(x)
    x += STROKE + GAP
    shapes += _letter_k(x)
    return shapes


def svg() -> str:
    inner = GRID - 2 * MARGIN
    paths = "\n".join(
        '    <polygon points="' + " ".join(f"{px:g},{py:g}" for px, py in poly) + '"/>' for poly in polygons()
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{GRID}" height="{GRID}"'
        f' viewBox="0 0 {GRID} {GRID}">\n'
        f"  <title>KIK Desktop</title>\n"
        f'  <rect x="{MARGIN}" y="{MARGIN}" width="{inner}" height="{inner}" rx="{RADIUS}" ry="{RADIUS}"'
        f' fill="{BACKGROUND}" stroke="{BACKGROUND_EDGE}" stroke-width="4"/>\n'
        f'  <g fill="{LETTERS}">\n{paths}\n  </g>\n'
        f"</svg>\n"
    )


def render(size: int):  # type: ignore[no-untyped-def]
    """The icon as a Pillow image of size × size, drawn 8× larger and scaled down (anti-aliased)."""
    from PIL import Image, ImageDraw

    scale = 8 * size / GRID
    big = round(GRID * scale)
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    # Small sizes: less margin, so the square fills the pixels it has.
    margin = MARGIN if size >= 48 else 2
    draw.rounded_rectangle(
        [margin * scale, margin * scale, (GRID - margin) * scale - 1, (GRID - margin) * scale - 1],
        radius=RADIUS * scale, fill=BACKGROUND, outline=BACKGROUND_EDGE, width=max(1, round(4 * scale)),
    )
    for poly in polygons():
        draw.polygon([(px * scale, py * scale) for px, py in poly], fill=LETTERS)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    ICON_DIR.mkdir(parents=True, exist_ok=True)
    (ICON_DIR / "kik.svg").write_text(svg(), encoding="utf-8")
    render(256).save(ICON_DIR / "kik.png", optimize=True)
    images = [render(size) for size in ICO_SIZES]
    images[-1].save(ICON_DIR / "kik.ico", sizes=[(s, s) for s in ICO_SIZES], append_images=images[:-1])
    for name in ("kik.svg", "kik.png", "kik.ico"):
        print(ICON_DIR / name, (ICON_DIR / name).stat().st_size, "bytes")


if __name__ == "__main__":
    main()

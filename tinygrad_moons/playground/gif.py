"""The training GIF: the decision boundary at each recorded frame, drawn with Pillow (installed with matplotlib).

The session keeps, per frame, only the class-probability images it sent to
the page (a few kilobytes each); the GIF is drawn from them on export, with the
page's colours: each pixel takes its most likely class's colour, the paler the
less certain.
"""

from __future__ import annotations

import io

import numpy as np

__all__ = ["COLOURS", "boundary_image", "training_gif"]

#: Classes 0 and 1 as the command line's figures draw them (viz.plots.CLASS_COLOURS), then three more; static/app.js
#: has the same list.
COLOURS = np.array([[215, 48, 31], [33, 102, 172], [44, 160, 44], [255, 127, 14], [148, 103, 189]], dtype=np.float64)


def boundary_image(probabilities: np.ndarray) -> np.ndarray:
    """(classes, n, n) probabilities in [0, 1] -> an (n, n, 3) uint8 picture, as the page shades it."""
    classes = len(probabilities)
    best = probabilities.argmax(axis=0)
    certainty = np.clip((probabilities.max(axis=0) - 1 / classes) / (1 - 1 / classes), 0, 1)
    alpha = (0.15 + 0.55 * certainty)[..., None]
    return (255 * (1 - alpha) + COLOURS[best] * alpha).astype(np.uint8)


def training_gif(
    frames: list[tuple[int, np.ndarray, float | None]],
    X: np.ndarray,
    y: np.ndarray,
    view: tuple[float, float],
    size: int = 256,
    duration_ms: int = 100,
) -> bytes:
    """An animated GIF of (step, probabilities, test accuracy) frames with the points on top."""
    from PIL import Image, ImageDraw

    if not frames:
        raise ValueError("the GIF has no frames yet: train a little first")
    low, high = view
    pixels = np.column_stack([(X[:, 0] - low) / (high - low) * size, (high - X[:, 1]) / (high - low) * size])
    images = []
    for step, probabilities, accuracy in frames:
        image = Image.fromarray(boundary_image(probabilities)).resize((size, size), Image.Resampling.BILINEAR)
        draw = ImageDraw.Draw(image)
        for (px, py), label in zip(pixels, y):
            draw.ellipse(
                [px - 2.5, py - 2.5, px + 2.5, py + 2.5],
                fill=tuple(int(c) for c in COLOURS[label]),
                outline=(255, 255, 255),
            )
        caption = f"step {step}" + ("" if accuracy is None else f"   test accuracy {100 * accuracy:.1f}%")
        draw.rectangle([0, 0, size, 16], fill=(255, 255, 255))
        draw.text((4, 2), caption, fill=(0, 0, 0))
        images.append(image.convert("P", palette=Image.Palette.ADAPTIVE, colors=64))
    buffer = io.BytesIO()
    images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:], duration=duration_ms, loop=0)
    return buffer.getvalue()

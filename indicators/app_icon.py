"""The browser-tab icon, drawn here so the browser never asks a font CDN for one.

Streamlit turns a `:material/…:` page icon into a favicon fetched from Google's servers; the
dashboard makes no outside requests, so it draws a small bar chart in the palette's blue.
"""

from __future__ import annotations

from functools import lru_cache

from PIL import Image, ImageDraw

BLUE = (0, 114, 178, 255)  # Okabe–Ito blue
WHITE = (255, 255, 255, 255)


@lru_cache(maxsize=1)
def app_icon(size: int = 64) -> Image.Image:
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, size - 1, size - 1), radius=size // 6, fill=BLUE)
    unit = size / 16
    for i, height in enumerate((5, 9, 7, 11)):
        left = round((2.5 + i * 3) * unit)
        draw.rectangle((left, round((13.5 - height) * unit), left + round(2 * unit),
                        round(13.5 * unit)), fill=WHITE)
    return image

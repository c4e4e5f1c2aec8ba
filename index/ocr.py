"""Text of scanned PDF pages, by OCR: Tesseract (Debian's ``tesseract-ocr`` with ``tesseract-ocr-ind``), driven by
pytesseract, over the page's images as pypdf extracts them.

Used by :func:`index.readers.read_pdf` for the pages without a text layer. Tesseract is a program, not a Python
package: ``bash scripts/setup.sh`` installs it where apt-get is available (as root); elsewhere :func:`unavailable`
says why OCR cannot run, and a scanned PDF is skipped with that reason.
"""

from __future__ import annotations

from functools import cache
from typing import Any

#: Tesseract's languages, in the order tried together: Indonesian articles, English names and quotes.
LANGUAGES = ("ind", "eng")
#: Narrower page images are scaled up first: Tesseract reads best at about 300 dpi (an A4 page ~2,500 px wide).
MIN_WIDTH_PX = 1600
INSTALL_HINT = ("install Tesseract with its Indonesian data (Debian/Ubuntu: apt-get install tesseract-ocr "
                "tesseract-ocr-ind; `bash scripts/setup.sh` does it when run as root with apt-get)")


@cache
def _languages() -> tuple[tuple[str, ...], str | None]:
    """(the languages to read with, why OCR cannot run or None)."""
    import pytesseract

    try:
        installed = set(pytesseract.get_languages(config=""))
    except (pytesseract.TesseractNotFoundError, OSError):
        return (), f"Tesseract is not installed: {INSTALL_HINT}"
    except pytesseract.TesseractError as exc:
        return (), f"Tesseract does not run ({exc}): {INSTALL_HINT}"
    usable = tuple(lang for lang in LANGUAGES if lang in installed)
    if "ind" not in usable:
        return (), f"Tesseract has no Indonesian data (ind): {INSTALL_HINT}"
    return usable, None


def unavailable() -> str | None:
    """Why OCR cannot run here (Tesseract or its Indonesian data missing), or None when it can."""
    return _languages()[1]


def page_text(page: Any) -> str:
    """The text of a pypdf page's images, read by Tesseract, in the order the page draws them (one paragraph per
    block of text). Call only when :func:`unavailable` is None."""
    import pytesseract
    from PIL import Image

    languages = "+".join(_languages()[0])
    texts = []
    for picture in page.images:
        image = picture.image
        if image is None:
            continue
        if image.width < MIN_WIDTH_PX:
            scale = MIN_WIDTH_PX / image.width
            image = image.resize((MIN_WIDTH_PX, round(image.height * scale)), Image.Resampling.LANCZOS)
        text = pytesseract.image_to_string(image.convert("L"), lang=languages)
        if text.strip():
            texts.append(text.strip())
    return "\n\n".join(texts)

"""Strip web boilerplate from news article text and read its metadata.

Works line by line on plain text: drops ad/subscription prompts, "Baca Juga"
links, channel invitations, tag and editor lines, photo captions and footer
menus; keeps the dateline (publisher, place) and the date, which it also returns
as metadata.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_MONTHS_ID = {
    "januari": 1, "februari": 2, "maret": 3, "april": 4, "mei": 5, "juni": 6, "juli": 7,
    "agustus": 8, "september": 9, "oktober": 10, "november": 11, "desember": 12,
}
_DAYS_ID = r"(?:Senin|Selasa|Rabu|Kamis|Jumat|Jum'at|Sabtu|Minggu)"

# A whole line that is boilerplate.
_BOILERPLATE_LINE = re.compile(
    r"""^(?:
        nyaman\s+tanpa\s+iklan.*                # ad-free subscription prompt
      | langganan\s+\w+.*
      | baca\s+juga\b.*                         # "Baca Juga" / "Baca Juga: <link title>"
      | gabung\s+ke\s+channel\s+whatsapp.*      # channel invitations
      | (?:ikuti|follow)\s+(?:kami|berita|channel).*
      | cek\s+berita\s+dan\s+artikel.*
      | tag\s*:.*
      | tags?\s*$
      | (?:editor|penulis|reporter|editor\s+foto)\s*:.*
      | sumber\s*:.*
      | scan\s+qr\s+code.*
      | \#+\s*hot\s+topic
      | (?:artikel\s+terkait|berita\s+lainnya|berita\s+terbaru|berita\s+terkait|rekomendasi\s+kami
          |konten\s+premium|liputan\s+khusus|terpopuler|foto|video|forum|share|bagikan|komentar)\s*$
      | dapatkan\s+informasi\s+komprehensif.*
      | silakan\s+login.*
    )$""",
    re.IGNORECASE | re.VERBOSE,
)

# Lines after which nothing is article text any more.
_FOOTER_START = re.compile(
    r"^(?:editor\s*:|tag\s*:|cek\s+berita\s+dan\s+artikel|konten\s+premium\s*$|artikel\s+terkait\s*$"
    r"|gabung\s+ke\s+channel\s+whatsapp|sumber\s*:)",
    re.IGNORECASE,
)

# Photo captions and credits.
_CAPTION = re.compile(
    r"(?:\((?:foto|photo|gambar)\s*:[^)]*\)\s*$"
    r"|^(?:foto|photo|gambar)\s*:"
    r"|(?:/|\bmelalui\s+|\bvia\s+)(?:REUTERS|AFP|AP|ANTARA(?:\s+FOTO)?|EPA|GETTY\s+IMAGES|XINHUA)\s*$)",
    re.IGNORECASE,
)

# Editor initials at the end of a paragraph, e.g. "[ah/ft]".
_EDITOR_INITIALS = re.compile(r"\s*\[[a-z]{1,5}(?:/[a-z]{1,5})+\]\s*$")

# "PARBOABOA, Jakarta - ", "Bisnis.com, JAKARTA - ", "SEOUL, KOMPAS.TV — "
_DATELINE = re.compile(r"^\s*([A-Z][\w.]*(?:\s[A-Z][\w.]*)?),\s*([A-Z][\w.]*(?:\s[A-Z][\w.]*)?)\s*[-–—]\s+")

_DATE_NUMERIC = re.compile(rf"{_DAYS_ID}\s*\((\d{{1,2}})/(\d{{1,2}})(?:/(\d{{4}}))?\)")
_DATE_WORDS = re.compile(r"\b(\d{1,2})\s+(" + "|".join(_MONTHS_ID) + r")\s+(\d{4})\b", re.IGNORECASE)


@dataclass(frozen=True)
class CleanArticle:
    """An article's text with boilerplate removed, and what it says about itself."""

    title: str
    text: str
    publisher: str | None = None
    place: str | None = None
    date: str | None = None  # ISO yyyy-mm-dd when the text gives the year
    date_text: str | None = None  # the date as written, e.g. "Minggu (17/9/2023)"


def normalize_text(text: str) -> str:
    """Unicode NFC, no-break and odd spaces to plain spaces, one line ending."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]", " ", text)
    return "\n".join(re.sub(r"[ \t]+", " ", line).strip() for line in text.split("\n"))


def is_boilerplate(line: str) -> bool:
    """True for a line that is never article text (ads, links, credits, captions)."""
    return bool(_BOILERPLATE_LINE.match(line) or _CAPTION.search(line))


def _words(line: str) -> int:
    return len(line.split())


def _looks_like_headline(line: str) -> bool:
    return 2 <= _words(line) <= 20 and not line.endswith((".", "?", "!", ":", "”", '"')) and not _DATELINE.match(line)


def clean_lines(text: str) -> list[str]:
    """The article's content lines, boilerplate removed, in order."""
    lines = [line for line in normalize_text(text).split("\n") if line]
    seen: dict[str, int] = {}
    for line in lines:
        seen[line] = seen.get(line, 0) + 1
    kept: list[str] = []
    for line in lines:
        if _FOOTER_START.match(line):
            break
        if is_boilerplate(line):
            continue
        if seen[line] > 1 and _words(line) > 3 and line in kept:  # a repeated caption or banner
            continue
        line = _EDITOR_INITIALS.sub("", line)
        if line:
            kept.append(line)
    # Trailing menu words ("Forum", "Foto", section names) after the last paragraph.
    while kept and _words(kept[-1]) <= 3 and not kept[-1].endswith((".", "?", "!", '"', "”")):
        kept.pop()
    return kept


def find_date(text: str) -> tuple[str | None, str | None]:
    """(ISO date or None, date as written) of the first date the text gives."""
    numeric = _DATE_NUMERIC.search(text)
    words = _DATE_WORDS.search(text)
    if numeric and (not words or numeric.start() < words.start()):
        day, month, year = numeric.groups()
        iso = f"{int(year):04d}-{int(month):02d}-{int(day):02d}" if year else None
        return iso, numeric.group(0)
    if words:
        day, month, year = words.groups()
        return f"{int(year):04d}-{_MONTHS_ID[month.lower()]:02d}-{int(day):02d}", words.group(0)
    return None, None


def find_dateline(paragraph: str) -> tuple[str | None, str | None]:
    """(publisher, place) from a dateline such as "Bisnis.com, JAKARTA - " or "SEOUL, KOMPAS.TV — "."""
    match = _DATELINE.match(paragraph)
    if not match:
        return None, None
    first, second = match.groups()

    def brand_score(part: str) -> int:
        return 2 * ("." in part) + (part.isupper() and len(part) > 3)

    if brand_score(second) > brand_score(first):
        return second, first.title()
    return first, second.title()


def _title_from_sentence(paragraph: str, max_words: int = 14) -> str:
    body = _DATELINE.sub("", paragraph, count=1)
    sentence = re.split(r"(?<=[.!?])\s", body, maxsplit=1)[0].rstrip(".")
    words = sentence.split()
    return " ".join(words[:max_words]) + ("…" if len(words) > max_words else "")


def clean_article(raw: str, fallback_title: str = "") -> CleanArticle:
    """Clean one article's raw text. The title is its first line when that reads as a headline."""
    lines = clean_lines(raw)
    if not lines:
        return CleanArticle(title=fallback_title, text="")
    if _looks_like_headline(lines[0]) and len(lines) > 1:
        title, body = lines[0], lines[1:]
    else:
        title, body = _title_from_sentence(lines[0]) or fallback_title, lines
    publisher = place = None
    for paragraph in body[:3]:
        publisher, place = find_dateline(paragraph)
        if publisher:
            break
    text = "\n\n".join(body)
    date, date_text = find_date(text)
    return CleanArticle(title=title, text=text, publisher=publisher, place=place, date=date, date_text=date_text)

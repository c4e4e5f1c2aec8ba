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
    r"""^[\s*•·»>#|-]*(?:
        nyaman\s+tanpa\s+iklan.*                  # ad-free subscription prompt
      | langganan\s+\w+.*
      # links to other articles: "Baca Juga", "Baca juga: <title>", "Simak juga: ...", "Pilihan Editor: ..."
      | (?:baca|simak|lihat|tonton|saksikan)\s+(?:juga|pula|selengkapnya|selanjutnya)\b.*
      | (?:baca|simak|read\s+also|see\s+also|related)\s*:.*
      | (?:artikel|berita|topik)\s+(?:terkait|lainnya|pilihan|rekomendasi)\s*:.*
      | (?:pilihan|rekomendasi)\s+(?:editor|redaksi)\s*:.*
      | artikel\s+ini\s+(?:telah\s+|sudah\s+)?(?:tayang|terbit|dimuat|diterbitkan)\b.*
      | cek\s+berita\s+dan\s+artikel.*
      # ads
      | -*\s*(?:advertisement|iklan|ads|sponsored|konten\s+bersponsor)\s*-*
      | scroll\s+(?:to\s+continue|untuk\s+(?:melanjutkan|membaca|lanjut)).*
      | lanjutkan\s+membaca\W*
      # credits, tags, copyright
      | tag(?:s|ar)?\s*:.*
      | tags?\s*
      | (?:editor|penulis|reporter|pewarta|penyunting|redaktur|kontributor|fotografer|editor\s+foto
          |sumber|source|writer|author)\s*:.*
      | laporan\s+(?:wartawan|reporter|koresponden)\s+[\w.]+,\s*[^.!?]{0,60}   # "Laporan Wartawan X.com, Nama"
      | (?:copyright|hak\s+cipta)\s*(?:©|\(c\)|\d{4}).{0,120}
      | ©.{0,120}
      | .{0,120}(?:all\s+rights\s+reserved|seluruh\s+hak\s+dilindungi|hak\s+cipta\s+dilindungi).{0,60}
      | scan\s+qr\s+code.*
      | dengarkan\s+(?:artikel|berita)\s+ini.*
      | \#+\s*hot\s+topic
      # a section heading of the page, alone on its line
      | (?:artikel\s+terkait|berita\s+lainnya|berita\s+terbaru|berita\s+terkait|berita\s+terkini|berita\s+populer
          |berita\s+rekomendasi|rekomendasi(?:\s+kami|\s+untuk\s+anda)?|topik\s+terkait|konten\s+premium
          |liputan\s+khusus|terpopuler|populer|terkini|pilihan\s+editor|video\s+pilihan|foto|video|forum|share
          |bagikan|komentar(?:\s*\(\d+\))?|tulis\s+komentar.*|lihat\s+foto|lihat\s+semua|selanjutnya
          |sebelumnya|halaman\s*:?[\s\d]*(?:selanjutnya|berikutnya)?|load\s+more|muat\s+lebih\s+banyak)\W*
      | dapatkan\s+informasi\s+komprehensif.*
      | silakan\s+login.*
    )$""",
    re.IGNORECASE | re.VERBOSE,
)

# Calls to follow, join, subscribe or download: a verb of the kind, then a channel.
_CALL_TO_ACTION = re.compile(
    r"^[\s*•·»>-]*(?:yuk,?\s+|ayo,?\s+|jangan\s+lupa\s+|mari\s+)?(?:gabung|bergabung|ikuti|follow|simak|dapatkan"
    r"|download|unduh|klik|berlangganan|langganan|daftar(?:kan)?|subscribe|join|kunjungi)\b",
    re.IGNORECASE,
)
_CHANNEL = re.compile(
    r"\b(?:whatsapp|wa\s+channel|telegram|google\s+news|newsletter|aplikasi|app\s+store|play\s+store|channel"
    r"|saluran|instagram|youtube|tiktok|twitter|facebook|e-?paper|klik\s+di\s+sini|klik\s+link|notifikasi"
    r"|premium|tanpa\s+iklan)\b",
    re.IGNORECASE,
)

# Share buttons: short lines made only of these words.
_SHARE_WORDS = frozenset([
    "bagikan", "share", "artikel", "ini", "berita", "ke", "via", "facebook", "fb", "twitter", "x", "tweet", "whatsapp",
    "wa", "telegram", "line", "linkedin", "pinterest", "email", "e-mail", "salin", "copy", "link", "tautan", "url",
    "print", "cetak"])

# Lines after which nothing is article text any more.
_FOOTER_START = re.compile(
    r"^(?:editor\s*:|tag\s*:|cek\s+berita\s+dan\s+artikel|konten\s+premium\s*$|artikel\s+terkait\s*$"
    r"|gabung\s+ke\s+channel\s+whatsapp|sumber\s*:|artikel\s+ini\s+(?:telah\s+)?tayang)",
    re.IGNORECASE,
)

# Photo captions and credits.
_PHOTO_SOURCES = (r"REUTERS|AFP|AP|ANTARA(?:\s+FOTO)?|EPA|GETTY\s+IMAGES|XINHUA|KCNA|YONHAP|SHUTTERSTOCK|ISTIMEWA"
                  r"|HANDOUT|DOK(?:UMENTASI)?\.?|IST\.?|FREEPIK|UNSPLASH|PEXELS")
_CAPTION = re.compile(
    r"(?:\((?:foto|photo|gambar|ilustrasi)\s*:[^)]*\)\s*$"
    r"|^(?:foto|photo|gambar|ilustrasi)\s*[:.]"
    rf"|(?:/|\bmelalui\s+|\bvia\s+)(?:{_PHOTO_SOURCES})\s*\)?\s*$"
    rf"|\((?:[^()]*(?:/|\bvia\s+|\bmelalui\s+))?(?:{_PHOTO_SOURCES})(?:/[^()]*)?\)\s*$)",
    re.IGNORECASE,
)

# Editor initials at the end of a paragraph, e.g. "[ah/ft]".
_EDITOR_INITIALS = re.compile(r"\s*(?:\[[a-z]{1,5}(?:/[a-z]{1,5})+\]|\([a-z]{1,5}(?:/[a-z]{1,5})+\))\s*$")

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


def _is_share_bar(line: str) -> bool:
    words = re.findall(r"[\w-]+", line.casefold())
    return 0 < len(words) <= 10 and all(w in _SHARE_WORDS for w in words)


# Reported speech: a sentence of the article, not a prompt to the reader.
_REPORTED = re.compile(r"\b(?:kata|ujar|ungkap|tutur|ucap|jelas|menurut|said|says)\b|[\"“”]", re.IGNORECASE)


def _is_call_to_action(line: str) -> bool:
    return (_words(line) <= 35 and bool(_CALL_TO_ACTION.match(line) and _CHANNEL.search(line))
            and not _REPORTED.search(line))


def is_boilerplate(line: str) -> bool:
    """True for a line that is never article text (ads, links, credits, captions, share buttons, prompts)."""
    return bool(_BOILERPLATE_LINE.match(line) or _CAPTION.search(line) or _is_share_bar(line)
                or _is_call_to_action(line))


def _words(line: str) -> int:
    return len(line.split())


def _looks_like_headline(line: str) -> bool:
    return 2 <= _words(line) <= 20 and not line.endswith((".", "?", "!", ":", "”", '"')) and not _DATELINE.match(line)


def _is_paragraph(line: str, min_words: int) -> bool:
    return _words(line) >= min_words and not is_boilerplate(line)


def _footer_follows(kept: list[str], rest: list[str]) -> bool:
    """At a footer line ("Editor:", "Tag:", ...): is the article over? Only after some article
    text, and when no paragraph of article text comes later."""
    return any(_is_paragraph(k, 8) for k in kept) and not any(_is_paragraph(r, 20) for r in rest)


def clean_lines(text: str) -> list[str]:
    """The article's content lines, boilerplate removed, in order."""
    lines = [line for line in normalize_text(text).split("\n") if line]
    seen: dict[str, int] = {}
    for line in lines:
        seen[line] = seen.get(line, 0) + 1
    kept: list[str] = []
    for i, line in enumerate(lines):
        if _FOOTER_START.match(line) and _footer_follows(kept, lines[i + 1:]):
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


def _same_line(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def clean_article(raw: str, fallback_title: str = "", title: str | None = None) -> CleanArticle:
    """Clean one article's raw text.

    The title is ``title`` when the source gives one (a leading line repeating it is
    dropped), else the first line when that reads as a headline, else the start of
    the first sentence.
    """
    lines = clean_lines(raw)
    title = " ".join(title.split()) if title and title.strip() else None
    if title:
        while lines and _same_line(lines[0], title):
            lines = lines[1:]
    if not lines:
        return CleanArticle(title=title or fallback_title, text="")
    if title:
        body = lines
    elif _looks_like_headline(lines[0]) and len(lines) > 1:
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

"""How well does ingestion keep article text and drop web boilerplate?

    python -m eval.boilerplate [--show CASE] [--json]

Three kinds of test material, all built from the five bundled articles:

1. **The seeds as they are** (``.txt``): every line hand-labelled below as
   boilerplate, title or article text (`SEED_BOILERPLATE`, `SEED_TITLES`).
2. **Web pages made from them** (``.html``): each article's text put into a news
   page template with the clutter of Indonesian news sites: menus, breadcrumbs,
   share buttons, photo captions, "Baca Juga" links, ads, subscription prompts,
   tags, related-article lists, comments, cookie notices, footers. Read with
   `index.readers.read_html` (trafilatura) and cleaned with `index.cleaning`.
3. **Noisy text** (``.txt``): the article paragraphs with boilerplate lines of
   other sites inserted between them, cleaned with `index.cleaning` alone.

Templates and phrases come in two sets: ``dev`` (seen while writing the cleaner)
and ``heldout`` (written at the same time, never used to tune it), so that the
held-out figures say how the cleaning generalises.

Figures, per case and in total (tokens are lower-cased words):

- ``para_recall``: share of article paragraphs (by characters) found whole in the output;
- ``token_recall``: share of article tokens in the output (bag of words);
- ``token_precision``: share of output tokens that are article tokens;
- ``boilerplate_removed``: share of the inserted boilerplate tokens (those not also
  article tokens) absent from the output;
- ``title_ok`` / ``date_ok`` / ``publisher_ok``: metadata as expected (web pages).
"""

from __future__ import annotations

import argparse
import html as html_lib
import json
import random
import re
import sys
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

SEEDS = Path(__file__).resolve().parent.parent / "data" / "articles"

# Hand labels of the seeds: the title line, and every boilerplate line (or inline fragment).
SEED_TITLES = {
    "000_f6ccf7329cada5fc": "Kim Jong Un Kembali ke Korut usai Selesaikan Kunjungan Kenegaraan ke Rusia",
    "001_c3097b6ce2799c8a": "Pulang ke Korut, Kim Jong-un Doakan Rusia Sejahtera dan Makmur",
}
SEED_BOILERPLATE = {
    "000_f6ccf7329cada5fc": [
        "Kim juga bertemu dengan Menteri Pertahanan Rusia, Sergei Shoigu. (Foto: tangkapan layar X/@@Gerashchenko_en)",
        "Editor: Umaya khusniah", "TAG :", "Baca Juga", "LIPUTAN KHUSUS",
    ],
    "001_c3097b6ce2799c8a": [
        "Nyaman tanpa iklan. Langganan BisnisPro",
        "Presiden Rusia Vladimir Putin dan pemimpin Korea Utara Kim Jong-un mengunjungi Kosmodrom Vostochny di "
        "wilayah Timur Jauh Amur, Rusia, 13 September 2023. Sputnik/Mikhail Metzel/Kremlin melalui REUTERS",
        "Cek Berita dan Artikel yang lain di Google News dan WA Channel", "Konten Premium",
        "Dapatkan informasi komprehensif di Bisnis.com yang diolah secara mendalam untuk menavigasi bisnis Anda. "
        "Silakan login untuk menikmati artikel Konten Premium.",
        "Artikel Terkait", "Berita Lainnya", "Berita Terbaru", "# Hot Topic", "Rekomendasi Kami", "Foto",
        "Scan QR Code Bisnis Indonesia e-paper",
    ],
    "002_e0a871338f087d8a": [
        "Baca Juga: Rusia Tuding Barat Gunakan Tipu Muslihat Agar Negara Berkembang Mendukung Posisi Ukraina",
        "Sumber : Associated Press",
        "Gabung ke Channel WhatsApp KompasTV untuk update berita terbaru dan terpercaya.",
    ],
    "003_ed3a9f055e0eb795": ["Baca Juga"],
    "004_38d6ff41fa904c66": ["[ah/ft]", "Forum"],
}
# What a web page of each seed says about itself (the three without a headline get one).
SEED_META = {
    "000_f6ccf7329cada5fc": ("PARBOABOA", "2023-09-17", None),
    "001_c3097b6ce2799c8a": ("Bisnis.com", "2023-09-18", None),
    "002_e0a871338f087d8a": ("KOMPAS.TV", "2023-09-17",
                             "Kim Jong Un Pulang dari Rusia, Dunia Khawatirkan Transfer Senjata"),
    "003_ed3a9f055e0eb795": ("Bisnis.com", "2023-09-13", "Kim Jong-un: Kunjungan ke Rusia Bukti Kepentingan Strategis"),
    "004_38d6ff41fa904c66": ("VOA Indonesia", "2023-09-17", "Kim dan Shoigu Bahas Kerja Sama Militer Korut-Rusia"),
}

# The date a reader of the seed's text can know: 004 gives days without a year ("Minggu (17/9)").
SEED_TEXT_DATES = {"004_38d6ff41fa904c66": None}


def seed_gold(path: Path) -> tuple[str, list[str], list[str]]:
    """(title, article paragraphs, boilerplate strings) of one seed, from the hand labels."""
    doc_id = path.stem
    labels = SEED_BOILERPLATE[doc_id]
    title = SEED_TITLES.get(doc_id) or SEED_META[doc_id][2]
    if title is None:
        raise ValueError(f"seed {doc_id} has no title in SEED_TITLES or SEED_META")
    paragraphs, junk = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = " ".join(line.split())
        if not line or line == SEED_TITLES.get(doc_id):
            continue
        if line in labels:
            junk.append(line)
            continue
        for fragment in labels:  # inline labels such as "[ah/ft]"
            if fragment in line:
                junk.append(fragment)
                line = line.replace(fragment, "").strip()
        if line:
            paragraphs.append(line)
    return title, paragraphs, junk


# Boilerplate of Indonesian news sites ----------------------------------------------------------------------
# Each pool: phrases for lines of text that are not the article. "{t}" is filled with another article's title.
PHRASES = {
    "dev": {
        "related": ["Baca Juga: {t}", "Baca juga: {t}", "BACA JUGA: {t}", "Artikel Terkait: {t}", "Lihat juga: {t}"],
        "ad": ["ADVERTISEMENT", "SCROLL TO CONTINUE WITH CONTENT", "Iklan", "Advertisement"],
        "subscribe": [
            "Nyaman tanpa iklan. Langganan BisnisPro",
            "Dapatkan update berita pilihan dan breaking news setiap hari. Mari bergabung di Grup Telegram kami, "
            "caranya klik link berikut, kemudian join.",
            "Berlangganan newsletter kami untuk mendapatkan berita terbaru setiap pagi.",
            "Gabung ke Channel WhatsApp kami untuk update berita terbaru dan terpercaya.",
        ],
        "share": ["Bagikan:", "Facebook", "Twitter", "WhatsApp", "Salin Link", "Share"],
        "caption": ["Foto: {s} (REUTERS/Kim Hong-Ji)", "{s} (ANTARA FOTO/Aditya Pradana Putra)",
                    "Ilustrasi. (Foto: Shutterstock)"],
        "credit": ["Editor: Rina Marlina", "Penulis: Andi Saputra", "Sumber: Reuters", "Tag: Kim Jong Un, Rusia"],
        "end": ["Artikel ini telah tayang di Kompas.com dengan judul \"{t}\"",
                "Cek Berita dan Artikel yang lain di Google News"],
    },
    "heldout": {
        "related": ["Simak juga: {t}", "Baca Selengkapnya: {t}", "Pilihan Editor: {t}", "BACA:  {t}",
                    "Berita terkait: {t}"],
        "ad": ["- Advertisement -", "Lanjutkan Membaca", "Scroll untuk melanjutkan membaca", "IKLAN"],
        "subscribe": [
            "Ikuti berita terkini dari Tempo di Google News, klik di sini.",
            "Simak breaking news dan berita pilihan kami langsung di ponselmu. Pilih saluran andalanmu akses "
            "berita melalui WhatsApp Channel.",
            "Download aplikasi kami untuk membaca berita tanpa iklan.",
            "Dapatkan berita terbaru setiap hari dengan mendaftar newsletter gratis.",
        ],
        "share": ["Bagikan artikel ini", "Salin tautan", "Telegram", "LINE", "Tweet"],
        "caption": ["{s} (KCNA via REUTERS)", "Foto: AFP/Handout", "Sejumlah warga melintas. (ANTARA/Nama Fotografer)"],
        "credit": ["Pewarta: Budi Santoso", "Editor: Citra Dewi", "Reporter: Dimas Prakoso",
                   "Copyright © ANTARA 2023", "(ab/ab)"],
        "end": ["Dengarkan berita ini", "Topik Terkait", "Komentar (0)"],
    },
}

OTHER_TITLES = [
    "Rusia Tuding Barat Gunakan Tipu Muslihat", "Harga Beras Naik Jelang Akhir Tahun",
    "Timnas Indonesia Menang 2-0 atas Brunei", "Gempa Magnitudo 5,1 Guncang Maluku",
    "BI Tahan Suku Bunga Acuan di 5,75 Persen", "Jokowi Resmikan Tol Baru di Sumatera",
]


@dataclass
class Case:
    """One test document: what goes in, and what should come out."""

    name: str
    suffix: str
    content: str
    paragraphs: list[str]
    boilerplate: list[str]
    title: str | None = None
    date: str | None = None
    publisher: str | None = None


def _esc(text: str) -> str:
    return html_lib.escape(text, quote=True)


def _caption_sentence(paragraphs: list[str], rng: random.Random) -> str:
    words = rng.choice(paragraphs[1:] or paragraphs).split()[:12]
    return " ".join(words).rstrip(",.") + ", Senin (18/9/2023)."


def noisy_text_case(name: str, paragraphs: list[str], title: str, pool: str, rng: random.Random) -> Case:
    """The article as plain text with boilerplate lines of ``pool`` before, between and after its paragraphs."""
    phrases = PHRASES[pool]
    junk: list[str] = []

    def pick(kind: str) -> str:
        text = rng.choice(phrases[kind]).format(t=rng.choice(OTHER_TITLES), s=_caption_sentence(paragraphs, rng))
        junk.append(text)
        return text

    lines = [pick("subscribe"), title, pick("caption")]
    for i, paragraph in enumerate(paragraphs):
        lines.append(paragraph)
        if i % 3 == 1:
            lines.append(pick("related"))
        if i == 2:
            lines.append(pick("ad"))
    lines += [pick("credit"), pick("end"), pick("share"), pick("subscribe")]
    return Case(name, ".txt", "\n\n".join(lines), paragraphs, junk, title=title)


def _page_dev_portal(p: dict, rng: random.Random, junk: list[str]) -> str:
    ph = PHRASES["dev"]
    menu = ["Beranda", "News", "Nasional", "Internasional", "Ekonomi", "Olahraga", "Tekno", "Otomotif", "Indeks"]
    related = rng.sample(OTHER_TITLES, 4)
    caption = _caption_sentence(p["paragraphs"], rng) + " (REUTERS/Kim Hong-Ji)"
    share = "Bagikan: Facebook Twitter WhatsApp Salin Link"
    subscribe = ph["subscribe"][2]
    ad = ["ADVERTISEMENT", "SCROLL TO CONTINUE WITH CONTENT"]
    baca = [f"Baca Juga: {t}" for t in related[:2]]
    tags = "Tag: Kim Jong Un Rusia Korea Utara"
    comments = "Komentar (12) Tulis komentar Anda di sini... Kirim"
    footer = "Tentang Kami Redaksi Pedoman Media Siber Kebijakan Privasi Kontak Copyright © 2023 Berita Contoh"
    junk += [" ".join(menu), "Cari berita...", "Home Internasional Asia", share, caption, subscribe, *ad, *baca,
             tags, "Berita Terkait " + " ".join(related), comments, footer,
             "Penulis: Andi Saputra | Editor: Rina Marlina"]
    body = []
    for i, para in enumerate(p["paragraphs"]):
        body.append(f"<p>{_esc(para)}</p>")
        if i == 1:
            body.append('<div class="ads-slot"><span>ADVERTISEMENT</span></div>'
                        '<p class="scroll">SCROLL TO CONTINUE WITH CONTENT</p>')
        if i in (2, 5):
            t = baca[0 if i == 2 else 1]
            body.append(f'<p><strong>Baca Juga:</strong> <a href="/berita/{i}">{_esc(t.split(": ", 1)[1])}</a></p>')
        if i == 4:
            body.append(f'<div class="newsletter-box"><p>{_esc(subscribe)}</p><input placeholder="Email">'
                        '<button>Langganan</button></div>')
    nav = "".join(f'<li><a href="/{m.lower()}">{m}</a></li>' for m in menu)
    rel = "".join(f'<li><a href="/r/{i}">{_esc(t)}</a></li>' for i, t in enumerate(related))
    return f"""<!DOCTYPE html>
<html lang="id"><head><meta charset="utf-8">
<title>{_esc(p['title'])} - {_esc(p['publisher'])}</title>
<meta property="og:title" content="{_esc(p['title'])}">
<meta property="og:site_name" content="{_esc(p['publisher'])}">
<meta property="article:published_time" content="{p['date']}T09:30:00+07:00">
<meta name="description" content="{_esc(p['paragraphs'][0][:150])}">
<link rel="canonical" href="https://www.contoh-berita.id/internasional/{p['slug']}">
</head><body>
<header class="site-header"><div class="logo">{_esc(p['publisher'])}</div>
<nav class="main-menu"><ul>{nav}</ul></nav><form class="search"><input placeholder="Cari berita..."></form></header>
<main><div class="breadcrumb"><a href="/">Home</a> &gt; <a href="/internasional">Internasional</a> &gt; \
<span>Asia</span></div>
<article class="post">
<h1 class="post-title">{_esc(p['title'])}</h1>
<div class="post-meta"><span class="author">Penulis: Andi Saputra | Editor: Rina Marlina</span>
<time datetime="{p['date']}">{p['date_human']}</time></div>
<div class="share-bar">Bagikan: <a class="fb">Facebook</a> <a class="tw">Twitter</a> <a class="wa">WhatsApp</a> \
<button>Salin Link</button></div>
<figure class="post-image"><img src="/img/{p['slug']}.jpg" alt="foto"><figcaption>{_esc(caption)}</figcaption></figure>
<div class="post-content">
{''.join(body)}
</div>
<div class="post-tags">Tag: <a>Kim Jong Un</a> <a>Rusia</a> <a>Korea Utara</a></div>
</article>
<section class="related"><h3>Berita Terkait</h3><ul>{rel}</ul></section>
<section class="comments"><h3>Komentar (12)</h3>\
<textarea placeholder="Tulis komentar Anda di sini..."></textarea><button>Kirim</button></section>
</main>
<footer><a>Tentang Kami</a> <a>Redaksi</a> <a>Pedoman Media Siber</a> <a>Kebijakan Privasi</a> <a>Kontak</a>
<p>Copyright © 2023 Berita Contoh</p></footer>
</body></html>"""


def _page_dev_koran(p: dict, rng: random.Random, junk: list[str]) -> str:
    ph = PHRASES["dev"]
    related = rng.sample(OTHER_TITLES, 3)
    caption = _caption_sentence(p["paragraphs"], rng) + " (ANTARA FOTO/Aditya Pradana Putra)"
    baca = [f"Baca juga: {t}" for t in related]
    tayang = ph["end"][0].format(t=p["title"])
    wa = ph["subscribe"][3]
    cookie = "Kami menggunakan cookie untuk meningkatkan pengalaman Anda. Setuju"
    popular = "Terpopuler " + " ".join(OTHER_TITLES[:5])
    junk += [caption, *baca, tayang, wa, cookie, popular, "Lihat Foto", "Halaman: 1 2 Selanjutnya",
             "Menu Kompas Nasional Regional Global Tren Money", "Penulis: Andi Saputra", "Editor: Rina Marlina"]
    body = []
    for i, para in enumerate(p["paragraphs"]):
        body.append(f"<p>{_esc(para)}</p>")
        if i % 3 == 0 and i // 3 < len(baca):
            t = baca[i // 3]
            body.append(f'<p><strong>Baca juga: </strong><a class="inner-link">{_esc(t.split(": ", 1)[1])}</a></p>')
    return f"""<html><head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{_esc(p['title'])} Halaman all - {_esc(p['publisher'])}</title>
<meta name="og:title" content="{_esc(p['title'])}">
<meta name="content_PublishedDate" content="{p['date']} 09:30:00">
<meta property="og:site_name" content="{_esc(p['publisher'])}">
</head><body>
<div id="cookie-bar">Kami menggunakan cookie untuk meningkatkan pengalaman Anda. <a>Setuju</a></div>
<div class="nav"><a>Menu</a> <a>Kompas</a> <a>Nasional</a> <a>Regional</a> <a>Global</a> <a>Tren</a> <a>Money</a></div>
<div class="container"><div class="col-bs10-7">
<div class="read__header"><h1 class="read__title">{_esc(p['title'])}</h1>
<div class="read__time">{_esc(p['publisher'])} - {p['date_human']}</div></div>
<div class="photo"><div class="photo__wrap"><img src="x.jpg"></div>
<div class="photo__caption">{_esc(caption)}</div><a class="lihat-foto">Lihat Foto</a></div>
<div class="read__content"><div class="clearfix">
{''.join(body)}
<p>{_esc(wa)}</p>
<p><em>{_esc(tayang)}</em></p>
</div></div>
<div class="read__paging">Halaman: <a>1</a> <a>2</a> <a>Selanjutnya</a></div>
<div class="read__credit">Penulis: <a>Andi Saputra</a><br>Editor: <a>Rina Marlina</a></div>
</div>
<div class="col-bs10-3"><div class="most"><h3>Terpopuler</h3>\
<ol>{''.join(f'<li><a>{_esc(t)}</a></li>' for t in OTHER_TITLES[:5])}</ol></div></div>
</div></body></html>"""


def _page_heldout_majalah(p: dict, rng: random.Random, junk: list[str]) -> str:
    ph = PHRASES["heldout"]
    related = rng.sample(OTHER_TITLES, 3)
    caption = _caption_sentence(p["paragraphs"], rng) + " (KCNA via REUTERS)"
    pilihan = f"Pilihan Editor: {related[0]}"
    simak = f"Simak juga: {related[1]}"
    google = ph["subscribe"][0]
    listen = "Dengarkan artikel ini 00:00 / 03:12"
    download = ph["subscribe"][2]
    topik = "Topik Terkait Korea Utara Rusia Kim Jong Un"
    rekom = "Berita Rekomendasi " + " ".join(related)
    junk += [caption, pilihan, simak, google, listen, download, topik, rekom, "- Advertisement -",
             "Bagikan artikel ini Salin tautan Telegram LINE Tweet", "Reporter: Dimas Prakoso", "Editor: Citra Dewi",
             "Masuk Daftar Langganan", "Hak Cipta © 2023 Majalah Contoh. Seluruh hak dilindungi."]
    body = []
    for i, para in enumerate(p["paragraphs"]):
        body.append(f"<p>{_esc(para)}</p>")
        if i == 1:
            body.append(f'<div class="inline-related"><span>Simak juga:</span> <a>{_esc(related[1])}</a></div>')
        if i == 3:
            body.append('<div class="adv">- Advertisement -</div>')
    ld_json = json.dumps({"@type": "NewsArticle", "headline": p["title"],
                          "datePublished": p["date"] + "T08:00:00+07:00",
                          "publisher": {"@type": "Organization", "name": p["publisher"]}})
    return f"""<!doctype html><html><head><meta charset="UTF-8">
<title>{_esc(p['title'])} | {_esc(p['publisher'])}</title>
<script type="application/ld+json">{ld_json}</script>
</head><body>
<div class="topbar"><a>Masuk</a> <a>Daftar</a> <a>Langganan</a></div>
<div class="wrapper"><div class="detail">
<h1>{_esc(p['title'])}</h1>
<div class="byline">Reporter: Dimas Prakoso<br>Editor: Citra Dewi<br><span class="date">{p['date_human']}</span></div>
<div class="audio-player">Dengarkan artikel ini <span>00:00 / 03:12</span></div>
<div class="social">Bagikan artikel ini <a>Salin tautan</a> <a>Telegram</a> <a>LINE</a> <a>Tweet</a></div>
<div class="foto-utama"><img src="y.jpg"><p class="keterangan">{_esc(caption)}</p></div>
<div class="detail-konten">
{''.join(body)}
<p><strong>Pilihan Editor:</strong> <a>{_esc(related[0])}</a></p>
<p>{_esc(google)}</p>
</div>
<div class="banner-app">{_esc(download)}</div>
<div class="topik">Topik Terkait <a>Korea Utara</a> <a>Rusia</a> <a>Kim Jong Un</a></div>
<div class="rekomendasi"><h4>Berita Rekomendasi</h4>{''.join(f'<div><a>{_esc(t)}</a></div>' for t in related)}</div>
</div></div>
<div class="foot">Hak Cipta © 2023 Majalah Contoh. Seluruh hak dilindungi.</div>
</body></html>"""


PAGE_TEMPLATES = {"portal": ("dev", _page_dev_portal), "koran": ("dev", _page_dev_koran),
                  "majalah": ("heldout", _page_heldout_majalah)}

_MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
           "November", "Desember"]


def build_cases(seeds: Path = SEEDS) -> list[Case]:
    """Every test document: the seeds, a page per seed per template, and noisy text per seed per pool."""
    cases: list[Case] = []
    for path in sorted(seeds.glob("*.txt")):
        title, paragraphs, junk = seed_gold(path)
        publisher, date, _ = SEED_META[path.stem]
        cases.append(Case(f"seed/{path.stem}", ".txt", path.read_text(encoding="utf-8"), paragraphs, junk,
                          title=SEED_TITLES.get(path.stem), date=SEED_TEXT_DATES.get(path.stem, date)))
        year, month, day = (int(x) for x in date.split("-"))
        page = {"title": title, "paragraphs": paragraphs, "publisher": publisher, "date": date,
                "date_human": f"{day} {_MONTHS[month - 1]} {year}, 09:30 WIB", "slug": path.stem}
        for name, (pool, template) in PAGE_TEMPLATES.items():
            rng = random.Random(f"{path.stem}/{name}")
            page_junk: list[str] = []
            content = template(page, rng, page_junk)
            cases.append(Case(f"html-{pool}-{name}/{path.stem}", ".html", content, paragraphs, page_junk,
                              title=title, date=date, publisher=publisher))
        for pool in PHRASES:
            rng = random.Random(f"{path.stem}/text/{pool}")
            cases.append(noisy_text_case(f"text-{pool}/{path.stem}", paragraphs, title, pool, rng))
    return cases


# Measuring ----------------------------------------------------------------------------------------------------
_TOKEN = re.compile(r"\w+", re.UNICODE)


def _tokens(text: str) -> Counter:
    return Counter(t.lower() for t in _TOKEN.findall(text))


def _norm(text: str) -> str:
    return " ".join(text.split())


@dataclass
class Result:
    name: str
    para_recall: float
    token_recall: float
    token_precision: float
    boilerplate_removed: float
    title_ok: bool | None = None
    date_ok: bool | None = None
    publisher_ok: bool | None = None
    leaked: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)


def run_case(case: Case, folder: Path) -> tuple[Result, str]:
    """Read one case through the real ingestion code; measure what came out."""
    from index.articles import Article, load_article
    from index.errors import ArticleError

    path = folder / (case.name.replace("/", "__") + case.suffix)
    path.write_text(case.content, encoding="utf-8")
    try:
        article = load_article(path)
    except ArticleError:  # nothing came out: all article text lost
        article = Article(doc_id=path.stem, path=path, title="", text="", content_hash="")
    out = _norm(article.text)
    gold_chars = sum(len(p) for p in case.paragraphs)
    kept = [p for p in case.paragraphs if _norm(p) in out]
    out_tok, gold_tok = _tokens(article.text), _tokens(" ".join(case.paragraphs))
    junk_tok = _tokens(" ".join(case.boilerplate)) - gold_tok
    common = out_tok & gold_tok
    leaked_tok = (out_tok - gold_tok) & junk_tok
    leaked = [b for b in case.boilerplate if _norm(b) and _norm(b) in out]
    result = Result(
        name=case.name,
        para_recall=sum(len(p) for p in kept) / gold_chars,
        token_recall=sum(common.values()) / max(1, sum(gold_tok.values())),
        token_precision=sum(common.values()) / max(1, sum(out_tok.values())),
        boilerplate_removed=1 - sum(leaked_tok.values()) / max(1, sum(junk_tok.values())),
        title_ok=None if case.title is None else article.title == case.title,
        date_ok=None if case.date is None else article.date == case.date,
        publisher_ok=None if case.publisher is None else article.publisher == case.publisher,
        leaked=leaked + sorted(leaked_tok),
        lost=[p[:80] for p in case.paragraphs if p not in kept],
    )
    return result, article.text


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def summarise(results: list[Result]) -> dict[str, dict[str, float | None]]:
    """Mean figures per group of cases (the part of the name before "/"), and over all."""
    groups: dict[str, list[Result]] = {}
    for r in results:
        groups.setdefault(r.name.split("/")[0], []).append(r)
    groups["all"] = results
    table = {}
    for name, rs in groups.items():
        row: dict[str, float | None] = {k: _mean([getattr(r, k) for r in rs])
               for k in ("para_recall", "token_recall", "token_precision", "boilerplate_removed")}
        for k in ("title_ok", "date_ok", "publisher_ok"):
            vals = [float(getattr(r, k)) for r in rs if getattr(r, k) is not None]
            row[k] = _mean(vals) if vals else None
        row["cases"] = len(rs)
        table[name] = row
    return table


def measure(seeds: Path = SEEDS) -> tuple[list[Result], dict[str, dict[str, float | None]]]:
    with tempfile.TemporaryDirectory() as tmp:
        results = [run_case(case, Path(tmp))[0] for case in build_cases(seeds)]
    return results, summarise(results)


def _fmt(value) -> str:
    return "  -  " if value is None else f"{value:.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.boilerplate", description=__doc__.split("\n")[0])
    parser.add_argument("--show", metavar="CASE", help="print the cleaned text of the cases whose name contains CASE")
    parser.add_argument("--json", action="store_true", help="print per-case results as JSON")
    parser.add_argument("--write", type=Path, metavar="DIR", help="also write the generated test documents to DIR")
    args = parser.parse_args(argv)
    if args.write:
        args.write.mkdir(parents=True, exist_ok=True)
        for case in build_cases():
            (args.write / (case.name.replace("/", "__") + case.suffix)).write_text(case.content, encoding="utf-8")
    results, table = measure()
    if args.json:
        print(json.dumps([asdict(r) for r in results], ensure_ascii=False, indent=1))
        return 0
    if args.show:
        with tempfile.TemporaryDirectory() as tmp:
            for case in build_cases():
                if args.show in case.name:
                    result, text = run_case(case, Path(tmp))
                    print(f"===== {case.name}\n{text}\n----- leaked: {result.leaked}\n----- lost: {result.lost}\n")
    cols = ["cases", "para_recall", "token_recall", "token_precision", "boilerplate_removed", "title_ok", "date_ok",
            "publisher_ok"]
    print(f"{'group':<22}" + "".join(f"{c:>20}" for c in cols))
    for name, row in table.items():
        print(f"{name:<22}" + f"{row['cases']:>20}" + "".join(f"{_fmt(row[c]):>20}" for c in cols[1:]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

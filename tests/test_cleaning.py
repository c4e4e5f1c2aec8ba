from pathlib import Path

import pytest

from index.cleaning import clean_article, find_date, find_dateline, is_boilerplate, normalize_text

SEEDS = Path(__file__).resolve().parent.parent / "data" / "articles"

BOILERPLATE = [
    "Nyaman tanpa iklan", "Langganan BisnisPro", "Baca Juga", "Gabung ke Channel WhatsApp",
    "Cek Berita dan Artikel", "TAG :", "Editor:", "(Foto:", "melalui REUTERS", "LIPUTAN KHUSUS",
    "Konten Premium", "Scan QR Code", "Hot Topic", "Rekomendasi Kami", "Berita Terbaru", "[ah/ft]",
    "Sumber : Associated Press", "Artikel Terkait",
]


@pytest.fixture(scope="module")
def cleaned():
    return {f.stem: clean_article(f.read_text(encoding="utf-8")) for f in sorted(SEEDS.glob("*.txt"))}


def test_all_five_seeds_are_present(cleaned):
    assert len(cleaned) == 5


@pytest.mark.parametrize("phrase", BOILERPLATE)
def test_no_boilerplate_reaches_the_text(cleaned, phrase):
    for doc_id, article in cleaned.items():
        assert phrase.lower() not in article.text.lower(), f"{phrase!r} left in {doc_id}"


def test_trailing_menu_words_are_dropped(cleaned):
    assert not cleaned["004_38d6ff41fa904c66"].text.rstrip().endswith("Forum")
    assert cleaned["004_38d6ff41fa904c66"].text.rstrip().endswith("hingga saat itu.")


def test_datelines_and_dates_are_kept_in_text_and_metadata(cleaned):
    a = cleaned["001_c3097b6ce2799c8a"]
    assert "Bisnis.com, JAKARTA" in a.text
    assert (a.publisher, a.date, a.date_text) == ("Bisnis.com", "2023-09-18", "Senin (18/9/2023)")
    b = cleaned["002_e0a871338f087d8a"]
    assert b.text.startswith("SEOUL, KOMPAS.TV")
    assert (b.publisher, b.place, b.date) == ("KOMPAS.TV", "Seoul", "2023-09-17")
    c = cleaned["000_f6ccf7329cada5fc"]
    assert (c.publisher, c.place, c.date) == ("PARBOABOA", "Jakarta", "2023-09-17")


def test_headline_is_the_title_and_not_repeated_in_text(cleaned):
    a = cleaned["000_f6ccf7329cada5fc"]
    assert a.title == "Kim Jong Un Kembali ke Korut usai Selesaikan Kunjungan Kenegaraan ke Rusia"
    assert not a.text.startswith(a.title)
    assert cleaned["001_c3097b6ce2799c8a"].title == "Pulang ke Korut, Kim Jong-un Doakan Rusia Sejahtera dan Makmur"


def test_article_without_headline_gets_a_title_from_its_first_sentence(cleaned):
    title = cleaned["002_e0a871338f087d8a"].title
    assert title.startswith("Pemimpin Korea Utara Kim Jong Un")
    assert "KOMPAS.TV" not in title


def test_facts_survive_cleaning(cleaned):
    assert "Oleg Kozhemyako bahkan memberi Kim rompi antipeluru" in cleaned["000_f6ccf7329cada5fc"].text
    assert "sekitar 200 kilometer dari perbatasan" in cleaned["002_e0a871338f087d8a"].text
    assert "PBB dan Sanksi kepada Korut" in cleaned["000_f6ccf7329cada5fc"].text  # a mid-article subheading


def test_repeated_photo_caption_is_removed():
    raw = ("Judul Berita Penting\n\nPresiden A dan B berjabat tangan di Jakarta. Foto oleh X/REUTERS\n"
           "Presiden A dan B berjabat tangan di Jakarta. Foto oleh X/REUTERS\n\nKOMPAS.com, JAKARTA - Isi berita.")
    assert clean_article(raw).text == "KOMPAS.com, JAKARTA - Isi berita."


def test_normalize_text_folds_odd_spaces():
    assert normalize_text("a\u00a0 b \r\nc\u200b") == "a b\nc"


@pytest.mark.parametrize("line", ["Baca Juga: Rusia Tuding Barat", "TAG :", "Editor: Umaya khusniah",
                                  "Nyaman tanpa iklan. Langganan BisnisPro", "Foto"])
def test_is_boilerplate(line):
    assert is_boilerplate(line)


def test_is_boilerplate_keeps_news_sentences():
    assert not is_boilerplate("Kim juga bertemu dengan Menteri Pertahanan Rusia, Sergei Shoigu.")


def test_find_date_variants():
    assert find_date("pada Sabtu (16/9/2023) lalu") == ("2023-09-16", "Sabtu (16/9/2023)")
    assert find_date("pada Minggu (17/9) pagi") == (None, "Minggu (17/9)")
    assert find_date("dirilis 13 September 2023 oleh") == ("2023-09-13", "13 September 2023")
    assert find_date("tanpa tanggal") == (None, None)


def test_find_dateline_picks_the_brand():
    assert find_dateline("SEOUL, KOMPAS.TV — Isi") == ("KOMPAS.TV", "Seoul")
    assert find_dateline("Bisnis.com, JAKARTA - Isi") == ("Bisnis.com", "Jakarta")
    assert find_dateline("Pemimpin Korea Utara berkata") == (None, None)


# Boilerplate of other sites than the seeds' (see eval/boilerplate.py for the measured figures).
@pytest.mark.parametrize("line", [
    "Simak juga: Harga Beras Naik", "BACA:  Gempa Guncang Maluku", "Pilihan Editor: Timnas Menang",
    "Artikel ini telah tayang di Kompas.com dengan judul \"Kim Pulang\"", "SCROLL TO CONTINUE WITH CONTENT",
    "- Advertisement -", "Iklan", "Lanjutkan Membaca", "Bagikan: Facebook Twitter WhatsApp Salin Link",
    "Bagikan artikel ini", "Ikuti berita terkini dari Tempo di Google News, klik di sini.",
    "Dapatkan update berita pilihan dan breaking news setiap hari. Mari bergabung di Grup Telegram kami.",
    "Download aplikasi kami untuk membaca berita tanpa iklan.", "Pewarta: Budi Santoso",
    "Laporan Wartawan Tribunnews.com, Fransiskus Adhiyuda", "Copyright © 2023 Berita Contoh",
    "Hak Cipta © 2023 Majalah Contoh. Seluruh hak dilindungi.", "Kim di Vostochny. (KCNA via REUTERS)",
    "Warga melintas, Senin (18/9/2023). (ANTARA FOTO/Aditya Pradana Putra)", "Ilustrasi. (Foto: Shutterstock)",
    "Komentar (0)", "Dengarkan berita ini", "Topik Terkait", "Halaman: 1 2 Selanjutnya",
])
def test_other_sites_boilerplate(line):
    assert is_boilerplate(line)


@pytest.mark.parametrize("line", [
    "Dapatkan bantuan sosial melalui aplikasi Cek Bansos, kata Menteri Sosial.",
    "Akses aplikasi ini dibatasi pemerintah sejak Senin.",
    "Hak cipta atas lagu itu dipegang oleh label rekaman sejak 1998.",
    "Laporan wartawan BBC menyebut ribuan warga mengungsi.", "PBB dan Sanksi kepada Korut",
    "Foto-foto itu beredar luas di media sosial sejak Minggu.", "Video itu diunggah ke YouTube pada Senin (18/9/2023).",
    "Ikuti arahan petugas, kata Kapolda.", "Sumber daya alam Rusia melimpah.", "Lihat saja nanti, ujarnya.",
    "Presiden Joko Widodo membagikan bantuan kepada warga.",
])
def test_news_sentences_like_boilerplate_are_kept(line):
    assert not is_boilerplate(line)


def test_footer_word_before_the_article_does_not_drop_it():
    raw = ("Gabung ke Channel WhatsApp kami untuk update berita terbaru.\n\nJudul Berita Penting\n\n"
           "KOMPAS.com, JAKARTA - Presiden menerima tamu negara di Istana pada Senin pagi, kata juru bicara.\n\n"
           "Editor: Rina\n\nTag: politik")
    article = clean_article(raw)
    assert article.title == "Judul Berita Penting"
    assert article.text == ("KOMPAS.com, JAKARTA - Presiden menerima tamu negara di Istana pada Senin pagi, "
                            "kata juru bicara.")


def test_given_title_is_not_repeated_in_text():
    article = clean_article("Kim Pulang ke Korut\nIsi berita tentang Kim.", title="Kim  Pulang ke Korut")
    assert (article.title, article.text) == ("Kim Pulang ke Korut", "Isi berita tentang Kim.")

"""Take the README's screenshots of the page: an answer with an opened citation, an abstention, the library.

    .venv/bin/python scripts/screenshots.py [--llm qwen2.5-coder-1.5b] [--out docs/screenshots]

Runs the app on a free local port with a throw-away index of the bundled articles
(models come from the usual models folder) and drives Debian's Chromium with
Playwright (``apt-get install chromium``; ``bash scripts/setup.sh --dev``).
"""

from __future__ import annotations

import argparse
import shutil
import socket
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

QUESTION = "Siapa yang memberikan rompi antipeluru kepada Kim Jong Un?"
OFF_TOPIC = "Berapa skor pertandingan Persija melawan Persib di Jakarta?"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--llm", default=None, help="language model (default: the configured one)")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from rag import Assistant, load_settings
    from ui.app import launch

    work = Path(tempfile.mkdtemp(prefix="tanya-screens-"))
    shutil.copytree(REPO / "data" / "articles", work / "articles")
    overrides = {"home": work / "home", "articles_dir": work / "articles"}
    if args.llm:
        overrides["llm"] = args.llm
    default_models = load_settings().models_path
    bot = Assistant(load_settings(models_dir=default_models, **overrides))
    bot.prepare()  # index and load before the clock starts
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = launch(bot, "127.0.0.1", port, block=False, quiet=True)
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=args.chromium, headless=True)
            page = browser.new_page(locale="en-US", viewport={"width": 1360, "height": 900})
            page.goto(f"http://127.0.0.1:{port}/")
            page.locator("#tb-ask", has_text="Ask").wait_for()  # the page has taken the browser's language
            page.locator("#tb-question textarea").fill(QUESTION)
            page.locator("#tb-ask").click()
            started = time.monotonic()
            answer = page.locator("#tb-chat .tb-answered, #tb-chat .tb-abstain").last
            answer.wait_for(timeout=600_000)
            print(f"answer in {time.monotonic() - started:.0f} s ({bot.settings.llm})")
            cited = answer.locator(".tb-text a.tb-cite")
            (cited if cited.count() else answer.locator("a.tb-cite")).first.click()
            page.locator("#tb-source-panel mark").first.wait_for()
            page.wait_for_timeout(1200)  # the smooth scroll to the passage
            page.screenshot(path=str(args.out / "chat-citation.png"))

            page.locator("#tb-question textarea").fill(OFF_TOPIC)
            page.locator("#tb-ask").click()
            page.wait_for_function("document.querySelectorAll('#tb-chat .tb-answered, #tb-chat .tb-abstain')"
                                   ".length >= 2", timeout=600_000)
            page.locator("#tb-chat .tb-abstain a.tb-cite").first.click()
            page.locator("#tb-source-panel h3").first.wait_for()
            page.wait_for_timeout(1200)
            page.screenshot(path=str(args.out / "chat-abstention.png"))

            page.get_by_role("tab", name="Library").click()
            page.locator("#tb-library-table").get_by_role("gridcell").filter(has_text="Pulang ke Korut").first.click()
            page.locator("#tb-preview h3").wait_for()
            page.wait_for_timeout(800)
            page.screenshot(path=str(args.out / "library.png"))
            browser.close()
    finally:
        app.close()
        shutil.rmtree(work, ignore_errors=True)
    print(f"screenshots in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

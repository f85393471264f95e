"""`quotes serve` in a real browser: headless Chromium driven by Selenium over an ingested database.

The database is made by the real `quotes ingest` (samples/, the seed article of the shared corpus
with the Poutine quote, and an article written here whose quote holds a `<script>` tag); the
server is the real `quotes serve --allow-edits` on a free localhost port. Debian's chromium and
chromium-driver come from `bash scripts/chromium.sh` (the Makefile's test target runs it and sets
QUOTES_TEST_BROWSER=1, which makes a missing browser a failure rather than a skip). Selenium gets
both paths, so it fetches nothing. With QUOTES_SCREENSHOTS=1 the pages are saved to docs/screenshots/.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

pytestmark = [pytest.mark.model, pytest.mark.browser]

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("QUOTES_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("QUOTES_CHROMEDRIVER", "/usr/bin/chromedriver")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")

FAILLE = """Sites municipaux : des failles béantes, selon un collectif nantais

Publié le 2 décembre 2026

À Nantes, le collectif Code Citoyen a présenté mardi un rapport sévère sur la sécurité des sites des mairies \
de la région.

« Il suffit de taper <script>alert('mairie')</script> dans le formulaire de contact & le tour est joué », a \
expliqué sa porte-parole, Léa Fontaine, devant la presse.

La mairie de Nantes assure avoir corrigé la faille dès lundi.
"""
SCRIPT_QUOTE = "<script>alert('mairie')</script> dans le formulaire de contact & le tour est joué"
POUTINE_WORDS = "connaissent actuellement la meilleure période de leur histoire"


def quotes_command() -> str:
    return str(Path(sys.executable).parent / "quotes")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, shared_dir: Path) -> Iterator[str]:
    """The base URL of `quotes serve --allow-edits` over a freshly ingested database."""
    work = tmp_path_factory.mktemp("browser")
    (work / "faille.txt").write_text(FAILLE, encoding="utf-8")
    db = str(work / "quotes.db")
    seed = shared_dir / "corpus" / "dev" / "seed_000.json"
    ingest = subprocess.run([quotes_command(), "ingest", str(ROOT / "samples"), str(seed), str(work / "faille.txt"),
                             "--db", db], capture_output=True, text=True, timeout=600)
    assert ingest.returncode == 0, ingest.stderr
    port = free_port()
    log = (work / "serve.log").open("wb")
    server = subprocess.Popen([quotes_command(), "serve", "--db", db, "--port", str(port), "--allow-edits"],
                              stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, (work / "serve.log").read_text()
            try:
                if httpx.get(base + "/", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "quotes serve did not answer within 60 s"
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not (Path(p).is_file() and os.access(p, os.X_OK))]
    if missing:
        message = f"{', '.join(missing)} missing: run `bash scripts/chromium.sh`"
        if os.environ.get("QUOTES_TEST_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager, should it ever be asked, fetches nothing
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.add_argument("--window-size=1200,900")
    options.add_argument("--lang=fr-FR")
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(driver: WebDriver, css: str) -> None:
    WebDriverWait(driver, 15).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))


def screenshot(driver: WebDriver, name: str) -> None:
    if os.environ.get("QUOTES_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1200, min(max(int(height) + 40, 600), 2400))
        driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))
        driver.set_window_size(1200, 900)


def search_for(driver: WebDriver, site: str, speaker: str) -> None:
    """Type a speaker into the search form of the home page and send it, as a person would."""
    driver.get(site + "/")
    box = driver.find_element(By.NAME, "speaker")
    box.clear()
    box.send_keys(speaker)
    driver.find_element(By.CSS_SELECTOR, "form.search button[type=submit]").click()
    wait_for(driver, "li.hit, p.error")


def alert_text(driver: WebDriver) -> str | None:
    """The text of an open JavaScript alert (what an injected script would show), None if none is open."""
    try:
        text: str = driver.switch_to.alert.text
    except NoAlertPresentException:
        return None
    return text


def test_search_page_finds_the_poutine_quote(browser: WebDriver, site: str) -> None:
    search_for(browser, site, "poutine")
    assert "speaker=poutine" in browser.current_url
    hits = browser.find_elements(By.CSS_SELECTOR, "li.hit")
    assert hits and all(h.find_element(By.CSS_SELECTOR, "a.speaker").text == "Vladimir Poutine" for h in hits)
    assert any(POUTINE_WORDS in h.find_element(By.TAG_NAME, "blockquote").text for h in hits)
    # "Citer" opens the French citation line and a link to the BibTeX, which is made on demand
    hits[0].find_element(By.CSS_SELECTOR, "details:not(.edit) summary").click()
    assert "Poutine" in hits[0].find_element(By.CSS_SELECTOR, "p.citation").text
    link = hits[0].find_element(By.CSS_SELECTOR, "a.bibtex")
    assert (link.get_attribute("href") or "").endswith("/bibtex") and "@" not in browser.page_source
    screenshot(browser, "search")


def test_speaker_page(browser: WebDriver, site: str) -> None:
    search_for(browser, site, "poutine")
    browser.find_element(By.CSS_SELECTOR, "li.hit a.speaker").click()
    wait_for(browser, "h1")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Vladimir Poutine"
    assert "/speakers/" in browser.current_url
    assert browser.find_elements(By.CSS_SELECTOR, "svg.chart rect")  # quotes per month
    assert any(POUTINE_WORDS in b.text for b in browser.find_elements(By.CSS_SELECTOR, "li.hit blockquote"))
    screenshot(browser, "speaker")


def test_article_page_marks_the_quotes(browser: WebDriver, site: str) -> None:
    search_for(browser, site, "poutine")
    browser.find_element(By.CSS_SELECTOR, "li.hit a.article").click()
    wait_for(browser, "article.text mark.quote")
    assert "Au Kazakhstan, Vladimir Poutine retrouve ses alliés" in browser.find_element(By.TAG_NAME, "h1").text
    marks = browser.find_elements(By.CSS_SELECTOR, "article.text mark.quote")
    assert len(marks) >= 2
    assert any(POUTINE_WORDS in m.text for m in marks)
    who = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "article.text sup.who a")]
    assert "Vladimir Poutine" in who
    screenshot(browser, "article")


def test_stored_script_shows_as_text(browser: WebDriver, site: str) -> None:
    search_for(browser, site, "fontaine")
    (hit,) = browser.find_elements(By.CSS_SELECTOR, "li.hit")
    assert SCRIPT_QUOTE in hit.find_element(By.TAG_NAME, "blockquote").text
    assert alert_text(browser) is None
    assert browser.execute_script("return document.scripts.length") == 0
    hit.find_element(By.CSS_SELECTOR, "a.article").click()
    wait_for(browser, "article.text mark.quote")
    assert any(SCRIPT_QUOTE in m.text for m in browser.find_elements(By.CSS_SELECTOR, "article.text mark.quote"))
    assert alert_text(browser) is None and browser.execute_script("return document.scripts.length") == 0


def test_reassign_a_speaker_from_the_page(browser: WebDriver, site: str) -> None:
    search_for(browser, site, "lindqvist")
    hits = browser.find_elements(By.CSS_SELECTOR, "li.hit")
    assert hits
    text = hits[0].find_element(By.TAG_NAME, "blockquote").text
    hits[0].find_element(By.CSS_SELECTOR, "details.edit summary").click()
    box = hits[0].find_element(By.CSS_SELECTOR, "form.edit-speaker input[name=speaker]")
    box.clear()
    box.send_keys("João Almeida")
    screenshot(browser, "edit")
    hits[0].find_element(By.CSS_SELECTOR, "form.edit-speaker button").click()
    wait_for(browser, "p.done, p.error")
    assert "Margarethe Lindqvist -> João Almeida" in browser.find_element(By.CSS_SELECTOR, "p.done").text
    browser.find_element(By.LINK_TEXT, "Retour").click()
    wait_for(browser, "form.search")
    search_for(browser, site, "almeida")
    assert text in [b.text for b in browser.find_elements(By.CSS_SELECTOR, "li.hit blockquote")]


"""The web page in a real headless Chromium (Debian's chromium + chromium-driver), driven by Selenium."""

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from support.faces import scene_with_faces
from tests.gateway.conftest import Stack

CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    CHROMEDRIVER is None and not os.environ.get("CI"), reason="chromium-driver not installed (CI installs it)"
)


@pytest.fixture(scope="module")
def browser() -> Iterator["object"]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    assert CHROMEDRIVER, "chromedriver missing: apt-get install chromium chromium-driver"
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1100,1600"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def _wait(driver: Any, condition: Callable[[Any], Any], timeout: float = 60) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition)


def test_upload_a_photo_and_see_the_emotion_and_songs(
    browser: "object", stack: Stack, tmp_path: Path, detectable_faces: list[bytes]
) -> None:
    from selenium.webdriver.common.by import By

    photo = tmp_path / "me.jpg"
    scene_with_faces(detectable_faces[:1]).save(photo, quality=92)  # type: ignore[attr-defined]
    driver = browser
    driver.get(stack.gateway + "/")  # type: ignore[attr-defined]
    driver.find_element(By.ID, "image").send_keys(str(photo))  # type: ignore[attr-defined]
    driver.find_element(By.CSS_SELECTOR, "input[value=uplift]").click()  # type: ignore[attr-defined]
    driver.find_element(By.ID, "submit").click()  # type: ignore[attr-defined]
    _wait(driver, lambda d: d.find_element(By.ID, "results").is_displayed())
    emotion = driver.find_element(By.ID, "emotion").text  # type: ignore[attr-defined]
    assert emotion in {"angry", "disgusted", "afraid", "happy", "calm", "sad", "surprised"}
    assert len(driver.find_elements(By.CSS_SELECTOR, "#probabilities li")) == 7  # type: ignore[attr-defined]
    tracks = driver.find_elements(By.CSS_SELECTOR, "#tracks li")  # type: ignore[attr-defined]
    assert len(tracks) == 10
    embed = tracks[0].find_element(By.TAG_NAME, "iframe").get_attribute("src")
    assert embed.startswith("https://open.spotify.com/embed/track/")
    assert "uplift for" in driver.find_element(By.ID, "explanation").text  # type: ignore[attr-defined]
    assert not driver.find_element(By.ID, "error").is_displayed()  # type: ignore[attr-defined]
    if target := os.environ.get("MOODTUNE_SCREENSHOT"):
        driver.save_screenshot(target)  # type: ignore[attr-defined]


def test_a_photo_without_a_face_shows_a_readable_message(
    browser: "object", stack: Stack, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    blank = tmp_path / "wall.png"
    Image.new("L", (640, 480), color=128).save(blank)
    driver = browser
    driver.get(stack.gateway + "/")  # type: ignore[attr-defined]
    driver.find_element(By.ID, "image").send_keys(str(blank))  # type: ignore[attr-defined]
    driver.find_element(By.ID, "submit").click()  # type: ignore[attr-defined]
    _wait(driver, lambda d: d.find_element(By.ID, "error").is_displayed())
    assert "no face found" in driver.find_element(By.ID, "error").text  # type: ignore[attr-defined]
    assert not driver.find_element(By.ID, "results").is_displayed()  # type: ignore[attr-defined]


@pytest.mark.parametrize(("path", "rendered"), [("/docs", ".swagger-ui .info .title"), ("/redoc", "h1")])
def test_the_api_docs_render_from_the_gateway_alone(
    browser: "object", stack: Stack, path: str, rendered: str
) -> None:
    """Swagger UI and ReDoc come from the gateway itself (no CDN): they render with no internet,
    and every script, style and fetch the page made went to the gateway. (ReDoc's "Redocly" logo
    in its sidebar is an <img> from its CDN, which the docs' CSP refuses: decoration only.)"""
    from selenium.webdriver.common.by import By

    driver = browser
    driver.get(stack.gateway + path)  # type: ignore[attr-defined]
    title = _wait(
        driver,
        lambda d: next((e for e in d.find_elements(By.CSS_SELECTOR, rendered) if "Moodtune" in e.text), None),
    )
    assert "Moodtune" in title.text
    loaded = driver.execute_script(  # type: ignore[attr-defined]
        "return performance.getEntriesByType('resource')"
        ".filter(r => ['script', 'link', 'css', 'fetch', 'xmlhttprequest'].includes(r.initiatorType))"
        ".map(r => r.name)"
    )
    assert loaded and all(url.startswith(stack.gateway) for url in loaded), loaded

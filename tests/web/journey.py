"""A browser journey: every page it visits is screenshotted and checked.

Each ``check`` fails the test on a serious or critical axe-core violation, a console error, a failed
request or an answer of 400 or more, and names the folder holding the journey's screenshots
(VAR_DIR/screenshots/<test>/: var/screenshots/<test>/, or var/suites/<suite>/screenshots/<test>/ under
`make test`; kept after the run).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.conf import settings
from playwright.sync_api import ConsoleMessage, Page, Request, Response

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


class Journey:
    def __init__(self, page: Page, base_url: str, name: str) -> None:
        self.page = page
        self.base_url = base_url.rstrip("/")
        self.folder = SCREENSHOTS / re.sub(r"[^\w.-]+", "_", name)
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.step = 0
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.problems.append(f"console error: {message.text}")

    def _failed(self, request: Request) -> None:
        # ERR_ABORTED is the browser dropping a request itself: a download handed to the download manager,
        # or a favicon still loading when the test clicks on. Nothing failed; a server error is a response
        # of 400 or more (below). Every other failure is a problem.
        if request.failure == "net::ERR_ABORTED":
            return
        self.problems.append(f"request failed: {request.method} {request.url}: {request.failure}")

    def _response(self, response: Response) -> None:
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.request.method} {response.url}")

    def url(self, path: str) -> str:
        return self.base_url + path

    def go(self, path: str, name: str) -> None:
        self.page.goto(self.url(path))
        self.check(name)

    def shot(self, name: str) -> Path:
        self.step += 1
        path = self.folder / f"{self.step:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def check(self, name: str) -> None:
        """Screenshot the page, run axe-core on it, and fail on any problem seen so far."""
        self.page.wait_for_load_state("networkidle")
        self.shot(name)
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            # Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not
            # govern: a <script> tag would be (rightly) refused by our script-src 'self'.
            self.page.evaluate(AXE.read_text() + "\n;undefined")
        result: dict[str, Any] = self.page.evaluate("async () => await axe.run(document)")
        width = self.page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        if width[0] > width[1]:
            self.problems.append(f"{name} scrolls sideways: {width[0]} px of content in {width[1]} px")
        # The page's title must look like its title: on a phone a section's <h2> (or a card's) once came out
        # bigger than the <h1> above it, so the page read as starting half-way down.
        louder: list[str] = self.page.evaluate(
            """() => {
                const h1 = document.querySelector('main h1');
                if (!h1) return [];
                const size = parseFloat(getComputedStyle(h1).fontSize);
                return [...document.querySelectorAll('main :is(h2, h3, h4, h5, h6)')]
                    .filter(h => h.offsetParent !== null && parseFloat(getComputedStyle(h).fontSize) > size + 0.5)
                    .map(h => `${h.tagName} "${h.textContent.trim().slice(0, 40)}"`);
            }"""
        )
        for heading in louder:
            self.problems.append(f"{name}: {heading} is bigger than the page's <h1>")
        assert result["passes"], f"axe-core checked nothing on {name}"
        serious = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
        for v in serious:
            targets = [node["target"] for node in v["nodes"][:3]]
            self.problems.append(f"axe {v['impact']} {v['id']} ({v['help']}) on {name}: {targets}")
        assert not self.problems, self.report()

    def report(self) -> str:
        return f"{len(self.problems)} problem(s); screenshots in {self.folder}:\n" + "\n".join(self.problems)

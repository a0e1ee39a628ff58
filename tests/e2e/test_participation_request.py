"""In real Chromium: a citizen files a data request, staff approve and answer it, the answer is public."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]

PASSWORD = "a long enough staff password"
STAFF = "moderator@levski.example"


def add_editor(demo: Any) -> None:
    env = {**os.environ, "OTKRITO_INSTANCE": str(demo.instance)}
    subprocess.run([sys.executable, "-m", "app.cli", "user", "add", STAFF, "--role", "editor",
                    "--publisher", "obshtina-levski", "--password-stdin"],
                   cwd=REPO, env=env, input=PASSWORD + "\n", text=True, check=True, capture_output=True)


def test_a_citizen_request_is_answered_by_staff_and_the_answer_is_public(
        demo_server: Any, browser: Any, shoot: Any) -> None:
    add_editor(demo_server)
    url = demo_server.url
    citizen = browser.new_context(viewport={"width": 1280, "height": 900})
    page = citizen.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url + "/?lang=en")
    page.get_by_role("link", name="Data requests").first.click()
    page.get_by_role("link", name="Request a dataset").first.click()
    page.get_by_label("Who should publish it").select_option(label="Municipality of Levski")
    page.get_by_label("What data do you need?").fill("Public procurement contracts 2026")
    page.get_by_label("Describe it: what it is for, what period and detail").fill(
        "All contracts signed in 2026 with the contractor, amount and date. <script>alert(1)</script>")
    page.get_by_label("E-mail address (optional, never published)").fill("citizen@example.org")
    page.get_by_label("I agree that my text is published").check()
    page.get_by_role("button", name="Send the request").click()
    page.get_by_role("status").filter(has_text="will be published after moderation").wait_for()
    assert "Public procurement contracts 2026" not in page.content()

    staff = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    staff.on("pageerror", lambda e: errors.append(str(e)))
    staff.goto(url + "/staff/publishers/obshtina-levski/moderation?lang=en")
    staff.locator("input[name=email]").fill(STAFF)
    staff.locator("input[name=password]").fill(PASSWORD)
    staff.locator("form button[type=submit]").last.click()
    staff.get_by_role("button", name="Approve and publish").click()
    # The demo's own requests are in the list too: answer this one.
    item = staff.locator("li[id^=item-]", has_text="Public procurement contracts 2026")
    item.get_by_label("Public answer (Markdown)").fill("We will publish them **by 30 June**.")
    item.get_by_role("button", name="Set: answered").click()
    staff.get_by_text("We will publish them").first.wait_for()

    page.goto(url + "/requests?lang=en")
    page.get_by_role("link", name="Public procurement contracts 2026").click()
    answer = page.get_by_role("region", name="Answer from Municipality of Levski")
    assert "We will publish them by 30 June." in answer.inner_text()
    assert page.locator("strong", has_text="by 30 June").count() == 1
    body = page.content()
    assert "citizen@example.org" not in body and "<script>alert(1)" not in body
    shoot(page, "participation-request-answered")
    citizen.close()
    assert errors == []

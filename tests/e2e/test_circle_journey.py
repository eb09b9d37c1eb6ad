"""An advisor runs a circle's life in the browser: forms it from a training, plans and records a meeting,
then reads the circle in English."""

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from circles.models import CircleStatus, MeetingStatus
from tests.circles.factories import TrainingFactory, TrainingParticipantFactory
from tests.e2e.helpers import follow, set_value, sign_in, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_from_training_to_a_recorded_meeting(browser, live_server, personas):
    training = TrainingFactory(advisor=personas.advisor, title="Démarrer son entreprise")
    participants = TrainingParticipantFactory.create_batch(4, training=training)
    sign_in(browser, live_server, "advisor")

    browser.find_element(
        By.XPATH, "//nav//a[contains(@class, 'dropdown-toggle')][normalize-space()='Cercles']"
    ).click()
    follow(browser, "nav a[href='/circles/trainings/']")
    follow(browser, "Démarrer son entreprise", by=By.LINK_TEXT)
    follow(browser, f"a[href='/circles/trainings/{training.pk}/form-circle/']")
    browser.find_element(By.NAME, "name").send_keys("Les Pionnières")
    # Who will advise the circle is asked, the training's advisor proposed (issue #13).
    adviser = Select(browser.find_element(By.NAME, "advisor"))
    assert adviser.first_selected_option.get_attribute("value") == str(personas.advisor.pk)
    for participant in participants:
        browser.find_element(By.CSS_SELECTOR, f"input[name=participants][value='{participant.pk}']").click()
    submit(browser)

    circle = training.circles.get()
    assert circle.status == CircleStatus.ACTIVE
    assert "Les Pionnières" in browser.find_element(By.TAG_NAME, "h1").text
    assert len(browser.find_elements(By.CSS_SELECTOR, ".col-lg-7 table tbody tr")) == 4  # the members

    follow(browser, f"a[href='/circles/{circle.pk}/meetings/new/']")
    set_value(browser, "date", timezone.localdate().isoformat())
    set_value(browser, "start_time", "18:30")
    submit(browser)
    meeting = circle.meetings.get()

    browser.get(live_server.url + f"/circles/meetings/{meeting.pk}/record/")
    attendance = [Select(s) for s in browser.find_elements(By.CSS_SELECTOR, "select[name$='-attendance']")]
    assert [s.first_selected_option.get_attribute("value") for s in attendance] == [""] * 4  # starts empty
    browser.find_element(By.CSS_SELECTOR, "[data-mark-all=attendance]").click()  # on the spot, by script
    assert [s.first_selected_option.get_attribute("value") for s in attendance] == ["present"] * 4
    Select(browser.find_element(By.NAME, "members-0-attendance")).select_by_value("late")
    browser.find_element(By.NAME, "members-0-progress").send_keys("Premier contrat signé")
    counter = browser.find_element(By.CSS_SELECTOR, "[name=members-0-progress] + .char-counter")
    assert counter.text.replace("\u202f", " ").replace("\xa0", " ") == "21 / 2 000"
    browser.find_element(By.NAME, "shared_notes").send_keys("Bravo!")
    submit(browser, "main form button[type=submit]:not([name])")

    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD
    assert meeting.attendance.filter(status="late").count() == 1
    assert "Premier contrat signé" in browser.find_element(By.TAG_NAME, "main").text

    browser.get(live_server.url + f"/circles/{circle.pk}/")
    submit(browser, "[data-testid=language-switch]")
    assert "Members (4 of 7)" in browser.find_element(By.TAG_NAME, "main").text


def test_a_member_sees_their_circle(browser, live_server, personas):
    from tests.circles.factories import MeetingFactory, MembershipFactory, circle_with_members

    circle = circle_with_members(4, name="Les Bâtisseuses", advisor=personas.advisor)
    MembershipFactory(circle=circle, profile=personas.entrepreneur)
    MeetingFactory(circle=circle, place="Café communautaire")
    sign_in(browser, live_server, "entrepreneur")
    follow(browser, "nav a[href='/circles/my-circle/']")
    assert "Les Bâtisseuses" in browser.find_element(By.TAG_NAME, "h1").text
    assert "Café communautaire" in browser.find_element(By.CSS_SELECTOR, "[data-testid=next-meeting]").text

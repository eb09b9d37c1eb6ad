"""Namesakes told apart wherever a person is chosen (issue #13, 8): each option reads name · business ·
file number, and long lists get a filter box (static/js/forms.js) that the page works without."""

import re

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.circles.factories import TrainingFactory, circle_with_members
from tests.e2e.helpers import sign_in
from tests.factories import EntrepreneurFactory


def namesakes(advisor):
    return [
        EntrepreneurFactory(
            user__first_name="Olivier", user__last_name="Bergeron", business_name=business, advisor=advisor
        )
        for business in ("Vélos Bergeron", "Traiteur Olivier")
    ]


def options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)
    return [
        re.sub(r"\s+", " ", text).strip() for text in re.findall(r"<option[^>]*>(.*?)</option>", select, re.S)
    ]


def test_every_person_chooser_tells_namesakes_apart(personas, client_for):
    first, second = namesakes(personas.advisor)
    expected = {
        f"Olivier Bergeron · Vélos Bergeron · nº {first.pk}",
        f"Olivier Bergeron · Traiteur Olivier · nº {second.pk}",
    }
    client = client_for(personas.coordinator)
    circle = circle_with_members(4, advisor=personas.advisor)
    training = TrainingFactory(advisor=personas.advisor)
    pages = {
        "/loans/new/": "borrower",
        f"/circles/{circle.pk}/": "profile",
        f"/circles/trainings/{training.pk}/": "profile",
    }
    for url, name in pages.items():
        html = client.get(url).content.decode()
        assert expected <= set(options(html, name)), url
        assert f'data-filter-select="id_{name}"' in html, (
            url
        )  # the filter box, hidden until the script shows it
    reassign = client.get("/coaching/reassign/", {"from": personas.advisor.pk}).content.decode()
    assert all(label in reassign for label in expected)
    profile_page = client.get(f"/people/entrepreneurs/{first.pk}/").content.decode()
    assert f"dossier nº {first.pk}" in profile_page


def test_the_circle_page_finds_a_person_by_file_number(personas, client_for):
    _first, second = namesakes(personas.advisor)
    circle = circle_with_members(4, advisor=personas.advisor)
    html = (
        client_for(personas.advisor)
        .get(f"/circles/{circle.pk}/", {"member_search": str(second.pk)})
        .content.decode()
    )
    assert options(html, "profile")[1:] == [f"Olivier Bergeron · Traiteur Olivier · nº {second.pk}"]


def test_the_filter_box_narrows_a_long_list_as_one_types(browser, live_server, personas):
    _first, second = namesakes(personas.advisor)
    EntrepreneurFactory.create_batch(30, advisor=personas.advisor)
    sign_in(browser, live_server, "coordinator")
    browser.get(live_server.url + "/loans/new/")
    box = browser.find_element(By.CSS_SELECTOR, "[data-filter-select=id_borrower]")
    assert box.is_displayed()
    box.send_keys("traiteur")
    select = browser.find_element(By.ID, "id_borrower")
    shown = [o.text for o in Select(select).options if o.get_attribute("value") and o.is_enabled()]
    assert shown == [f"Olivier Bergeron · Traiteur Olivier · nº {second.pk}"]
    assert Select(select).first_selected_option.get_attribute("value") in ("", str(second.pk))

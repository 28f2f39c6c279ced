"""Issue 14: the staff incident page's details at 1280 px: each label beside its value
on one line (the public page's grid class no longer lays them one character wide)."""

from __future__ import annotations

import pytest

from incidents.demo import RANSOMWARE_ID
from incidents.models import Incident
from tests.browser.public_site import load_demo_fast
from tests.browser.seed_entry import login


@pytest.mark.django_db(transaction=True)
def test_incident_details_labels_sit_beside_their_values(
    live_server, browser, monkeypatch
):
    load_demo_fast(monkeypatch)
    incident = Incident.objects.get(public_id=RANSOMWARE_ID)
    context = browser.new_context(
        locale="ja-JP", viewport={"width": 1280, "height": 800}
    )
    page = context.new_page()
    login(page, live_server.url, "editor", "editor-demo-2022")
    page.goto(f"{live_server.url}/staff/incidents/{incident.pk}/")

    pairs = page.evaluate(
        """() => Array.from(document.querySelectorAll('main dl dt')).map((dt) => {
          const dd = dt.nextElementSibling, a = dt.getBoundingClientRect(),
                b = dd.getBoundingClientRect();
          return {label: dt.textContent.trim(), value: dd.textContent.trim(),
                  top: [a.top, b.top], width: [a.width, b.width], left: [a.left, b.left],
                  lines: (() => { const r = document.createRange();
                    r.selectNodeContents(dt);
                    return new Set(Array.from(r.getClientRects()).map((x) => Math.round(x.top))).size; })()};
        })"""
    )
    context.close()
    assert [p["label"] for p in pairs][:4] == ["分類", "状態", "発生日時", "終結日時"]
    for pair in pairs:
        label_top, value_top = pair["top"]
        assert abs(label_top - value_top) < 3, pair  # on the same line
        assert pair["left"][1] > pair["left"][0], pair  # the value right of its label
        assert pair["width"][0] > 80 and pair["width"][1] > 200, pair  # not 1 char wide
        assert pair["lines"] == 1, pair  # the label on one line

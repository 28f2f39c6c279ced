"""Shared set-up of the public-site browser tests: the demo data and its pages."""

from __future__ import annotations

from urllib.parse import quote


def load_demo_fast(monkeypatch) -> None:
    """The demo (seed meeting, incidents) without WeasyPrint: pages, not PDFs
    (the pdf_stub fixture of tests/conftest.py stands in for the PDFs)."""
    from meetings import demo

    demo.load_demo()


def public_pages() -> dict[str, str]:
    """Name -> path of the pages the issue names (and the incident list)."""
    from incidents.demo import RANSOMWARE_ID
    from meetings.demo_data import SEED_PUBLIC_ID

    return {
        "archive": "/",
        "meeting": f"/meetings/{SEED_PUBLIC_ID}/",
        "search_results": f"/search/?q={quote('ランサム')}",
        "search_no_results": f"/search/?q={quote('地震津波')}",
        "search_too_short": f"/search/?q={quote('停')}",
        "incident": f"/incidents/{RANSOMWARE_ID}/",
        "incident_list": "/incidents/",
    }

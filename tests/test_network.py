"""Which address phones use, and whether a link can work from a phone."""

from __future__ import annotations

import ipaddress

import pytest

from harvest.cli import main
from harvest.network import hall_url, lan_address, phone_reachable


@pytest.mark.parametrize(
    ("url", "reachable"),
    [
        ("http://localhost:8501/?t=x", False),
        ("http://LOCALHOST:8501", False),
        ("http://app.localhost:8501", False),
        ("http://127.0.0.1:8501", False),
        ("http://127.8.9.1:8501", False),
        ("http://[::1]:8501", False),
        ("http://0.0.0.0:8501", False),
        ("", False),
        (None, False),
        ("http://192.168.1.20:8501/?t=x", True),
        ("http://10.0.0.5:8501", True),
        ("https://harvest.example.org/?t=x", True),
    ],
)
def test_links_on_this_computer_only_are_not_reachable_from_a_phone(
    url: str | None, reachable: bool
) -> None:
    assert phone_reachable(url) is reachable


def test_lan_address_is_a_usable_ipv4_address_or_none() -> None:
    address = lan_address()
    if address is not None:
        ip = ipaddress.ip_address(address)
        assert ip.version == 4 and not ip.is_loopback and not ip.is_unspecified
        assert phone_reachable(hall_url(address, 8501))


def test_address_command_says_whether_phones_can_use_the_links(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HARVEST_BASE_URL", raising=False)
    assert main(["address", "--port", "8601"]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == "http://localhost:8601"
    assert "make run HALL=1" in captured.err and "only this computer" in captured.err

    assert main(["address", "--port", "8601", "--hall"]) == 0
    captured = capsys.readouterr()
    found = lan_address()
    if found:
        assert captured.out.strip() == f"http://{found}:8601"
        assert f"Phones in the hall will use http://{found}:8601" in captured.err
    else:
        assert "No network address found" in captured.err

    monkeypatch.setenv("HARVEST_BASE_URL", "https://harvest.example.org")
    assert main(["address", "--hall"]) == 0
    assert capsys.readouterr().out.strip() == "https://harvest.example.org"

import logging

import pytest

from config.logging import DropRequestData, JsonFormatter

pytestmark = pytest.mark.django_db


def test_it_keeps_client_link_secrets_out_of_request_logs(client, caplog):
    caplog.set_level(logging.WARNING, logger="django.request")
    secret = "s3cretTOKENvalue0123456789abcdefghijkLMNOP"
    client.get(f"/intake/r/{secret}/")
    formatter = JsonFormatter()
    lines = []
    for record in caplog.records:
        DropRequestData().filter(record)
        lines.append(formatter.format(record))
    assert lines, "a 404 for an unknown link is logged"
    assert all(secret not in line for line in lines)
    assert any("matching:results" in line for line in lines)


def test_it_drops_posted_form_data_from_records():
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), None)
    record.request = type("R", (), {"method": "POST", "POST": {"goals": "private"}})()
    record.status_code = 500
    DropRequestData().filter(record)
    line = JsonFormatter().format(record)
    assert "private" not in line
    assert '"message": "500 POST unresolved path"' in line

"""Uploaded images are served by the app itself, and nothing else under MEDIA_ROOT is."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

pytestmark = pytest.mark.django_db


def test_it_serves_a_photo_rendition_for_a_year(client):
    name = default_storage.save("clinicians/photos/0123456789abcdef-96.jpg", ContentFile(b"jpeg"))

    response = client.get(f"/media/{name}")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content) == b"jpeg"
    assert "immutable" in response["Cache-Control"]


def test_it_serves_an_older_photo_for_an_hour(client):
    default_storage.save("clinicians/ana.png", ContentFile(b"png"))

    response = client.get("/media/clinicians/ana.png")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "public, max-age=3600"


@pytest.mark.parametrize(
    "path",
    [
        "/media/clinicians/missing.jpg",
        "/media/clinicians/../field-encryption.key",
        "/media/clinicians/%2e%2e/%2e%2e/etc/passwd.jpg",
        "/media/..%2fvar/x.jpg",
        "/media//etc/passwd",
        "/media/clinicians/notes.txt",
        "/media/other/photo.jpg",
        "/media/clinicians/a/b/c.jpg",
    ],
)
def test_it_answers_404_for_anything_else(client, path):
    default_storage.save("clinicians/notes.txt", ContentFile(b"secret"))
    default_storage.save("other/photo.jpg", ContentFile(b"x"))

    assert client.get(path).status_code == 404


def test_it_refuses_to_write(client):
    assert client.post("/media/clinicians/ana.jpg").status_code == 405

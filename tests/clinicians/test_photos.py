"""Clinicians' photos: what an upload must be, its renditions, storing and replacing them, the
admin's upload, and how pages show a photo or the drawn placeholder."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.urls import reverse
from PIL import Image

from clinicians import photos
from clinicians.services import clinician_photo_remove, clinician_photo_set
from tests.clinicians.factories import ClinicianFactory
from tests.clinicians.test_admin import _form_data, manager  # noqa: F401 (fixture)


def image_upload(
    width=600, height=800, fmt="JPEG", mode="RGB", name="me.jpg", color=(200, 120, 80)
):
    out = io.BytesIO()
    Image.new(mode, (width, height), color).save(out, fmt)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def test_it_makes_square_jpegs_at_every_size():
    image = photos.photo_open(image_upload(600, 800))

    renditions = photos.photo_renditions(image)

    assert sorted(renditions.files) == [96, 192, 400]
    for size, content in renditions.files.items():
        made = Image.open(io.BytesIO(content))
        assert (made.format, made.size) == ("JPEG", (size, size))
        assert not made.getexif()


def test_it_lays_transparency_on_the_page_colour():
    image = photos.photo_open(image_upload(300, 300, "PNG", "RGBA", "me.png", (0, 0, 0, 0)))

    content = photos.photo_renditions(image).files[96]

    pixel = Image.open(io.BytesIO(content)).getpixel((48, 48))
    assert all(abs(a - b) < 6 for a, b in zip(pixel, photos.BACKGROUND, strict=True))


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("cv.pdf", b"%PDF-1.4 not an image"), "isn't a photo we can read"),
        (image_upload(150, 400), "it needs at least 200 pixels on its shorter side"),
        (image_upload(300, 300, "GIF", "P", "me.gif"), "This is a GIF image"),
        (image_upload(300, 300, "BMP", name="me.bmp"), "This is a BMP image"),
    ],
)
def test_it_refuses_what_it_cannot_use_and_says_why(upload, message):
    with pytest.raises(ValidationError) as refused:
        photos.photo_open(upload)

    assert message in refused.value.messages[0]


def test_it_refuses_a_file_over_the_size_limit():
    big = SimpleUploadedFile("big.jpg", b"\xff" * (photos.MAX_UPLOAD_BYTES + 1))

    with pytest.raises(ValidationError) as refused:
        photos.photo_open(big)

    assert "upload one of at most 10 MB" in refused.value.messages[0]


def test_it_refuses_a_file_over_the_size_limit_that_does_not_say_its_size():
    # A stream with no size of its own is measured by reading it.
    big = io.BytesIO(b"\xff" * (photos.MAX_UPLOAD_BYTES + 1))

    with pytest.raises(ValidationError) as refused:
        photos.photo_open(big)

    assert "larger than 10 MB; upload a smaller one" in refused.value.messages[0]


def test_it_refuses_a_photo_cut_short():
    whole = image_upload(600, 800).read()
    cut = SimpleUploadedFile("me.jpg", whole[: len(whole) // 2], content_type="image/jpeg")

    with pytest.raises(ValidationError) as refused:
        photos.photo_open(cut)

    assert "isn't a photo we can read" in refused.value.messages[0]


def test_it_refuses_too_many_pixels(monkeypatch):
    monkeypatch.setattr(photos, "MAX_PIXELS", 1000 * 1000)

    with pytest.raises(ValidationError) as refused:
        photos.photo_open(image_upload(1200, 1000))

    assert "1200 × 1000 pixels; upload one of at most 1 megapixels" in refused.value.messages[0]


def test_it_names_each_rendition_and_reads_old_single_photos():
    names = photos.rendition_names("clinicians/photos/0123456789abcdef-400.jpg")

    assert names == {
        96: "clinicians/photos/0123456789abcdef-96.jpg",
        192: "clinicians/photos/0123456789abcdef-192.jpg",
        400: "clinicians/photos/0123456789abcdef-400.jpg",
    }
    assert photos.rendition_names("clinicians/ana.jpg") == dict.fromkeys(
        (96, 192, 400), "clinicians/ana.jpg"
    )
    assert photos.rendition_names("") == {}


@pytest.mark.django_db
def test_it_stores_the_renditions_and_replaces_an_old_photo(django_capture_on_commit_callbacks):
    clinician = ClinicianFactory()
    with django_capture_on_commit_callbacks(execute=True):
        clinician_photo_set(clinician=clinician, upload=image_upload(color=(10, 20, 30)))
    first = photos.rendition_names(clinician.photo.name)
    assert all(default_storage.exists(name) for name in first.values())

    with django_capture_on_commit_callbacks(execute=True):
        clinician_photo_set(clinician=clinician, upload=image_upload(color=(200, 180, 150)))

    clinician.refresh_from_db()
    second = photos.rendition_names(clinician.photo.name)
    assert second != first
    assert all(default_storage.exists(name) for name in second.values())
    assert not any(default_storage.exists(name) for name in first.values())

    with django_capture_on_commit_callbacks(execute=True):
        clinician_photo_remove(clinician=clinician)
    clinician.refresh_from_db()
    assert clinician.photo.name == ""
    assert not any(default_storage.exists(name) for name in second.values())


@pytest.mark.django_db
def test_it_keeps_files_another_clinician_still_uses(django_capture_on_commit_callbacks):
    ana, ben = ClinicianFactory(), ClinicianFactory()
    with django_capture_on_commit_callbacks(execute=True):
        clinician_photo_set(clinician=ana, upload=image_upload())
        clinician_photo_set(clinician=ben, upload=image_upload())
        clinician_photo_remove(clinician=ana)

    assert default_storage.exists(ben.photo.name)


@pytest.mark.django_db
def test_a_refused_upload_changes_nothing():
    clinician = ClinicianFactory()

    with pytest.raises(ValidationError):
        clinician_photo_set(clinician=clinician, upload=image_upload(100, 100))

    clinician.refresh_from_db()
    assert clinician.photo.name == ""


@pytest.mark.django_db
def test_staff_upload_a_photo_in_the_admin(manager, django_capture_on_commit_callbacks):  # noqa: F811
    clinician = ClinicianFactory(concerns=["anxiety"])
    url = reverse("admin:clinicians_clinician_change", args=[clinician.pk])
    # The storage lives as long as the test process: files other tests left are not this one's.
    left_before = (
        set(default_storage.listdir("clinicians")[1])
        if default_storage.exists("clinicians")
        else set()
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(url, _form_data(clinician, photo=image_upload()))

    assert response.status_code == 302
    clinician.refresh_from_db()
    assert photos.RENDITION_NAME.match(clinician.photo.name)
    # The upload itself is not kept, only its renditions.
    assert set(default_storage.listdir("clinicians")[1]) == left_before

    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(url, _form_data(clinician, **{"photo-clear": "on"}))
    assert response.status_code == 302
    clinician.refresh_from_db()
    assert clinician.photo.name == ""


@pytest.mark.django_db
def test_the_admin_says_what_is_wrong_with_a_photo(manager):  # noqa: F811
    clinician = ClinicianFactory(concerns=["anxiety"])
    url = reverse("admin:clinicians_clinician_change", args=[clinician.pk])

    response = manager.post(url, _form_data(clinician, photo=image_upload(120, 120)))

    assert response.status_code == 200
    assert "120 × 120 pixels; it needs at least 200 pixels" in response.content.decode()
    clinician.refresh_from_db()
    assert clinician.photo.name == ""


@pytest.mark.django_db
def test_the_avatar_offers_every_size_lazily_with_alt_text():
    clinician = ClinicianFactory(first_name="Ana", last_name="Ruiz")
    clinician_photo_set(clinician=clinician, upload=image_upload())
    names = photos.rendition_names(clinician.photo.name)

    html = render_to_string("clinicians/_avatar.html", {"clinician": clinician, "size": 80})

    assert f'src="/media/{names[192]}"' in html
    assert f"/media/{names[96]} 96w, /media/{names[192]} 192w, /media/{names[400]} 400w" in html
    assert 'sizes="80px"' in html and 'width="80" height="80"' in html
    assert 'loading="lazy"' in html
    assert 'alt="Photo of Ana Ruiz"' in html
    eager = render_to_string(
        "clinicians/_avatar.html", {"clinician": clinician, "size": 160, "eager": True, "alt": ""}
    )
    assert 'loading="lazy"' not in eager and 'alt=""' in eager


@pytest.mark.django_db
def test_the_placeholder_draws_initials_in_a_steady_tone():
    clinician = ClinicianFactory(first_name="ben", last_name="Ortiz")

    html = render_to_string("clinicians/_avatar.html", {"clinician": clinician, "size": 64})

    assert f'class="avatar avatar-tone-{clinician.avatar_tone} ' in html
    assert ">BO</text>" in html and 'aria-hidden="true"' in html
    assert (
        clinician.avatar_tone
        == ClinicianFactory.build(first_name="ben", last_name="Ortiz").avatar_tone
    )

import email

from django.core.mail import EmailMultiAlternatives, get_connection

from consultations.mail import EmlFileBackend


def test_it_writes_one_readable_eml_file_per_message(tmp_path, settings):
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    connection = get_connection("consultations.mail.EmlFileBackend")
    messages = []
    for name in ("Zoë", "Ana"):
        message = EmailMultiAlternatives(
            subject=f"Hello {name}", body=f"Hi {name}", to=[f"{name}@example.org"]
        )
        message.attach_alternative(f"<p>Hi {name}</p>", "text/html")
        messages.append(message)

    assert connection.send_messages(messages) == 2

    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 2
    parsed = [email.message_from_bytes(path.read_bytes()) for path in files]
    assert sorted(m["Subject"] for m in parsed) == ["=?utf-8?q?Hello_Zo=C3=AB?=", "Hello Ana"]
    assert all(m.is_multipart() for m in parsed)
    assert not list((tmp_path / "mail").glob(".*.part"))


def test_it_sends_nothing_for_an_empty_list(tmp_path):
    backend = EmlFileBackend(file_path=tmp_path / "mail")

    assert backend.send_messages([]) == 0
    assert not (tmp_path / "mail").exists()

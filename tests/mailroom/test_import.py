"""import_scans: idempotent by content, done/ and failed/ moves, and no loss or duplicate after a crash."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from guichet.mailroom import importer
from guichet.mailroom.models import MailItem, MailSource
from tests.mailroom.conftest import letter_image, save_scan

pytestmark = pytest.mark.django_db


@pytest.fixture
def drop(tmp_path) -> Path:
    folder = tmp_path / "scanner"
    folder.mkdir()
    save_scan(letter_image(["Lettre A"]), folder / "a.png", "PNG")
    save_scan(letter_image(["Lettre B"]), folder / "b.pdf", "PDF")
    (folder / "c.pdf").write_text("pas un PDF")
    return folder


def files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and p.name != importer.LOCK_NAME)


def test_import_moves_to_done_and_failed_with_a_reason(drop):
    call_command("import_scans", str(drop), "--min-age", "0")
    assert files(drop) == ["done/a.png", "done/b.pdf", "failed/c.pdf", "failed/c.pdf.reason.txt"]
    assert "n'est pas un scan accepté" in (drop / "failed" / "c.pdf.reason.txt").read_text()
    assert sorted(MailItem.objects.values_list("original_name", flat=True)) == ["a.png", "b.pdf"]
    assert set(MailItem.objects.values_list("source", flat=True)) == {MailSource.IMPORT}


def test_same_content_again_is_moved_not_duplicated(drop):
    importer.import_scans(drop, min_age_seconds=0)
    (drop / "done" / "a.png").rename(drop / "a-copie.png")  # the scanner drops the same file again
    report = importer.import_scans(drop, min_age_seconds=0)
    assert report.known == ["a-copie.png"] and report.imported == []
    assert MailItem.objects.count() == 2
    assert "done/a-copie.png" in files(drop)


def test_name_already_in_done_is_never_overwritten(drop):
    importer.import_scans(drop, min_age_seconds=0)
    save_scan(letter_image(["Autre lettre A"]), drop / "a.png", "PNG")
    importer.import_scans(drop, min_age_seconds=0)
    assert {"done/a.png", "done/a.1.png"} <= set(files(drop))
    assert MailItem.objects.count() == 3


def test_files_still_being_written_wait(drop):
    report = importer.import_scans(drop, min_age_seconds=3600)
    assert sorted(report.waiting) == ["a.png", "b.pdf", "c.pdf"]
    assert MailItem.objects.count() == 0


def test_crash_between_commit_and_move_loses_nothing_and_duplicates_nothing(drop, monkeypatch):
    def crash(*args, **kwargs):
        raise KeyboardInterrupt  # the process is stopped right after the first row is committed

    monkeypatch.setattr(importer.os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        importer.import_scans(drop, min_age_seconds=0)
    assert MailItem.objects.count() == 1
    assert {"a.png", "b.pdf", "c.pdf"} <= set(files(drop))  # still there, nothing lost
    monkeypatch.undo()

    report = importer.import_scans(drop, min_age_seconds=0)
    assert report.known == ["a.png"] and report.imported == ["b.pdf"]
    assert MailItem.objects.count() == 2
    assert files(drop) == ["done/a.png", "done/b.pdf", "failed/c.pdf", "failed/c.pdf.reason.txt"]


@pytest.mark.django_db(transaction=True)
def test_process_killed_midway_then_rerun(drop, tmp_path, settings):
    """A real process, killed with SIGKILL while importing; the rerun ends with every file in place, once."""
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        pytest.skip("the child process needs a database shared with the test (PostgreSQL)")
    for index in range(6):
        save_scan(letter_image([f"Lettre {index}"]), drop / f"x{index}.png", "PNG")
    env = {**os.environ, "MEDIA_ROOT": str(settings.MEDIA_ROOT), "DATABASE_URL": _database_url(settings)}
    child = subprocess.Popen(
        [sys.executable, "manage.py", "import_scans", str(drop), "--min-age", "0"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _wait_until(lambda: MailItem.objects.exists() or child.poll() is not None)
    child.kill()
    child.wait()
    at_kill = MailItem.objects.count()
    left = sorted(p.name for p in drop.iterdir() if p.is_file() and p.name != importer.LOCK_NAME)
    print(f"killed after {at_kill} item(s); still in the folder: {left}")
    assert child.returncode == -9 and left  # it really was stopped midway
    importer.import_scans(drop, min_age_seconds=0)
    names = [p.name for p in (drop / "done").iterdir()]
    assert sorted(names) == sorted(["a.png", "b.pdf", *(f"x{i}.png" for i in range(6))])
    assert MailItem.objects.count() == 8
    assert [p.name for p in drop.iterdir() if p.is_file() and p.name != importer.LOCK_NAME] == []


def _database_url(settings) -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _wait_until(condition, timeout: float = 20.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)


def test_crash_between_reason_and_move_leaves_no_orphan(tmp_path, monkeypatch):
    folder = tmp_path / "scanner"
    folder.mkdir()
    (folder / "c.pdf").write_text("pas un PDF")

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(importer.os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        importer.import_scans(folder, min_age_seconds=0)
    assert files(folder) == ["c.pdf", "failed/c.pdf.reason.txt"]
    monkeypatch.undo()
    importer.import_scans(folder, min_age_seconds=0)
    assert files(folder) == ["failed/c.pdf", "failed/c.pdf.reason.txt"]


def test_a_second_run_on_the_same_folder_waits_for_the_first(drop):
    import fcntl

    with open(drop / importer.LOCK_NAME, "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # a first run, still busy
        report = importer.import_scans(drop, min_age_seconds=0)
    assert report.locked and MailItem.objects.count() == 0
    assert importer.import_scans(drop, min_age_seconds=0).imported == ["a.png", "b.pdf"]


# --- one bad file never stops the batch; links and special files are refused; one line per file ---


def broken_pdf(path: Path) -> Path:
    """A PDF whose page tree points nowhere: it opens, then rendering its page fails (PdfiumError)."""
    save_scan(letter_image(["Lettre cassée"]), path, "PDF")
    data = path.read_bytes()
    assert b"/Kids [ 1 0 R ]" in data
    path.write_bytes(data.replace(b"/Kids [ 1 0 R ]", b"/Kids [ \x8b 0 R ]"))
    return path


def test_a_file_that_breaks_the_reader_goes_to_failed_and_the_batch_goes_on(drop):
    broken_pdf(drop / "a1-casse.pdf")  # sorted between a.png and b.pdf: mid-batch
    report = importer.import_scans(drop, min_age_seconds=0)
    assert report.imported == ["a.png", "b.pdf"]
    assert [name for name, _reason in report.failed] == ["a1-casse.pdf", "c.pdf"]
    assert files(drop) == [
        "done/a.png", "done/b.pdf",
        "failed/a1-casse.pdf", "failed/a1-casse.pdf.reason.txt", "failed/c.pdf", "failed/c.pdf.reason.txt",
    ]  # fmt: skip
    assert (drop / "failed" / "a1-casse.pdf.reason.txt").read_text().strip()
    assert MailItem.objects.count() == 2


def test_any_unexpected_error_of_one_file_is_its_reason_and_the_batch_goes_on(drop, monkeypatch):
    real_receive = importer.mail_item_receive

    def receive(*, name, **kwargs):
        if name == "a.png":
            raise KeyError("page 3")  # whatever a library may raise on a strange file
        return real_receive(name=name, **kwargs)

    monkeypatch.setattr(importer, "mail_item_receive", receive)
    report = importer.import_scans(drop, min_age_seconds=0)
    assert report.imported == ["b.pdf"]
    reason = (drop / "failed" / "a.png.reason.txt").read_text()
    assert "erreur inattendue" in reason and "KeyError" in reason and "page 3" in reason
    assert (drop / "failed" / "a.png").exists() and (drop / "done" / "b.pdf").exists()


def test_a_database_error_stops_the_run_and_leaves_every_file_for_the_next(drop, monkeypatch):
    from django.db import OperationalError

    def receive(**kwargs):
        raise OperationalError("connection lost")

    monkeypatch.setattr(importer, "mail_item_receive", receive)
    with pytest.raises(OperationalError):
        importer.import_scans(drop, min_age_seconds=0)
    assert {"a.png", "b.pdf"} <= set(files(drop)) and "failed/a.png" not in files(drop)


def test_a_symlink_out_of_the_folder_is_refused_and_its_target_untouched(drop, tmp_path):
    outside = save_scan(letter_image(["Lettre hors du dossier"]), tmp_path / "ailleurs.png", "PNG")
    (drop / "passwd.png").symlink_to("/etc/passwd")
    (drop / "scan-lien.png").symlink_to(outside)  # a real scan, but not dropped in the folder
    passwd = Path("/etc/passwd").read_bytes()
    report = importer.import_scans(drop, min_age_seconds=0)
    assert sorted(name for name, _reason in report.failed) == ["c.pdf", "passwd.png", "scan-lien.png"]
    for name in ["passwd.png", "scan-lien.png"]:
        assert (drop / "failed" / name).is_symlink()  # the link itself was moved aside
        assert "lien symbolique refusé" in (drop / "failed" / f"{name}.reason.txt").read_text()
    assert Path("/etc/passwd").read_bytes() == passwd and outside.exists()
    assert sorted(MailItem.objects.values_list("original_name", flat=True)) == ["a.png", "b.pdf"]


def test_a_fifo_is_refused_without_hanging(drop):
    os.mkfifo(drop / "tube.pdf")
    report = importer.import_scans(drop, min_age_seconds=0)
    assert ("tube.pdf", "ce n'est pas un fichier ordinaire (tube, périphérique…) : refusé.") in report.failed
    assert report.imported == ["a.png", "b.pdf"]


def test_a_file_still_being_written_waits_and_the_others_are_imported(drop):
    old = os.stat(drop / "a.png").st_mtime - 3600
    for name in ["a.png", "c.pdf"]:
        os.utime(drop / name, (old, old))  # dropped an hour ago; b.pdf was just written
    report = importer.import_scans(drop, min_age_seconds=30)
    assert report.imported == ["a.png"] and report.waiting == ["b.pdf"]
    assert (drop / "b.pdf").exists() and not (drop / "failed" / "b.pdf").exists()
    assert importer.import_scans(drop, min_age_seconds=0).imported == ["b.pdf"]  # next run


def test_the_command_prints_one_line_per_file_as_it_goes(drop, monkeypatch):
    import io

    broken_pdf(drop / "a1-casse.pdf")
    (drop / "lien.png").symlink_to("/etc/passwd")
    out = io.StringIO()
    printed_before: dict[str, str] = {}
    real_receive = importer.mail_item_receive

    def receive(*, name, **kwargs):
        printed_before[name] = out.getvalue()  # what was already printed when this file is read
        return real_receive(name=name, **kwargs)

    monkeypatch.setattr(importer, "mail_item_receive", receive)
    call_command("import_scans", str(drop), "--min-age", "0", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "importé : a.png"
    assert lines[1].startswith("refusé : a1-casse.pdf — ")
    assert lines[2] == "importé : b.pdf"
    assert lines[3].startswith("refusé : c.pdf — ") and "n'est pas un scan accepté" in lines[3]
    assert lines[4].startswith("refusé : lien.png — lien symbolique refusé")
    assert lines[5] == "Terminé : 2 importé(s), 0 déjà reçu(s), 3 refusé(s), 0 en attente."
    assert printed_before["b.pdf"] == "importé : a.png\n" + lines[1] + "\n"  # printed as it went


def test_the_command_says_which_files_wait(drop):
    import io

    out = io.StringIO()
    call_command("import_scans", str(drop), "--min-age", "3600", stdout=out)
    assert "en attente (peut-être en cours d'écriture), au prochain passage : a.png" in out.getvalue()
    assert out.getvalue().splitlines()[-1] == "Terminé : 0 importé(s), 0 déjà reçu(s), 0 refusé(s), 3 en attente."


def test_a_file_swapped_for_a_link_after_the_check_is_still_the_file_read(drop, monkeypatch):
    real_receive = importer.mail_item_receive

    def receive(*, path, name, **kwargs):
        if name == "a.png":  # checked and opened; now someone swaps it for a link to /etc/passwd
            (drop / ".swap").symlink_to("/etc/passwd")
            os.replace(drop / ".swap", drop / "a.png")
        return real_receive(path=path, name=name, **kwargs)

    monkeypatch.setattr(importer, "mail_item_receive", receive)
    importer.import_scans(drop, min_age_seconds=0)
    item = MailItem.objects.get(original_name="a.png")
    assert item.content_type == "image/png" and item.file.read(8) == b"\x89PNG\r\n\x1a\n"

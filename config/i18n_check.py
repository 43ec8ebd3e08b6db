"""The Spanish catalogue is complete for everything a client sees.

`python -m config.i18n_check` (run by `make i18n-check`, part of `make check`) copies the
project to a temporary folder, runs `makemessages -l es` there (so the catalogue meets today's
source, new strings and changed ones alike) and fails, naming each string and where it is used,
when a client-facing string has no Spanish or a fuzzy one. It also fails when the committed
`.mo` is not the committed `.po` compiled.

Which strings are client-facing is read from each entry's `#:` references: a string is for staff
or clinicians only when every place that uses it is one of `STAFF_ONLY` (the admin, the
clinicians' portal and login, staff emails, staff-only Python modules, model definitions);
anything else a client may see. A model's strings are staff-only too (its fields' names and
help), except the choices clients read: templates show those with `get_…_display` and forms
take them whole, neither of which names the string again, so they are listed by name in
`CLIENT_CHOICES` and every string written inside them must have Spanish.

Needs GNU gettext (`xgettext`, `msgmerge`, `msgfmt`): Debian's `gettext` package.
"""

import ast
import fnmatch
import gettext
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANGUAGE = "es"
PO = Path("locale") / LANGUAGE / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")

# Files whose strings only staff or clinicians read (paths relative to the project, globs).
STAFF_ONLY = (
    "templates/admin/*",
    "templates/registration/*",
    "templates/consultations/portal*",
    "templates/consultations/_portal*",
    "templates/emails/clinician_*",
    "templates/emails/practice_*",
    "templates/403.html",
    "templates/_permission_needed.html",
    "templates/lockout.html",
    "*/admin.py",
    "*/apps.py",
    "*_admin.py",
    "*/models.py",
    "*/migrations/*",
    "*/management/commands/*",
    "config/settings/*",
    "config/urls.py",
    "config/permissions.py",
    "clinicians/interchange.py",
    "clinicians/proposals.py",
    "templates/clinicians/_proposal_diff.html",
    "clinicians/photos.py",
    "clinicians/branding.py",
    "clinicians/services.py",
    "clinicians/staff_groups.py",
    "consultations/staff_groups.py",
    "consultations/access_log.py",
    "consultations/calendar_views.py",
    "templates/consultations/_portal_calendar_links.html",
    "consultations/preference_forms.py",
    "consultations/portal_forms.py",
    "matching/staff_groups.py",
    "matching/dashboard_views.py",
    "matching/queue.py",
    "matching/selectors.py",
    "matching/intake_schema.py",
)
# The choices defined in a models.py that clients read (file → names in it, a class's attribute
# as "Class.NAME"): the profile's age groups and ways to meet, the manage page's format and
# status, the fit check's scale. Every string marked for translation inside them is
# client-facing, whatever other file uses it.
CLIENT_CHOICES = {
    "clinicians/models.py": ("AGE_BANDS", "FORMATS"),
    "consultations/models.py": ("Consultation.Status", "Consultation.Format", "FitCheck.SCALE"),
}
# The gettext functions as models.py files call them: (context argument?, message argument).
_MARKERS = {"_": (None, 0), "gettext_lazy": (None, 0), "gettext": (None, 0)}
_MARKERS |= {"pgettext_lazy": (0, 1), "pgettext": (0, 1)}
# What makemessages should not read: not the project's source.
IGNORED = (".venv", "var", "staticfiles", "tests", "bench", "node_modules", ".git")


@dataclass
class Entry:
    msgid: str
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)
    obsolete: bool = False

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr)

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    def where(self) -> str:
        return ", ".join(self.references[:3]) + (" …" if len(self.references) > 3 else "")


def _unquote(text: str) -> str:
    text = text.strip()
    if not (text.startswith('"') and text.endswith('"')):
        raise ValueError(f"not a quoted PO string: {text!r}")
    body = text[1:-1]
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}
    out, i = [], 0
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            out.append(escapes.get(body[i + 1], body[i + 1]))
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


def parse_po(text: str) -> list[Entry]:
    """The entries of a PO file (the header, msgid "", included), obsolete ones marked."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None
    pending_flags: set[str] = set()
    pending_refs: list[str] = []
    last_keyword = ""

    def finish() -> None:
        nonlocal current
        if current is not None:
            entries.append(current)
        current = None

    for raw in text.splitlines():
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line:
            continue
        if line.startswith("#,"):
            finish()
            pending_flags |= {f.strip() for f in line[2:].split(",")}
            continue
        if line.startswith("#:"):
            finish()
            pending_refs += line[2:].split()
            continue
        if line.startswith("#"):
            finish()
            continue
        keyword, _space, rest = line.partition(" ")
        starts = keyword == "msgctxt" or (keyword == "msgid" and last_keyword != "msgctxt")
        if starts:
            finish()
            current = Entry(msgid="", flags=pending_flags, references=pending_refs)
            current.obsolete = obsolete
            pending_flags, pending_refs = set(), []
        if not line.startswith('"'):
            last_keyword = keyword
        if current is None:
            raise ValueError(f"PO line outside an entry: {raw!r}")
        if keyword == "msgctxt":
            current.msgctxt = _unquote(rest)
            target = ("msgctxt", 0)
        elif keyword == "msgid":
            current.msgid = _unquote(rest)
            target = ("msgid", 0)
        elif keyword == "msgid_plural":
            current.msgid_plural = _unquote(rest)
            target = ("msgid_plural", 0)
        elif keyword.startswith("msgstr"):
            index = int(keyword[7:-1]) if keyword.startswith("msgstr[") else 0
            while len(current.msgstr) <= index:
                current.msgstr.append("")
            current.msgstr[index] = _unquote(rest)
            target = ("msgstr", index)
        elif line.startswith('"') and target is not None:
            name, index = target
            if name == "msgstr":
                current.msgstr[index] += _unquote(line)
            else:
                setattr(current, name, (getattr(current, name) or "") + _unquote(line))
        else:
            raise ValueError(f"PO line not understood: {raw!r}")
    finish()
    return entries


def _reference_path(reference: str) -> str:
    return reference.rsplit(":", 1)[0] if reference.rsplit(":", 1)[-1].isdigit() else reference


def staff_only(reference: str) -> bool:
    path = _reference_path(reference).removeprefix("./")
    return any(fnmatch.fnmatch(path, pattern) for pattern in STAFF_ONLY)


def _named(tree: ast.Module, name: str) -> ast.AST | None:
    """The module-level assignment or class (or a class's attribute, "Class.NAME") so named."""
    body: list[ast.stmt] = tree.body
    found = None
    for part in name.split("."):
        found = None
        for node in body:
            targets = node.targets if isinstance(node, ast.Assign) else []
            if isinstance(node, ast.AnnAssign):
                targets = [node.target]
            if (isinstance(node, ast.ClassDef) and node.name == part) or any(
                isinstance(t, ast.Name) and t.id == part for t in targets
            ):
                found = node
                break
        if found is None:
            return None
        body = found.body if isinstance(found, ast.ClassDef) else []
    return found


def client_choice_strings(root: Path, choices: dict | None = None) -> set[tuple[str | None, str]]:
    """(context, msgid) of every string marked for translation inside `CLIENT_CHOICES`.
    A listed name that is no longer there is an error: the list must follow the models."""
    strings: set[tuple[str | None, str]] = set()
    for path, names in (CLIENT_CHOICES if choices is None else choices).items():
        tree = ast.parse((root / path).read_text(encoding="utf-8"), filename=path)
        for name in names:
            node = _named(tree, name)
            if node is None:
                raise LookupError(f"{path} has no {name}: correct CLIENT_CHOICES in {__name__}.")
            for call in ast.walk(node):
                if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)):
                    continue
                context_at, message_at = _MARKERS.get(call.func.id, (None, None))
                if message_at is None or len(call.args) <= message_at:
                    continue
                args = [a.value if isinstance(a, ast.Constant) else None for a in call.args]
                context = args[context_at] if context_at is not None else None
                if isinstance(args[message_at], str):
                    strings.add((context, args[message_at]))
    return strings


def client_facing(entry: Entry, client_strings: set | frozenset = frozenset()) -> bool:
    if (entry.msgctxt, entry.msgid) in client_strings:
        return True
    return bool(entry.references) and not all(staff_only(r) for r in entry.references)


def problems(entries: list[Entry], client_strings: set | frozenset = frozenset()) -> list[str]:
    """What is wrong with the catalogue for clients: missing and fuzzy translations.
    `client_strings`: (context, msgid) pairs client-facing wherever they are used."""
    found = []
    for entry in entries:
        if entry.obsolete or not entry.msgid or not client_facing(entry, client_strings):
            continue
        label = repr(entry.msgid if len(entry.msgid) <= 70 else entry.msgid[:67] + "...")
        if entry.msgctxt:
            label = f"[{entry.msgctxt}] {label}"
        if entry.fuzzy:
            found.append(f"fuzzy: {label} ({entry.where()})")
        elif not entry.translated:
            found.append(f"no Spanish: {label} ({entry.where()})")
    return found


def _catalog(mo_path: Path) -> dict:
    with mo_path.open("rb") as fp:
        return dict(gettext.GNUTranslations(fp)._catalog)  # noqa: SLF001


def _copy_project(destination: Path) -> None:
    def ignore(folder, names):
        if Path(folder) == ROOT:
            return [n for n in names if n in IGNORED]
        return [n for n in names if n in ("__pycache__", "node_modules")]

    shutil.copytree(ROOT, destination, ignore=ignore, symlinks=True)


def makemessages(project: Path) -> None:
    command = [sys.executable, "manage.py", "makemessages", "-l", LANGUAGE, "--add-location=file"]
    command += [f"--ignore={name}/*" for name in IGNORED] + [f"--ignore={n}" for n in IGNORED]
    subprocess.run(command, cwd=project, check=True, stdout=subprocess.DEVNULL)  # noqa: S603


def compile_po(po: Path, mo: Path) -> None:
    subprocess.run(["msgfmt", "--check", "-o", str(mo), str(po)], check=True)  # noqa: S603, S607


def main() -> int:
    for tool in ("xgettext", "msgmerge", "msgfmt"):
        if shutil.which(tool) is None:
            print(f"{tool} is missing: install GNU gettext (apt-get install gettext).")
            return 2
    trouble: list[str] = []
    with tempfile.TemporaryDirectory(prefix="alliance-i18n-") as tmp:
        copy = Path(tmp) / "project"
        _copy_project(copy)
        env_ok = os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
        del env_ok
        makemessages(copy)
        entries = parse_po((copy / PO).read_text(encoding="utf-8"))
        client_strings = client_choice_strings(ROOT)
        trouble += problems(entries, client_strings)
        listed = {(e.msgctxt, e.msgid) for e in entries if not e.obsolete}
        trouble += [
            f"not in the catalogue: {msgid!r}, listed in CLIENT_CHOICES"
            for _context, msgid in sorted(client_strings - listed, key=str)
        ]
        # The committed .mo must be the committed .po compiled (make compilemessages).
        compiled = Path(tmp) / "django.mo"
        compile_po(ROOT / PO, compiled)
        if not (ROOT / MO).exists() or _catalog(compiled) != _catalog(ROOT / MO):
            trouble.append(f"{MO} is not {PO} compiled: run `make messages` and commit both.")
    client = sum(
        1 for e in entries if e.msgid and not e.obsolete and client_facing(e, client_strings)
    )
    if trouble:
        print(f"The Spanish catalogue is incomplete ({len(trouble)} problems):")
        for line in trouble:
            print("  " + line)
        print("Run `make messages`, translate in locale/es/LC_MESSAGES/django.po (see")
        print("docs/glossary-es.md), then `make messages` again and commit the .po and .mo.")
        return 1
    print(f"Spanish catalogue complete: {client} client-facing strings translated.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

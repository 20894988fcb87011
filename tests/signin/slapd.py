"""A real OpenLDAP server (Debian's slapd) for the tests: its own configuration and database in a temporary
directory, on a free loopback port, loaded from LDIF with ldapadd; stopped at the end of the test."""

import base64
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import free_port

SUFFIX = "dc=mairie,dc=test"
ADMIN_DN = f"cn=admin,{SUFFIX}"
ADMIN_PASSWORD = "mot-de-passe-annuaire"
PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"
PASSWORD = "mot-de-passe-ldap"
SCHEMAS = ("core", "cosine", "inetorgperson", "nis")


def _utf8(value: str) -> str:
    return base64.b64encode(value.encode()).decode()


LDIF = f"""dn: {SUFFIX}
objectClass: dcObject
objectClass: organization
dc: mairie
o: Mairie de Testville

dn: {PEOPLE}
objectClass: organizationalUnit
ou: people

dn: {GROUPS}
objectClass: organizationalUnit
ou: groups

dn: uid=egarnier,{PEOPLE}
objectClass: inetOrgPerson
uid: egarnier
cn:: {_utf8("Éloïse Garnier")}
givenName:: {_utf8("Éloïse")}
sn: Garnier
mail: eloise.garnier@mairie.test
userPassword: {PASSWORD}

dn: uid=pmartin,{PEOPLE}
objectClass: inetOrgPerson
uid: pmartin
cn: Paul Martin
sn: Martin
userPassword: {PASSWORD}

dn: cn=voirie,{GROUPS}
objectClass: groupOfNames
cn: voirie
member: uid=egarnier,{PEOPLE}

dn: cn=direction,{GROUPS}
objectClass: groupOfNames
cn: direction
member: {ADMIN_DN}
"""


@dataclass
class Slapd:
    uri: str

    def ldif(self, text: str, command: str = "ldapmodify") -> None:
        subprocess.run(
            [command, "-x", "-H", self.uri, "-D", ADMIN_DN, "-w", ADMIN_PASSWORD],
            input=text,
            text=True,
            check=True,
            capture_output=True,
        )


def run_slapd(tmp: Path) -> Iterator[Slapd]:
    if not shutil.which("slapd") or not shutil.which("ldapadd"):
        pytest.fail("slapd and ldap-utils are needed (Debian packages; `make deps` installs them)")
    (tmp / "db").mkdir(parents=True)
    conf = tmp / "slapd.conf"
    conf.write_text(
        "".join(f"include /etc/ldap/schema/{schema}.schema\n" for schema in SCHEMAS)
        + f"pidfile {tmp}/slapd.pid\nmodulepath /usr/lib/ldap\nmoduleload back_mdb\n"
        + f'database mdb\nmaxsize 10485760\nsuffix "{SUFFIX}"\nrootdn "{ADMIN_DN}"\nrootpw {ADMIN_PASSWORD}\n'
        + f"directory {tmp}/db\n"
    )
    port = free_port()
    uri = f"ldap://127.0.0.1:{port}/"
    with open(tmp / "slapd.log", "w+") as log:
        # -d keeps it in the foreground (no fork): terminate() stops it.
        process = subprocess.Popen(["slapd", "-d", "0", "-h", uri, "-f", str(conf)], stdout=log, stderr=log)
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        log.seek(0)
                        raise RuntimeError(f"slapd did not start: {log.read()}") from None
                    time.sleep(0.05)
            server = Slapd(uri=uri)
            server.ldif(LDIF, command="ldapadd")
            yield server
        finally:
            process.terminate()
            process.wait(timeout=10)

"""make backup / make restore: the fingerprint they are checked with (manage.py
data_fingerprint), and the scripts' refusals. The round trip itself runs in CI on
PostgreSQL (`make backup-check`, .ci/run)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from django.db import connection

from cadm.management.commands.data_fingerprint import data_fingerprint
from cadm.models import Flag
from tests.factories import PatientFactory

ROOT = Path(__file__).resolve().parents[2]


def _run(script: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run([str(ROOT / "scripts" / script)], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, **env}, timeout=60)


def test_the_fingerprint_counts_every_table_and_changes_with_a_flag(site, rheumatologist):
    patient = PatientFactory(site=site, created_by=rheumatologist)
    flag = Flag.objects.create(patient=patient, code="X", severity="warning", severity_rank=1,
                               summary="s", detail="d", citation="c", evidence_label="l",
                               evidence_digest="a", ruleset_id=1, opened_at=patient.created_at,
                               updated_at=patient.created_at)
    before = data_fingerprint()
    assert before["tables"]["cadm_flag"] == 1 and before["tables"]["cadm_patient"] == 1
    assert {"cadm_auditevent", "cadm_historicalflag", "cadm_user",
            "cadm_user_sites"} <= set(before["tables"])
    Flag.objects.filter(pk=flag.pk).update(state="dismissed")
    after = data_fingerprint()
    assert after["tables"] == before["tables"]
    assert after["flags_sha256"] != before["flags_sha256"]


@pytest.mark.parametrize("script", ["db_backup", "db_restore"])
@pytest.mark.parametrize("url", ["", "sqlite:////tmp/x.sqlite3"])
def test_the_scripts_refuse_a_database_that_is_not_postgresql(script, url):
    done = _run(script, DATABASE_URL=url, BACKUP="/dev/null")
    assert done.returncode != 0
    assert "PostgreSQL" in done.stderr


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_restore needs PostgreSQL")
@pytest.mark.django_db
def test_restore_refuses_a_database_that_holds_tables_unless_told(tmp_path):
    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + connection.settings_dict["NAME"]
    dump = tmp_path / "empty.dump"
    dump.write_bytes(b"")
    done = _run("db_restore", DATABASE_URL=url, BACKUP=str(dump))
    assert done.returncode == 1
    assert "already has" in done.stderr and "RESTORE_OVER=yes" in done.stderr

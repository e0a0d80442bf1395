"""Integer version folders and atomic publication."""

import os
import subprocess
import sys
import threading

import numpy as np
import pytest

from genreclf.export.errors import ExportError
from genreclf.export.versions import PUBLISH_ATTEMPTS
from genreclf.export.versions import list_versions
from genreclf.export.versions import next_version
from genreclf.export.versions import parse_version
from genreclf.export.versions import remove_stale_staging
from genreclf.export.versions import resolve_version
from genreclf.export.versions import staged_version


def test_versions_ignore_non_integer_folders(tmp_path):
    for name in ("1", "3", ".tmp-4-abcd", "latest", "10"):
        (tmp_path / name).mkdir()
    (tmp_path / "7").write_text("a file, not a version")
    assert list_versions(tmp_path) == [1, 3, 10]
    assert next_version(tmp_path) == 11
    assert next_version(tmp_path / "missing") == 1


def test_explicit_version_never_overwrites(tmp_path):
    (tmp_path / "2").mkdir()
    assert resolve_version(tmp_path, 5) == 5
    with pytest.raises(ExportError, match="Version 2 already exists"):
        resolve_version(tmp_path, 2)
    for bad in (0, -1, "3", True):
        with pytest.raises(ExportError, match="positive integer"):
            resolve_version(tmp_path, bad)


def test_staged_version_publishes_by_rename(tmp_path):
    with staged_version(tmp_path, 1) as tmp:
        assert tmp.startswith(str(tmp_path / ".tmp-1-"))
        (tmp_path / tmp / "saved_model.pb").write_bytes(b"x")
        assert list_versions(tmp_path) == []  # not visible while being written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["1"]
    assert (tmp_path / "1" / "saved_model.pb").read_bytes() == b"x"


def test_staged_version_failure_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError, match="boom"):
        with staged_version(tmp_path, 1) as tmp:
            (tmp_path / tmp / "saved_model.pb").write_bytes(b"half")
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_staged_version_refuses_a_version_that_appeared(tmp_path):
    with pytest.raises(ExportError, match="appeared"):
        with staged_version(tmp_path, 1):
            (tmp_path / "1").mkdir()
            (tmp_path / "1" / "saved_model.pb").write_bytes(b"other")
    assert [p.name for p in tmp_path.iterdir()] == ["1"]
    assert (tmp_path / "1" / "saved_model.pb").read_bytes() == b"other"


def test_versions_follow_tf_servings_rule(tmp_path):
    # TF Serving reads a child as a version with strings::safe_strto64: ASCII
    # digits, an optional '-', white space around; '²' or '٣' are digits to
    # Python but not to it (and crashed int() here).
    for name in ("²", "٣", "+4", "1.0", "1_0", "007", " 5", "12"):
        (tmp_path / name).mkdir()
    assert list_versions(tmp_path) == [5, 7, 12]
    int64 = ["9223372036854775807", "9223372036854775808"]  # 2**63 - 1: the largest
    assert [parse_version(n) for n in ["0", "-1", *int64]] == [0, -1, 2**63 - 1, None]
    with pytest.raises(ExportError, match="Version 7 already exists at .*007"):
        resolve_version(tmp_path, 7)  # TF Serving would see two version 7s
    (tmp_path / "g2").mkdir()
    (tmp_path / "g2" / "²").mkdir()
    assert next_version(tmp_path / "g2") == 1
    (tmp_path / "g3").mkdir()
    (tmp_path / "g3" / "-2").mkdir()
    assert list_versions(tmp_path / "g3") == [-2] and next_version(tmp_path / "g3") == 1


def test_a_default_version_taken_meanwhile_publishes_the_next_free_one(tmp_path):
    renumbered = []
    with staged_version(tmp_path, 1, renumber=lambda tmp, v: renumbered.append(v)) as tmp:
        (tmp_path / tmp / "saved_model.pb").write_bytes(b"mine")
        (tmp_path / "1").mkdir()  # another export published 1 meanwhile
        (tmp_path / "1" / "saved_model.pb").write_bytes(b"other")
    assert renumbered == [2]
    assert (tmp_path / "1" / "saved_model.pb").read_bytes() == b"other"
    assert (tmp_path / "2" / "saved_model.pb").read_bytes() == b"mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["1", "2"]


def test_a_version_taken_between_check_and_rename_is_renumbered(tmp_path, monkeypatch):
    import genreclf.export.versions as versions

    holders = versions._holders
    calls = []

    def late_holders(model_dir, version):  # the other export renames right after the check
        calls.append(version)
        return [] if len(calls) == 1 else holders(model_dir, version)

    monkeypatch.setattr(versions, "_holders", late_holders)
    renumbered = []
    with staged_version(tmp_path, 1, renumber=lambda tmp, v: renumbered.append(v)) as tmp:
        (tmp_path / tmp / "saved_model.pb").write_bytes(b"mine")
        (tmp_path / "1").mkdir()
        (tmp_path / "1" / "saved_model.pb").write_bytes(b"other")
    assert renumbered == [2] and (tmp_path / "2" / "saved_model.pb").read_bytes() == b"mine"


def test_renumbering_is_bounded(tmp_path):
    def another_export_wins(tmp, version):
        (tmp_path / str(version)).mkdir()
        (tmp_path / str(version) / "saved_model.pb").write_bytes(b"other")

    with pytest.raises(
        ExportError, match=f"Versions 1 to {PUBLISH_ATTEMPTS} of .* were all published"
    ):
        with staged_version(tmp_path, 1, renumber=another_export_wins):
            (tmp_path / "1").mkdir()
    assert list_versions(tmp_path) == list(range(1, PUBLISH_ATTEMPTS + 1))  # all tried
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]


def test_two_exports_staged_at_once_publish_one_and_two(tmp_path):
    both_staged = threading.Barrier(2, timeout=30)
    published, errors = [], []

    def export(tag):
        try:
            renumbered = []
            with staged_version(tmp_path, 1, renumber=lambda t, v: renumbered.append(v)) as tmp:
                (tmp_path / tmp / "saved_model.pb").write_text(tag)
                both_staged.wait()  # neither publishes before both are staged
            published.append((renumbered[-1] if renumbered else 1, tag))
        except Exception as e:  # noqa: BLE001 - asserted below
            errors.append(e)

    threads = [threading.Thread(target=export, args=(tag,)) for tag in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(v for v, _ in published) == [1, 2]
    for version, tag in published:
        assert (tmp_path / str(version) / "saved_model.pb").read_text() == tag


def _python(code, **kwargs):
    return subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, **kwargs
    )


def _dead_pid():
    done = _python("import os; print(os.getpid())")
    pid = int(done.communicate()[0])
    return pid


def test_a_killed_exports_staging_folder_is_removed_by_the_next_export(tmp_path):
    killed = _python(
        "import sys, time\n"
        "from genreclf.export.versions import staged_version\n"
        f"with staged_version({str(tmp_path)!r}, 5) as tmp:\n"
        "    open(tmp + '/saved_model.pb', 'w').close()\n"
        "    print(tmp, flush=True)\n"
        "    time.sleep(600)\n"
    )
    stale = killed.stdout.readline().strip()
    killed.kill()  # SIGKILL, as in `kill -9` during verify
    killed.wait()
    assert os.path.isdir(stale)

    host = stale.rsplit("-", 2)[1]
    legacy = tmp_path / ".tmp-5-1f2e3d4c"  # an older genreclf's: no process recorded
    foreign = tmp_path / f".tmp-5-{_dead_pid()}-another.host-1f2e3d4c"  # a shared disk
    locked = tmp_path / f".tmp-6-{_dead_pid()}-{host}-1f2e3d4c"
    for folder in (legacy, foreign, locked):
        folder.mkdir()
    holder = _python(  # a live process holding `locked` (another pid namespace, say)
        f"import fcntl, os, time\nfd = os.open({str(locked)!r}, os.O_RDONLY)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\nprint('held', flush=True)\ntime.sleep(600)\n"
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with staged_version(tmp_path, 5) as tmp:
            assert not os.path.exists(stale)
            assert remove_stale_staging(tmp_path) == []  # this export's own folder stays
            assert os.path.isdir(tmp)
    finally:
        holder.kill()
        holder.wait()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["5", legacy.name, foreign.name, locked.name]
    )
    assert remove_stale_staging(tmp_path) == [str(locked)]  # its holder is gone now


def test_any_integral_version_is_one_and_written_as_a_python_int(tmp_path):
    # export_run(run, base, "genre", version=np.int64(3)) said "must be a positive integer".
    for given in (np.int64(3), np.uint8(3), np.int32(3)):
        resolved = resolve_version(tmp_path, given)
        assert resolved == 3 and type(resolved) is int
    for bad in (np.int64(0), np.float64(3.0), np.bool_(True), 3.0):
        with pytest.raises(ExportError, match=r"positive integer.*e\.g\. version=3"):
            resolve_version(tmp_path, bad)


def test_a_version_beyond_int64_is_refused(tmp_path):
    # `--version 99999999999999999999` was published: TF Serving skips such a folder and
    # `genreclf serve` answered its status and metadata with a 500.
    with pytest.raises(ExportError, match=r"fit a 64-bit integer.*version=99999999999999999999"):
        resolve_version(tmp_path, 99999999999999999999)
    assert resolve_version(tmp_path, 2**63 - 1) == 2**63 - 1
    os.makedirs(tmp_path / str(2**63 - 1))
    with pytest.raises(ExportError, match=r"would be 9223372036854775808, beyond"):
        resolve_version(tmp_path)

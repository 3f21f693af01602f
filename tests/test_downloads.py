"""`a2perf data download`: checksums, resume, atomicity, against a local HTTP server serving ../shared/data."""

import functools
import http.server
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from a2perf.cli import app
from a2perf.downloads import QUADRUPED_SOURCES, download, download_file, verify
from a2perf.errors import A2PerfError

SHARED_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with HTTP Range support (bytes=N-), counting the bytes it sends."""

    sent = 0

    def log_message(self, *args):
        pass

    def send_head(self):
        path = Path(self.translate_path(self.path))
        header = self.headers.get("Range")
        if not header or not path.is_file():
            return super().send_head()
        start = int(header.removeprefix("bytes=").split("-")[0])
        data = path.read_bytes()
        if start >= len(data):
            self.send_error(416)
            return None
        self.send_response(206)
        self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.send_header("Content-Length", str(len(data) - start))
        self.end_headers()
        import io

        return io.BytesIO(data[start:])

    def copyfile(self, source, outputfile):
        data = source.read()
        type(self).sent += len(data)
        outputfile.write(data)


@pytest.fixture
def mirror():
    handler = functools.partial(RangeHandler, directory=str(SHARED_DATA))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    RangeHandler.sent = 0
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_download_quadruped_via_cli(mirror, tmp_path):
    result = CliRunner().invoke(
        app, ["data", "download", "quadruped", "--dest", str(tmp_path), "--base-url", mirror]
    )
    assert result.exit_code == 0, result.output
    for source in QUADRUPED_SOURCES:
        assert (tmp_path / source.path).read_bytes() == (SHARED_DATA / "quadruped" / source.path).read_bytes()
    assert "CC BY-NC 4.0" in (tmp_path / "LICENCE-NOTICE.txt").read_text()
    assert not list(tmp_path.glob("*.part"))


def test_download_circuit_subset_and_skip_when_verified(mirror, tmp_path):
    only = ["ariane133_ng45/netlist.pb.txt.gz", "ariane133_ng45/initial.plc"]
    download("circuit", tmp_path, base_url=mirror, only=only)
    first = RangeHandler.sent
    assert first > 300_000
    download("circuit", tmp_path, base_url=mirror, only=only)
    assert RangeHandler.sent == first  # verified files are not fetched again


def test_resume_fetches_only_missing_bytes(mirror, tmp_path):
    source = QUADRUPED_SOURCES[0]
    full = (SHARED_DATA / "quadruped" / source.path).read_bytes()
    (tmp_path / (source.path + ".part")).write_bytes(full[:1000])
    download_file(source, tmp_path, f"{mirror}/quadruped/{source.path}")
    assert RangeHandler.sent == len(full) - 1000
    assert verify(tmp_path / source.path, source)


def test_checksum_mismatch_leaves_no_file(mirror, tmp_path):
    wrong = QUADRUPED_SOURCES[0].__class__(path="dog_pace.txt", url="", sha256="0" * 64)
    with pytest.raises(A2PerfError, match="checksum mismatch"):
        download_file(wrong, tmp_path, f"{mirror}/quadruped/dog_pace.txt")
    assert list(tmp_path.iterdir()) == []


def test_missing_upstream_file_is_one_line_error(mirror, tmp_path):
    result = CliRunner().invoke(
        app, ["data", "download", "circuit", "--dest", str(tmp_path), "--base-url", mirror + "/nothing"]
    )
    assert result.exit_code == 2
    assert "download of" in result.output and "failed" in result.output


def test_unknown_dataset(tmp_path):
    result = CliRunner().invoke(app, ["data", "download", "mnist", "--dest", str(tmp_path)])
    assert result.exit_code == 2
    assert "unknown data set 'mnist'" in result.output

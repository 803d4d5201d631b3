"""A fake Hugging Face Hub on 127.0.0.1 for the download tests.

Implements what huggingface_hub's metadata calls and our transfer use: revision info,
the recursive tree listing (with LFS sha256 and git blob ids), and ``resolve`` with ETag,
X-Repo-Commit, Content-Length, Accept-Ranges and Range (206 / 416). Knobs make it
misbehave the ways real mirrors do: cut a body after N bytes, pause after N bytes until
released, ignore Range (200), serve a flipped byte, list unsafe file names. Every request
is logged so tests can assert the exact Range a resume asked for.
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit


def git_blob_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\x00" % len(data) + data).hexdigest()


@dataclass
class FakeRepo:
    repo_id: str
    commit: str
    files: dict[str, bytes]
    lfs: set[str] = field(default_factory=set)  # paths served as LFS files
    extra_tree: list[dict] = field(default_factory=list)  # raw entries appended to the listing


@dataclass
class Knobs:
    cut_after: dict[str, int] = field(default_factory=dict)  # path -> close after N bytes (once)
    pause_after: dict[str, int] = field(default_factory=dict)  # path -> pause after N bytes until release
    stall_at: dict[str, int] = field(default_factory=dict)  # path -> every request hangs at byte N
    ignore_range: set[str] = field(default_factory=set)  # path -> answer 200 to Range
    hang_headers: set[str] = field(default_factory=set)  # path -> never answer (until release)
    corrupt: dict[str, int] = field(default_factory=dict)  # path -> flip the byte at this offset
    corrupt_times: int = 1_000_000  # how many GETs get the corrupt bytes
    hang_api: set[str] = field(default_factory=set)  # "tree" / "revision": that API call never answers
    redirect: bool = False  # resolve answers 302 to /cdn/..., as the real Hub does for large files
    released: threading.Event = field(default_factory=threading.Event)


class FakeHub:
    def __init__(self, repos: list[FakeRepo]) -> None:
        self.repos = {r.repo_id: r for r in repos}
        self.knobs = Knobs()
        self.log: list[dict] = []
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FakeHub:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.knobs.released.set()
        self.server.shutdown()
        self.server.server_close()

    def requests(self, method: str | None = None, path_contains: str = "") -> list[dict]:
        with self._lock:
            return [
                r
                for r in self.log
                if (method is None or r["method"] == method) and path_contains in r["path"]
            ]

    # ------------------------------------------------------------------------------
    def _handler(hub):  # noqa: N805 - closure over the hub
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output quiet
                pass

            def _record(self, status: int) -> None:
                with hub._lock:
                    hub.log.append(
                        {
                            "method": self.command,
                            "path": unquote(urlsplit(self.path).path),
                            "range": self.headers.get("Range"),
                            "status": status,
                            "user_agent": self.headers.get("User-Agent", ""),
                        }
                    )

            def _json(self, obj, status: int = 200, error_code: str = "") -> None:
                body = json.dumps(obj).encode()
                self._record(status)
                self.send_response(status)
                if error_code:
                    self.send_header("X-Error-Code", error_code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _not_found(self) -> None:
                self._record(404)
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.send_header("X-Error-Code", "EntryNotFound")
                self.end_headers()

            def do_HEAD(self):
                self._resolve(head=True)

            def do_GET(self):
                path = unquote(urlsplit(self.path).path)
                if path.startswith("/api/models/"):
                    self._api(path[len("/api/models/") :])
                elif path.startswith("/cdn/"):
                    self._resolve(head=False, cdn=True)
                else:
                    self._resolve(head=False)

            def _repo_and_rest(self, path: str):
                for repo_id, repo in hub.repos.items():
                    if path == repo_id or path.startswith(repo_id + "/"):
                        return repo, path[len(repo_id) :].lstrip("/")
                return None, ""

            def _api(self, path: str) -> None:
                repo, rest = self._repo_and_rest(path)
                kind = "tree" if "/tree/" in "/" + rest else "revision"
                if kind in hub.knobs.hang_api:
                    self._record(0)
                    hub.knobs.released.wait(30)
                    self.close_connection = True
                    return
                if repo is None:
                    return self._json({"error": "Repository not found"}, 404, "RepoNotFound")
                if rest == "" or rest.startswith("revision/"):
                    rev = rest[len("revision/") :] if rest else "main"
                    if rev not in ("main", repo.commit):
                        return self._json({"error": "Invalid rev id"}, 404, "RevisionNotFound")
                    return self._json(
                        {
                            "id": repo.repo_id,
                            "modelId": repo.repo_id,
                            "sha": repo.commit,
                            "siblings": [{"rfilename": p} for p in repo.files],
                        }
                    )
                if rest.startswith("tree/"):
                    rev = rest[len("tree/") :].split("/", 1)[0]
                    if rev not in ("main", repo.commit):
                        return self._json({"error": "Invalid rev id"}, 404, "RevisionNotFound")
                    entries = []
                    for p, data in sorted(repo.files.items()):
                        e = {"type": "file", "path": p, "size": len(data), "oid": git_blob_sha1(data)}
                        if p in repo.lfs:
                            e["lfs"] = {
                                "oid": hashlib.sha256(data).hexdigest(),
                                "size": len(data),
                                "pointerSize": 134,
                            }
                        entries.append(e)
                    dirs = sorted({p.rsplit("/", 1)[0] for p in repo.files if "/" in p})
                    entries += [{"type": "directory", "path": d, "oid": "0" * 40, "size": 0} for d in dirs]
                    return self._json(entries + list(repo.extra_tree))
                return self._json({"error": "not found"}, 404)

            def _resolve(self, head: bool, cdn: bool = False) -> None:
                path = unquote(urlsplit(self.path).path).lstrip("/")
                if cdn:
                    path = path[len("cdn/") :]
                elif hub.knobs.redirect and not head:
                    self._record(302)
                    self.send_response(302)
                    self.send_header("Location", "/cdn/" + path)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                repo, rest = self._repo_and_rest(path)
                if repo is None or not rest.startswith("resolve/"):
                    return self._not_found()
                rev, _, fpath = rest[len("resolve/") :].partition("/")
                if rev not in ("main", repo.commit) or fpath not in repo.files:
                    return self._not_found()
                data = repo.files[fpath]
                knobs = hub.knobs
                if fpath in knobs.hang_headers and not head:
                    self._record(0)
                    knobs.released.wait(30)
                    self.close_connection = True
                    return
                if fpath in knobs.corrupt and knobs.corrupt_times > 0 and not head:
                    knobs.corrupt_times -= 1
                    buf = bytearray(data)
                    buf[knobs.corrupt[fpath]] ^= 0xFF
                    data = bytes(buf)
                etag = (
                    hashlib.sha256(repo.files[fpath]).hexdigest()
                    if fpath in repo.lfs
                    else git_blob_sha1(repo.files[fpath])
                )
                start, status = 0, 200
                rng = self.headers.get("Range")
                if rng and fpath not in knobs.ignore_range:
                    start = int(rng.split("=", 1)[1].split("-", 1)[0])
                    if start >= len(data):
                        self._record(416)
                        self.send_response(416)
                        self.send_header("Content-Range", f"bytes */{len(data)}")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    status = 206
                body = data[start:]
                self._record(status)
                self.send_response(status)
                self.send_header("ETag", f'"{etag}"')
                self.send_header("X-Repo-Commit", repo.commit)
                self.send_header("Accept-Ranges", "bytes")
                self.send_header("Content-Length", str(len(body)))
                if status == 206:
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                self.end_headers()
                if head:
                    return
                stall = knobs.stall_at.get(fpath)
                if stall is not None:
                    try:
                        if start < stall:
                            self.wfile.write(data[start:stall])
                            self.wfile.flush()
                        knobs.released.wait(30)
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                    self.close_connection = True
                    return
                cut = knobs.cut_after.pop(fpath, None)
                pause = knobs.pause_after.get(fpath)
                sent = start
                try:
                    if pause is not None and start < pause:
                        self.wfile.write(data[start:pause])
                        self.wfile.flush()
                        sent = pause
                        knobs.released.wait(30)
                        if not knobs.released.is_set():
                            return
                        body = data[sent:]
                    elif cut is not None:
                        self.wfile.write(body[:cut])
                        self.wfile.flush()
                        self.close_connection = True
                        return
                    self.wfile.write(data[sent:])
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

        return Handler


def make_files(seed: int = 1) -> dict[str, bytes]:
    """Small stand-ins for the GLM-TTS files, deterministic per seed."""
    rnd = random.Random(seed)
    sizes = {
        "llm/config.json": 674,
        "llm/model.safetensors.index.json": 2091,
        "llm/model-00001-of-00002.safetensors": 600_000,
        "llm/model-00002-of-00002.safetensors": 300_000,
        "flow/config.yaml": 180,
        "flow/flow.pt": 400_000,
        "hift/hift.pt": 120_000,
        "vocos2d/generator_jit.ckpt": 90_000,
        "vq32k-phoneme-tokenizer/tokenizer.model": 50_000,
        "vq32k-phoneme-tokenizer/tokenizer_config.json": 3000,
        "speech_tokenizer/config.json": 1941,
        "speech_tokenizer/preprocessor_config.json": 340,
        "speech_tokenizer/model.safetensors": 250_000,
        "README.md": 500,
    }
    return {p: rnd.randbytes(n) for p, n in sizes.items()}


LFS_SUFFIXES = (".safetensors", ".pt", ".ckpt", ".model", ".onnx")


GLM_COMMIT = "1" * 40
CAM_COMMIT = "2" * 40


def build_repos(seed: int = 1) -> list[FakeRepo]:
    files = make_files(seed)
    glm = FakeRepo("zai-org/GLM-TTS", GLM_COMMIT, files, lfs={p for p in files if p.endswith(LFS_SUFFIXES)})
    cam_bytes = make_files(seed + 100)["flow/flow.pt"][:70_000]
    cam = FakeRepo(
        "FunAudioLLM/CosyVoice2-0.5B",
        CAM_COMMIT,
        {"campplus.onnx": cam_bytes, "flow.pt": b"x" * 10},
        lfs={"campplus.onnx", "flow.pt"},
    )
    return [glm, cam]


def manifest_dict_for(repos: list[FakeRepo]) -> dict:
    """Same shape as the shipped manifest: GLM-TTS unpinned commit, a few pinned values."""
    glm, cam = repos
    shipped = json.loads((Path(__file__).parents[2] / "resources/models/manifest.json").read_text())
    files = []
    for f in shipped["files"]:
        f = dict(f)
        if f["source"] == "glm-tts":
            data = glm.files[f["path"]]
            if f["sha256"] is not None:  # pinned in the real manifest -> pinned here too
                f["sha256"] = hashlib.sha256(data).hexdigest()
            if f["size"] is not None:
                f["size"] = len(data)
        else:
            data = cam.files[f["remote_path"]]
            f["sha256"] = hashlib.sha256(data).hexdigest()
            f["size"] = len(data)
        files.append(f)
    return {
        "version": 1,
        "sources": {
            "glm-tts": {"repo_id": glm.repo_id, "revision": None, "default_ref": "main"},
            "campplus": {"repo_id": cam.repo_id, "revision": CAM_COMMIT},
        },
        "files": files,
    }


# --- pytest fixtures shared by tests/models and tests/wizard (imported into their conftests) ---
import pytest  # noqa: E402


@pytest.fixture
def repos():
    return build_repos()


@pytest.fixture
def hub(repos):
    h = FakeHub(repos).start()
    yield h
    h.stop()


@pytest.fixture
def manifest_dict(repos):
    return manifest_dict_for(repos)


@pytest.fixture
def manifest(manifest_dict):
    from glmtts_desktop.models.manifest import manifest_from_dict

    return manifest_from_dict(manifest_dict)

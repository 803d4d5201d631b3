"""Audio core: load/save/resample, reference analysis and trimming, recording and playback.

Never imports Qt or torch. Device access goes through an ``AudioBackend`` (sounddevice in the
app, ``FakeBackend`` in tests, ``NullBackend`` when there is no audio system); the GUI polls
``Recorder.level()`` and ``Player.position`` with a timer, callbacks only copy data.
"""

from glmtts_desktop.audio.analysis import (
    AudioAnalysis,
    AudioIssue,
    analyze,
    auto_trim,
    check_reference,
    frame_db,
    speech_mask,
    trim_silence,
)
from glmtts_desktop.audio.backend import (
    AudioBackend,
    DeviceInfo,
    DeviceStatus,
    NullBackend,
    StreamHandle,
    find_device,
    get_backend,
)
from glmtts_desktop.audio.errors import (
    AudioDecodeError,
    AudioDeviceError,
    AudioError,
    AudioWriteError,
    DiskFullError,
    InvalidAudioError,
)
from glmtts_desktop.audio.fake import FakeBackend
from glmtts_desktop.audio.io import (
    AudioClip,
    AudioInfo,
    encode_audio,
    load_audio,
    probe,
    resample,
    save_audio,
    to_mono,
)
from glmtts_desktop.audio.player import Player
from glmtts_desktop.audio.processing import cut, fade_edges, normalize
from glmtts_desktop.audio.recorder import Level, Recorder

__all__ = [
    "AudioAnalysis",
    "AudioIssue",
    "analyze",
    "auto_trim",
    "check_reference",
    "frame_db",
    "speech_mask",
    "trim_silence",
    "AudioBackend",
    "DeviceInfo",
    "DeviceStatus",
    "NullBackend",
    "StreamHandle",
    "find_device",
    "get_backend",
    "AudioDecodeError",
    "AudioDeviceError",
    "AudioError",
    "AudioWriteError",
    "DiskFullError",
    "InvalidAudioError",
    "FakeBackend",
    "AudioClip",
    "AudioInfo",
    "encode_audio",
    "load_audio",
    "probe",
    "resample",
    "save_audio",
    "to_mono",
    "Player",
    "Level",
    "Recorder",
    "cut",
    "fade_edges",
    "normalize",
]

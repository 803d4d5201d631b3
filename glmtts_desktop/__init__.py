"""GLM-TTS Desktop: an offline voice studio built on GLM-TTS zero-shot voice cloning."""

__version__ = "0.1.0"

import os as _os

# onnxruntime (1.2x and later, Linux too) sends usage telemetry: a process that ran a session
# looks up mobile.events.data.microsoft.com (seen with strace on every `synth` and `batch`);
# ``disable_telemetry_events()`` does not stop it, this variable does. The app promises that
# nothing leaves the computer, so it is forced on before anything can import onnxruntime.
_os.environ["ORT_DISABLE_TELEMETRY"] = "1"

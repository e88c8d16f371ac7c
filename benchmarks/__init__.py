"""posecheck's speed and memory benchmarks: one module per section, run by ``benchmarks/run.py``.

See benchmarks/README.md for what is measured and how to run all of it or one section.
"""

import os

# Set here, before any section module imports MediaPipe: its C++ logging reads these once, at
# load time, and is noisy on stderr; keep warnings and errors only.
os.environ.setdefault("GLOG_minloglevel", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

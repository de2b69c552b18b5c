import os

# Quiet TensorFlow and use a non-interactive plotting backend in every test.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")

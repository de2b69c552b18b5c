# Installed by `make setup` (tools/course.py) as .venv/etc/ipython/ipython_kernel_config.py, where every
# kernel started from the course's venv (JupyterLab, nbval, tools/run_notebooks) reads it.
#
# C++ libraries write their logs straight to the process's stderr (TensorFlow prints
# "oneDNN custom operations are on" and an absl WARNING at import, whatever
# TF_CPP_MIN_LOG_LEVEL says). By default ipykernel copies that low-level stream into
# the notebook as red stderr output; with this, it goes to the kernel's own log (the
# terminal running Jupyter, or build/notebooks/logs/ for `make course`) and the
# notebook shows only what the lesson prints. Python's own warnings still show.
c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)
c.IPKernelApp.capture_fd_output = False

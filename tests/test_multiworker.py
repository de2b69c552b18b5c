"""MultiWorkerMirroredStrategy across two worker processes on 127.0.0.1 (tools/multiworker.py).

Both workers compute the cached features of their share of a folder, exchange them
through the output folder and train the head in step; each one's predictions must
equal those of the same work done in one process.
"""

import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image

import utils
from utils.config import repo_root

WORKER_TIMEOUT_S = 240
TRAIN, VALID = 16, 6  # 16 = 2 batches of 8, each split 4 + 4 between the workers


def make_folder(root):
    """Tiny two-class PNGs: reddish 'warm' and bluish 'cool' squares."""
    rng = np.random.default_rng(0)
    for split, count in (("train", TRAIN), ("valid", VALID)):
        for i in range(count):
            label = ("warm", "cool")[i % 2]
            pixels = rng.integers(0, 160, (32, 32, 3))
            pixels[..., 0 if label == "warm" else 2] += 90
            folder = root / split / label
            folder.mkdir(parents=True, exist_ok=True)
            Image.fromarray(pixels.astype("uint8")).save(folder / f"{i:02d}.png")
    return root


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    try:
        for each in sockets:
            each.bind(("127.0.0.1", 0))
        return [each.getsockname()[1] for each in sockets]
    finally:
        for each in sockets:
            each.close()


def command(data, out, *options):
    return [sys.executable, "-m", "tools.multiworker", "--data", str(data), "--out", str(out), *options]


def quiet_cpu_env():
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""}


def start(args, log):
    return subprocess.Popen(
        args,
        cwd=repo_root(),
        env=quiet_cpu_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # its own process group, killed as one


def stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def test_shards_partition_the_files_and_unshard_restores_their_order():
    files = [f"img{i:02d}.jpg" for i in range(11)]
    shares = [utils.shard(files, index, 3) for index in range(3)]
    assert sorted(sum(shares, [])) == files
    assert [len(share) for share in shares] == [4, 4, 3]
    assert list(utils.unshard(shares)) == files
    with pytest.raises(ValueError, match="worker index 3"):
        utils.shard(files, 3, 3)
    with pytest.raises(ValueError, match="worker order"):
        utils.unshard([shares[2], shares[0], shares[1]])


def test_two_workers_on_loopback_equal_one_process(tmp_path):
    data = make_folder(tmp_path / "data")
    ports = free_ports(2)
    workers = ",".join(f"127.0.0.1:{port}" for port in ports)
    logs = [open(tmp_path / f"worker_{i}.log", "w") for i in range(2)]
    processes, deadline = [], time.monotonic() + WORKER_TIMEOUT_S
    try:
        for i in range(2):  # appended one by one, so a failed start still stops the first
            processes.append(
                start(
                    command(data, tmp_path / "multi", "--workers", workers, "--worker-index", str(i)), logs[i]
                )
            )
        for process in processes:
            process.wait(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        pass  # reported below, with the workers' output
    finally:
        for process in processes:
            stop(process)
        for log in logs:
            log.close()
    outputs = [(tmp_path / f"worker_{i}.log").read_text()[-3000:] for i in range(2)]
    assert [p.returncode for p in processes] == [0, 0], (
        f"(negative: killed after {WORKER_TIMEOUT_S} s)\n" + "\n".join(outputs)
    )

    single = subprocess.run(
        command(data, tmp_path / "single"),
        cwd=repo_root(),
        capture_output=True,
        text=True,
        timeout=WORKER_TIMEOUT_S,
        env=quiet_cpu_env(),
    )
    assert single.returncode == 0, single.stdout[-3000:] + single.stderr[-3000:]

    reference = np.load(tmp_path / "single" / "single.npy")
    assert reference.shape == (VALID, 2)
    for i in range(2):
        np.testing.assert_allclose(np.load(tmp_path / "multi" / f"worker_{i}.npy"), reference, atol=1e-4)
    # The shares on disk partition the training files, labels aligned.
    shares = [utils.load_array(tmp_path / "multi" / f"train_fc2_share{i}of2_labels.bc") for i in range(2)]
    assert [len(share) for share in shares] == [TRAIN // 2] * 2
    np.testing.assert_array_equal(utils.unshard(shares), np.repeat([0, 1], TRAIN // 2))

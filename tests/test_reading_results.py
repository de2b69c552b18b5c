"""The helpers that turn a run's numbers into sentences: noise test, curves, clipping, five views."""

import numpy as np
import pytest

import utils
from utils import epochs, kaggle, submissions


def test_one_image_in_140_is_within_noise_and_a_big_gap_is_not():
    small = utils.compare(0.871, 0.879, 140)
    assert small.verdict == "within noise" and "within noise" in str(small)
    assert utils.compare(0.60, 0.90, 140).verdict == "better"
    assert utils.compare(0.90, 0.60, 140).verdict == "worse"
    # the same gap is real on many images
    assert utils.compare(0.871, 0.879, 200_000).verdict == "better"


def test_two_standard_errors_is_the_line():
    se = np.sqrt(2 * 0.5 * 0.5 / 400)
    assert utils.compare(0.5, 0.5 + 1.9 * se, 400).verdict == "within noise"
    assert utils.compare(0.5, 0.5 + 2.1 * se, 400).verdict == "better"


def test_losses_compare_paired_per_image_and_lower_is_better():
    rng = np.random.default_rng(0)
    before = rng.uniform(0.1, 1.0, 500)
    assert utils.compare(before, before - 0.05, lower_is_better=True, metric="log loss").verdict == "better"
    assert utils.compare(before, before + 0.05, lower_is_better=True).verdict == "worse"
    noisy = before + rng.normal(0, 0.5, 500)
    assert utils.compare(before, noisy, lower_is_better=True).verdict == "within noise"


def test_compare_needs_n_for_accuracies_and_matching_arrays():
    with pytest.raises(ValueError, match="give n"):
        utils.compare(0.8, 0.9)
    with pytest.raises(ValueError, match="1-D arrays"):
        utils.compare(np.ones(3), np.ones(4))


def test_image_log_losses_average_to_log_loss():
    p = np.array([0.9, 0.2, 0.6, 0.99])
    labels = np.array([1, 0, 1, 0])
    assert np.isclose(utils.image_log_losses(p, labels).mean(), utils.log_loss(p, labels))


def test_explain_clipping_names_the_level_and_the_noise(capsys):
    labels = np.ones(200, dtype=int)
    p = np.full(200, 0.999)
    p[:5] = 0.0001  # five confident mistakes
    rows = utils.clip_log_loss_table(p, labels)
    verdict = utils.explain_clipping(p, labels, rows)
    out = capsys.readouterr().out
    assert "5 of 200" in out and "We submit clipped" in out and verdict.metric == "validation log loss"


def test_explain_clipping_without_wrong_answers_says_so_and_prints_no_bare_zero(capsys):
    labels = np.ones(100, dtype=int)
    p = np.full(100, 0.9999)
    utils.explain_clipping(p, labels, utils.clip_log_loss_table(p, labels))
    out = capsys.readouterr().out
    assert "no wrong answers to clip" in out and "±0.000 " not in out and "±0.000)" not in out


def test_hardest_class_needs_enough_mistakes_and_the_noise_test():
    names = [str(digit) for digit in range(10)]
    y_true = np.repeat(np.arange(10), 100)
    few = y_true.copy()
    few[800:806] = 0  # six mistakes, all on 8
    assert "too few to rank" in utils.hardest_class(y_true, few, names)
    many = y_true.copy()
    many[800:830] = 0  # thirty mistakes on 8, none elsewhere
    assert utils.hardest_class(y_true, many, names).startswith("hardest class: 8 (30 of 100 wrong)")
    spread = y_true.copy()
    for digit in range(10):  # ten mistakes in every class, eleven in 3
        spread[digit * 100 : digit * 100 + 10 + (digit == 3)] = (digit + 1) % 10
    assert utils.hardest_class(y_true, spread, names).startswith("no class stands out")


@pytest.mark.parametrize(
    "loss, val_loss, expected",
    [
        ([0.5, 0.35, 0.3], [0.6, 0.5, 0.45], {"far_above": False, "climbed_back": False}),
        ([0.5, 0.1, 0.01], [0.6, 0.5, 0.45], {"far_above": True, "climbed_back": False}),
        ([0.5, 0.4, 0.35], [0.5, 0.4, 0.6], {"far_above": False, "climbed_back": True}),
    ],
)
def test_learning_curves_are_read_by_the_two_signs(loss, val_loss, expected, capsys):
    assert utils.read_learning_curves({"loss": loss, "val_loss": val_loss}) == expected
    out = capsys.readouterr().out
    assert ("No sign of overfitting" in out) == (expected == {"far_above": False, "climbed_back": False})


def test_confidence_vs_accuracy_says_over_or_under(capsys):
    probabilities = np.array([[0.99, 0.01], [0.98, 0.02], [0.97, 0.03], [0.96, 0.04]])
    assert utils.confidence_vs_accuracy(probabilities, [0, 0, 1, 1], when="epoch 1") == pytest.approx(
        (0.975, 0.5)
    )
    assert "overconfident by 0.475" in capsys.readouterr().out


def test_read_five_views_counts_confident_mistakes(capsys):
    probabilities = np.array([0.95, 0.05, 0.6, 0.99])
    assert list(utils.read_five_views(probabilities, [0, 0, 0, 1])) == [0]
    assert "2 of 4 validation images are wrong, 1 of them" in capsys.readouterr().out


class History:
    def __init__(self, logs, epoch):
        self.history, self.epoch = logs, epoch


def test_at_epoch_follows_best_epoch_when_a_run_starts_later():
    history = History({"val_loss": [0.5, 0.3, 0.4], "val_accuracy": [0.7, 0.9, 0.8]}, epoch=[4, 5, 6])
    best = utils.best_epoch(history)
    assert best == 6 and utils.at_epoch(history, best) == {"val_loss": 0.3, "val_accuracy": 0.9}
    with pytest.raises(ValueError, match="epoch 2 is not"):
        epochs.at_epoch(history, 2)


def test_submit_or_show_never_uploads_generated_data_or_unasked(capsys, monkeypatch):
    monkeypatch.setattr(submissions, "submit_to_kaggle", lambda *a: pytest.fail("must not upload"))
    utils.submit_or_show("build/x.csv", "dogscats", "msg", submit=True, generated=True)
    utils.submit_or_show("build/x.csv", "dogscats", "msg", submit=False)
    out = capsys.readouterr().out
    assert "generated data" in out and "SUBMIT is False" in out
    assert "kaggle competitions submit -c dogs-vs-cats-redux-kernels-edition" in out


def test_submit_or_show_uploads_real_data_when_asked(monkeypatch):
    calls = []
    monkeypatch.setattr(submissions, "submit_to_kaggle", lambda *a: calls.append(a) or "ok")
    assert utils.submit_or_show("x.csv", "statefarm", "m", submit=True) == "ok" and calls


def test_download_unless_generated_skips_generated_and_reports_failures(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(kaggle, "is_generated", lambda dest: True)
    assert utils.download_unless_generated("dogscats", tmp_path) is False
    assert "skipped" in capsys.readouterr().out

    def refuse(name, dest):
        raise kaggle.KaggleCredentialsError("No Kaggle credentials found.")

    monkeypatch.setattr(kaggle, "is_generated", lambda dest: False)
    monkeypatch.setattr(kaggle, "download", refuse)
    assert utils.download_unless_generated("dogscats", tmp_path) is False
    assert "No Kaggle credentials" in capsys.readouterr().out

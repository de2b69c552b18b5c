import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

from utils.analysis import five_views, image_title, show_confusion_matrix, show_five_views
from utils.provenance import caveat
from utils.scoring import best_clip_level, clip_log_loss_table, clipping_effect, log_loss

CATS_DOGS = ["cats", "dogs"]


@pytest.fixture
def binary_results():
    """10 images: p(dog) per image and the true labels (1 = dog)."""
    dog = np.array([0.99, 0.9, 0.6, 0.51, 0.2, 0.02, 0.7, 0.45, 0.97, 0.1])
    labels = np.array([1, 1, 1, 0, 0, 0, 0, 1, 1, 0])
    return np.stack([1 - dog, dog], axis=1), labels


def test_five_views_pick_the_right_images(binary_results):
    probabilities, labels = binary_results
    views = five_views(probabilities, labels, CATS_DOGS, count=2, seed=0)
    correct = {0, 1, 2, 4, 5, 8, 9}
    assert set(views["correct, at random"]) <= correct and len(views["correct, at random"]) == 2
    assert set(views["incorrect, at random"]) <= {3, 6, 7}
    assert list(views["most confident correct: cats"]) == [5, 9]  # p(cat) 0.98, 0.9
    assert list(views["most confident correct: dogs"]) == [0, 8]  # p(dog) 0.99, 0.97
    assert list(views["most confident wrong: predicted dogs"]) == [6, 3]  # cats called dogs
    assert list(views["most confident wrong: predicted cats"]) == [7]
    assert list(views["most uncertain"]) == [3, 7]  # 0.51, 0.45
    assert len(views) == 7


def test_five_views_accept_binary_probabilities_and_many_classes(binary_results):
    probabilities, labels = binary_results
    same = five_views(probabilities[:, 1], labels, CATS_DOGS, count=2)
    assert list(same["most uncertain"]) == [3, 7]
    rng = np.random.default_rng(0)
    many = rng.dirichlet(np.ones(10), size=50)
    views = five_views(many, rng.integers(0, 10, 50), [f"c{i}" for i in range(10)])
    assert len(views) == 2 + 10 + 10 + 1
    assert all(len(v) <= 4 for v in views.values())


def test_image_titles_show_the_prediction_and_the_truth_when_wrong(binary_results):
    probabilities, labels = binary_results
    assert image_title(0, probabilities, labels, CATS_DOGS) == "dogs 0.99"
    assert image_title(6, probabilities, labels, CATS_DOGS) == "dogs 0.70 (is cats)"


def test_show_five_views_plots_titled_images_from_files(binary_results, tmp_path, capsys):
    probabilities, labels = binary_results
    paths = []
    for i in range(len(labels)):
        paths.append(tmp_path / f"{i}.png")
        Image.fromarray(np.full((6, 8, 3), i * 20, "uint8")).save(paths[-1])
    plt.close("all")
    views = show_five_views(probabilities, labels, CATS_DOGS, paths, count=2, note=caveat(untrained=True))
    figures = [plt.figure(n) for n in plt.get_fignums()]
    assert len(figures) == len(views)  # every view has at least one image here
    titles = [f.get_suptitle() for f in figures]
    assert titles[0] == "correct, at random  [untrained weights]"
    shown = [ax.get_title() for ax in figures[2].axes if ax.images]
    assert shown == ["cats 0.98", "cats 0.90"]
    plt.close("all")


def test_log_loss_matches_scikit_learn(binary_results):
    from sklearn.metrics import log_loss as sklearn_log_loss

    probabilities, labels = binary_results
    assert log_loss(probabilities, labels) == pytest.approx(sklearn_log_loss(labels, probabilities))
    assert log_loss(probabilities[:, 1], labels) == pytest.approx(log_loss(probabilities, labels))


def test_clip_table_has_every_level_and_rewards_clipping_confident_mistakes(capsys):
    labels = np.array([1] * 9 + [0])
    dog = np.array([0.999] * 9 + [0.999])  # one confident mistake
    rows = clip_log_loss_table(dog, labels, note=caveat(untrained=True))
    assert [r["clip"] for r in rows] == ["none", "0.05/0.95", "0.025/0.975", "0.02/0.98"]
    losses = [r["log_loss"] for r in rows]
    assert losses[0] > losses[1] and losses[0] == pytest.approx((9 * -np.log(0.999) - np.log(0.001)) / 10)
    assert losses[1] == pytest.approx((9 * -np.log(0.95) - np.log(0.05)) / 10)
    out = capsys.readouterr().out
    assert "[untrained weights]" in out and "0.02/0.98" in out


def test_clip_table_for_ten_classes_uses_the_multiclass_levels():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 10, 40)
    probabilities = np.full((40, 10), 1e-6)
    probabilities[np.arange(40), labels] = 1.0
    probabilities[0] = np.roll(probabilities[0], 1)  # one sure mistake
    rows = clip_log_loss_table(probabilities, labels)
    assert rows[1]["low"] == pytest.approx(0.05 / 9) and rows[1]["high"] == 0.95
    assert rows[1]["log_loss"] < rows[0]["log_loss"]


def test_clipping_effect_splits_the_change_between_right_and_wrong_answers():
    labels = np.array([1] * 9 + [0, 0])
    dog = np.array([0.999] * 9 + [0.999, 0.6])  # one confident mistake, one unsure one
    effect = clipping_effect(dog, labels, 0.98)
    assert effect["confident_wrong"] == 1 and effect["confident_right"] == 9
    assert effect["saved"] == pytest.approx(-np.log(0.001) + np.log(0.02))
    assert effect["paid"] == pytest.approx(9 * (np.log(0.999) - np.log(0.98)))
    change = log_loss(dog, labels) - log_loss(np.clip(dog, 0.02, 0.98), labels)
    assert (effect["saved"] - effect["paid"]) / len(labels) == pytest.approx(change)


def test_with_only_unsure_mistakes_clipping_costs_and_is_not_chosen(capsys):
    labels = np.array([1] * 9 + [0])
    dog = np.array([0.999] * 9 + [0.6])
    effect = clipping_effect(dog, labels, 0.98)
    assert effect["confident_wrong"] == 0 and effect["saved"] == 0 and effect["paid"] > 0
    assert best_clip_level(clip_log_loss_table(dog, labels)) is None
    confident_mistake = np.array([0.999] * 9 + [0.999])
    assert best_clip_level(clip_log_loss_table(confident_mistake, labels)) is not None


def test_confusion_matrix_counts_true_rows_and_predicted_columns(binary_results):
    probabilities, labels = binary_results
    matrix = show_confusion_matrix(probabilities, labels, CATS_DOGS)
    np.testing.assert_array_equal(matrix, [[3, 2], [1, 4]])
    plt.close("all")

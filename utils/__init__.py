"""The course library: every notebook does `import utils` and calls what it needs.

Names are re-exported lazily from the concept modules (arrays, plotting, data,
kaggle, models, ...) so that `import utils` is fast, has no side effects, and
does not import TensorFlow until a function that needs it is used.
Read any function with `utils.save_array??` in Jupyter.
"""

import importlib
from typing import TYPE_CHECKING

# The one list of exports: editors and static tools follow these imports; at run
# time they never run, and _EXPORTS below is read from them.
if TYPE_CHECKING:
    # config: where things live and how big a run is
    from utils.config import (
        build_root,
        check_floor,
        course_network,
        data_root,
        headline,
        is_quick,
        pick,
        profile,
        repo_root,
        seed_everything,
    )

    # arrays: bcolz persistence and encoding
    from utils.arrays import ArrayWriter, load_array, save_array

    # labels: integers, one-hot rows, scores
    from utils.labels import onehot

    # plotting (the module is not called `plots`, so it can't shadow plots())
    from utils.plotting import (
        animate_line_fit,
        plot_confusion_matrix,
        plot_digit_values,
        plot_history,
        plot_per_class_accuracy,
        plot_predictions_grid,
        plot_top_k,
        plots,
    )

    # provenance: where data and weights came from, and the one wording of the caveat
    from utils.provenance import Caveat, caveat, describe_data, is_generated

    # kaggle: the competitions and their download
    from utils.kaggle import (
        COMPETITIONS,
        KaggleCredentialsError,
        KaggleDownloadError,
        download,
        download_unless_generated,
    )

    # prepare: train/valid/sample folders, made safely
    from utils.prepare import (
        count_images,
        locate,
        prepare_dogscats,
        prepare_statefarm,
        prepared_settings,
        read_driver_list,
        split_at_random,
        split_by_driver,
        summarize,
    )

    # files: the competitions' classes
    from utils.files import STATEFARM_MEANINGS

    # synthetic: generated stand-ins for the Kaggle datasets
    from utils.synthetic import generate_dogscats, generate_statefarm

    # images: reading one image file, real sample photos
    from utils.images import sample_photos, save_sample_photos

    # folders: listing and checking a folder of images
    from utils.folders import get_classes, list_images, rows_of

    # data: images into batches
    from utils.data import augmenter, get_batches, get_data

    # datasets: keras.datasets with offline stand-ins (06-08)
    from utils.datasets import ImageData, load_cifar10, load_mnist
    from utils.synthetic_shapes import make_shape_images

    # scoring: log loss, clipping, per-class accuracy
    from utils.scoring import (
        best_clip_level,
        clip_binary,
        clip_log_loss_table,
        clip_multiclass,
        clipping_effect,
        Comparison,
        compare,
        explain_clipping,
        hardest_class,
        image_log_losses,
        log_loss,
        per_class_accuracy,
    )

    # conv_arithmetic: output sizes and parameter counts, receptive fields
    from utils.conv_arithmetic import conv_output_size, conv_params, dense_params, receptive_field

    # activations: what a network's units respond to (Zeiler & Fergus)
    from utils.activations import show_what_units_see

    # tensorboard_logs: log a run, read its scalars back
    from utils.tensorboard_logs import read_tensorboard_scalars, tensorboard_callback

    # convnets: one MNIST convnet for every Keras backend (06, 09)
    from utils.convnets import mnist_convnet, split_fingerprint, to_channels_last, train_mnist_convnet

    # imagenet: the 1000 class names
    from utils.imagenet import decode_imagenet, imagenet_class_names

    # networks: building the pretrained networks
    from utils.networks import (
        ImageNetWeightsUnavailable,
        build_vgg16,
        changed_layers,
        check_trained_layers,
        resnet50_or_lite0,
        trainable_parameter_count,
        weights_snapshot,
    )

    # layers: our layers, and a standardizing layer for a hand-built head
    from utils.layers import standardization_layer

    # training: fit with a line and a checkpoint per epoch
    from utils.training import load_layer_weights

    # classifier: the lesson's verbs, once for every network
    from utils.classifier import ImageNetClassifier

    # models: the networks the lessons run
    from utils.models import EfficientNetLite0, Vgg16, dtype_policy_for, imagenet_network

    # features: cached features and the head's standardizing statistics
    from utils.features import compute_features, feature_statistics

    # epochs: the one rule for the best epoch
    from utils.epochs import at_epoch, best_epoch

    # sharding: each worker's share, and the shares back in order
    from utils.sharding import shard, shard_batches, unshard

    # analysis: looking at results
    from utils.analysis import (
        confidence_vs_accuracy,
        five_views,
        read_five_views,
        read_learning_curves,
        show_confusion_matrix,
        show_five_views,
    )

    # hardware: what machine this is, the dtype policy that suits it, run-time estimate
    from utils.hardware import (
        check_hardware,
        describe_hardware,
        fastest_dtype_policy,
        recommended_dtype_policy,
    )

    # submissions: Kaggle files
    from utils.submissions import (
        SubmissionError,
        show_download_link,
        submit_or_show,
        submit_to_kaggle,
        write_dogscats_submission,
        write_statefarm_submission,
        write_submission,
    )


def _exports_from_type_checking_block():
    """public name -> module that defines it, read from the imports above (about 1 ms)."""
    import ast
    from pathlib import Path

    tree = ast.parse(Path(__file__).read_text(encoding="utf-8"))
    [block] = [
        node for node in tree.body if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
    ]
    return {alias.name: node.module.removeprefix("utils.") for node in block.body for alias in node.names}


_EXPORTS = _exports_from_type_checking_block()
__all__ = sorted(_EXPORTS)


def __getattr__(name):
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'utils' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"utils.{module_name}"), name)
    globals()[name] = value  # cache: later lookups skip __getattr__
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))

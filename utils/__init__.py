"""The course library: every notebook does `import utils` and calls what it needs.

Names are re-exported lazily from the concept modules (arrays, plotting, data,
kaggle, models, ...) so that `import utils` is fast, has no side effects, and
does not import TensorFlow until a function that needs it is used.
Read any function with `utils.save_array??` in Jupyter.
"""

import importlib
from typing import TYPE_CHECKING

# public name -> module that defines it
_EXPORTS = {
    # config: where things live and how big a run is
    "profile": "config",
    "is_quick": "config",
    "course_network": "config",
    "pick": "config",
    "repo_root": "config",
    "data_root": "config",
    "build_root": "config",
    "headline": "config",
    "check_floor": "config",
    "seed_everything": "config",
    # arrays: bcolz persistence and encoding
    "save_array": "arrays",
    "load_array": "arrays",
    "ArrayWriter": "arrays",
    # labels: integers, one-hot rows, scores
    "onehot": "labels",
    # plotting (the module is not called `plots`, so it can't shadow plots())
    "plots": "plotting",
    "plot_confusion_matrix": "plotting",
    "animate_line_fit": "plotting",
    "plot_history": "plotting",
    "plot_digit_values": "plotting",
    "plot_predictions_grid": "plotting",
    "plot_top_k": "plotting",
    "plot_per_class_accuracy": "plotting",
    # provenance: where data and weights came from, and the one wording of the caveat
    "is_generated": "provenance",
    "describe_data": "provenance",
    "Caveat": "provenance",
    "caveat": "provenance",
    # kaggle: the competitions and their download
    "COMPETITIONS": "kaggle",
    "download": "kaggle",
    "KaggleDownloadError": "kaggle",
    "KaggleCredentialsError": "kaggle",
    "download_unless_generated": "kaggle",
    # prepare: train/valid/sample folders, made safely
    "prepare_dogscats": "prepare",
    "prepare_statefarm": "prepare",
    "count_images": "prepare",
    "summarize": "prepare",
    "prepared_settings": "prepare",
    "read_driver_list": "prepare",
    "split_by_driver": "prepare",
    "split_at_random": "prepare",
    "locate": "prepare",
    # files: the competitions' classes
    "STATEFARM_MEANINGS": "files",
    # synthetic: generated stand-ins for the Kaggle datasets
    "generate_dogscats": "synthetic",
    "generate_statefarm": "synthetic",
    # images: reading one image file, real sample photos
    "sample_photos": "images",
    "save_sample_photos": "images",
    # folders: listing and checking a folder of images
    "list_images": "folders",
    "get_classes": "folders",
    # data: images into batches
    "get_batches": "data",
    "get_data": "data",
    "augmenter": "data",
    # datasets: keras.datasets with offline stand-ins (06-08)
    "ImageData": "datasets",
    "load_mnist": "datasets",
    "load_cifar10": "datasets",
    "make_shape_images": "synthetic_shapes",
    # scoring: log loss, clipping, per-class accuracy
    "log_loss": "scoring",
    "clip_binary": "scoring",
    "clip_multiclass": "scoring",
    "clip_log_loss_table": "scoring",
    "best_clip_level": "scoring",
    "clipping_effect": "scoring",
    "per_class_accuracy": "scoring",
    "compare": "scoring",
    "Comparison": "scoring",
    "image_log_losses": "scoring",
    "explain_clipping": "scoring",
    # conv_arithmetic: output sizes and parameter counts
    "conv_output_size": "conv_arithmetic",
    "conv_params": "conv_arithmetic",
    "dense_params": "conv_arithmetic",
    # tensorboard_logs: log a run, read its scalars back
    "tensorboard_callback": "tensorboard_logs",
    "read_tensorboard_scalars": "tensorboard_logs",
    # convnets: one MNIST convnet for every Keras backend (06, 09)
    "mnist_convnet": "convnets",
    "train_mnist_convnet": "convnets",
    "split_fingerprint": "convnets",
    "to_channels_last": "convnets",
    # imagenet: the 1000 class names
    "imagenet_class_names": "imagenet",
    "decode_imagenet": "imagenet",
    # networks: building the pretrained networks
    "build_vgg16": "networks",
    "ImageNetWeightsUnavailable": "networks",
    "pretrained_or_untrained": "networks",
    "trainable_parameter_count": "networks",
    "dtype_policy_for": "models",
    # layers: our layers, and a standardizing layer for a hand-built head
    "standardization_layer": "layers",
    # training: fit with a line and a checkpoint per epoch
    "load_layer_weights": "training",
    # classifier: the lesson's verbs, once for every network
    "ImageNetClassifier": "classifier",
    # models: the networks the lessons run
    "Vgg16": "models",
    "EfficientNetLite0": "models",
    "imagenet_network": "models",
    # features: cached features and the head's standardizing statistics
    "compute_features": "features",
    "feature_statistics": "features",
    # epochs: the one rule for the best epoch
    "best_epoch": "epochs",
    "at_epoch": "epochs",
    # sharding: each worker's share, and the shares back in order
    "shard": "sharding",
    "unshard": "sharding",
    "shard_batches": "sharding",
    # analysis: looking at results
    "five_views": "analysis",
    "show_five_views": "analysis",
    "show_confusion_matrix": "analysis",
    "read_learning_curves": "analysis",
    "confidence_vs_accuracy": "analysis",
    "read_five_views": "analysis",
    # submissions: Kaggle files
    "write_dogscats_submission": "submissions",
    "write_statefarm_submission": "submissions",
    "write_submission": "submissions",
    "submit_to_kaggle": "submissions",
    "show_download_link": "submissions",
    "submit_or_show": "submissions",
    "SubmissionError": "submissions",
    # hardware: what machine this is, the dtype policy that suits it, run-time estimate
    "describe_hardware": "hardware",
    "recommended_dtype_policy": "hardware",
    "fastest_dtype_policy": "hardware",
    "check_hardware": "hardware",
}

if TYPE_CHECKING:  # lets editors and static tools follow each name; never runs
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
    from utils.arrays import ArrayWriter, load_array, save_array
    from utils.labels import onehot
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
    from utils.provenance import Caveat, caveat, describe_data, is_generated
    from utils.kaggle import (
        COMPETITIONS,
        KaggleCredentialsError,
        KaggleDownloadError,
        download,
        download_unless_generated,
    )
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
    from utils.files import STATEFARM_MEANINGS
    from utils.synthetic import generate_dogscats, generate_statefarm
    from utils.images import sample_photos, save_sample_photos
    from utils.folders import get_classes, list_images
    from utils.data import augmenter, get_batches, get_data
    from utils.datasets import ImageData, load_cifar10, load_mnist
    from utils.synthetic_shapes import make_shape_images
    from utils.scoring import (
        best_clip_level,
        clip_binary,
        clip_log_loss_table,
        clip_multiclass,
        clipping_effect,
        Comparison,
        compare,
        explain_clipping,
        image_log_losses,
        log_loss,
        per_class_accuracy,
    )
    from utils.conv_arithmetic import conv_output_size, conv_params, dense_params
    from utils.tensorboard_logs import read_tensorboard_scalars, tensorboard_callback
    from utils.convnets import mnist_convnet, split_fingerprint, to_channels_last, train_mnist_convnet
    from utils.imagenet import decode_imagenet, imagenet_class_names
    from utils.networks import (
        ImageNetWeightsUnavailable,
        build_vgg16,
        pretrained_or_untrained,
        trainable_parameter_count,
    )
    from utils.layers import standardization_layer
    from utils.training import load_layer_weights
    from utils.classifier import ImageNetClassifier
    from utils.models import EfficientNetLite0, Vgg16, dtype_policy_for, imagenet_network
    from utils.features import compute_features, feature_statistics
    from utils.epochs import at_epoch, best_epoch
    from utils.sharding import shard, shard_batches, unshard
    from utils.analysis import (
        confidence_vs_accuracy,
        five_views,
        read_five_views,
        read_learning_curves,
        show_confusion_matrix,
        show_five_views,
    )
    from utils.hardware import (
        check_hardware,
        describe_hardware,
        fastest_dtype_policy,
        recommended_dtype_policy,
    )
    from utils.submissions import (
        SubmissionError,
        show_download_link,
        submit_or_show,
        submit_to_kaggle,
        write_dogscats_submission,
        write_statefarm_submission,
        write_submission,
    )

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

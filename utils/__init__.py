"""The course library: every notebook does `import utils` and calls what it needs.

Names are re-exported lazily from the concept modules (arrays, plotting, data,
kaggle, models, ...) so that `import utils` is fast, has no side effects, and
does not import TensorFlow until a function that needs it is used.
Read any function with `utils.save_array??` in Jupyter.
"""
import importlib

# public name -> module that defines it
_EXPORTS = {
    # config: where things live and how big a run is
    "profile": "config", "is_quick": "config", "pick": "config",
    "repo_root": "config", "data_root": "config", "build_root": "config",
    "headline": "config", "seed_everything": "config",
    # arrays: bcolz persistence and encoding
    "save_array": "arrays", "load_array": "arrays", "ArrayWriter": "arrays",
    "onehot": "arrays",
    # plotting (the module is not called `plots`, so it can't shadow plots())
    "plots": "plotting", "plot_confusion_matrix": "plotting",
    "animate_line_fit": "plotting", "plot_history": "plotting",
    # data layer: Kaggle download, preparation, generated samples, input pipeline
    "COMPETITIONS": "kaggle", "download": "kaggle",
    "prepare_dogscats": "prepare", "prepare_statefarm": "prepare", "count_images": "prepare",
    "read_driver_list": "prepare", "split_by_driver": "prepare", "split_at_random": "prepare",
    "generate_dogscats": "samples", "generate_statefarm": "samples",
    "is_generated": "samples", "describe_data": "samples",
    "get_batches": "data", "get_data": "data", "get_classes": "data", "list_images": "data",
    # datasets, metrics, more plots: keras datasets with offline stand-ins (06-08)
    "ImageData": "datasets", "load_mnist": "datasets", "load_cifar10": "datasets",
    "make_shape_images": "datasets",
    "per_class_accuracy": "metrics", "conv_output_size": "metrics", "conv_params": "metrics",
    "dense_params": "metrics",
    "mnist_convnet": "convnets", "train_mnist_convnet": "convnets",
    "split_fingerprint": "convnets", "to_channels_last": "convnets",
    "tensorboard_callback": "metrics", "read_tensorboard_scalars": "metrics",
    "plot_digit_values": "plotting", "plot_predictions_grid": "plotting",
    "plot_top_k": "plotting", "plot_per_class_accuracy": "plotting",
    # models layer (lessons 1-2): VGG16, fine-tuning, cached features, ImageNet names,
    # looking at results, Kaggle submissions
    "Vgg16": "models", "build_vgg16": "models", "ImageNetWeightsUnavailable": "models",
    "imagenet_class_names": "imagenet", "decode_imagenet": "imagenet",
    "five_views": "analysis", "show_five_views": "analysis",
    "show_confusion_matrix": "analysis", "clip_log_loss_table": "analysis",
    "log_loss": "analysis",
    "clip_binary": "submissions", "clip_multiclass": "submissions",
    "write_dogscats_submission": "submissions", "write_statefarm_submission": "submissions",
    "write_submission": "submissions", "submit_to_kaggle": "submissions",
    "show_download_link": "submissions", "SubmissionError": "submissions",
}

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


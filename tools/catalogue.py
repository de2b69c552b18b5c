"""The course's table of contents: one entry per notebook, in order.

The header tool, the notebook runner and the index page all read this list,
so a notebook's title, goals and run time are written in one place.
"""
from dataclasses import dataclass

# The public repository the Colab badges and the Colab set-up cell point at.
# Forks change this line and run `make headers`.
GITHUB_REPO = "fastai-dl1-keras3/course"
BRANCH = "main"

# What a fresh Colab runtime lacks: module to check -> pinned pip requirement.
# torch (notebook 09) is not listed: Colab ships its own CUDA build, which must stay.
COLAB_PACKAGES = {"bcolz": "bcolz-zipline==1.13.0", "keras": "keras>=3.15", "tqdm": "tqdm"}


@dataclass(frozen=True)
class Notebook:
    file: str
    title: str
    learn: tuple
    cpu_minutes: int
    gpu_minutes: int


NOTEBOOKS = (
    Notebook("01_lesson1.ipynb", "Lesson 1: Dogs vs Cats with VGG16 in seven lines",
             ("what a pretrained convnet predicts and how to read its ImageNet classes",
              "the seven lines that fine-tune VGG16 to a new task",
              "what fine-tuning changes in the network, and how to save it"), 30, 5),
    Notebook("02_dogs_cats_redux.ipynb", "Dogs vs Cats Redux: from download to Kaggle submission",
             ("download a competition with the Kaggle API and split it safely",
              "fine-tune for several epochs with checkpoints and a learning-rate drop",
              "why log loss punishes confident mistakes, and how clipping helps",
              "write, check and submit a submission file; read the model's mistakes"), 60, 10),
    Notebook("03_statefarm.ipynb", "State Farm: ten classes and a validation set split by driver",
             ("why validation must hold out whole drivers",
              "a dense head on cached convolutional features",
              "multi-class clipping and the img,c0..c9 submission"), 60, 10),
    Notebook("04_sgd_intro.ipynb", "SGD from scratch: fitting a line by gradient descent",
             ("the squared-error loss and its derivatives for a line",
              "the gradient-descent update rule and the learning rate",
              "why deep networks need careful initialisation, and what ReLU adds"), 1, 1),
    Notebook("05_lesson2.ipynb", "Lesson 2: linear models, cached features and fine-tuning",
             ("a Keras linear model fitted by SGD",
              "a linear model on VGG16's ImageNet predictions",
              "fine-tuning by replacing the last layer, then training more layers"), 30, 5),
    Notebook("06_mnist_convnets.ipynb", "MNIST convnets with the Sequential and Functional APIs",
             ("convolution arithmetic: output sizes and parameter counts",
              "one convnet written with the Sequential and the Functional API",
              "reading per-class accuracy and a grid of predictions"), 15, 2),
    Notebook("07_cifar10_convnet.ipynb", "A CIFAR-10 convnet with TensorBoard",
             ("batch normalisation, dropout and max-norm in a convnet",
              "logging a run to TensorBoard and reading its curves",
              "saving a model as .keras and checking it loads identically"), 60, 8),
    Notebook("08_transfer_learning_resnet50.ipynb", "Transfer learning with ResNet50",
             ("top-5 ImageNet predictions with class names",
              "training a new head on a frozen base",
              "unfreezing the top block with a low learning rate"), 30, 5),
    Notebook("09_mnist_pytorch.ipynb", "The MNIST convnet in PyTorch, beside Keras",
             ("notebook 06's convnet as a PyTorch nn.Module, fed by a Dataset and DataLoader",
              "a hand-written training loop: train/eval modes, no_grad, keeping the best epoch",
              "one Keras model on the TensorFlow and the PyTorch backend, compared in one table"),
             45, 3),  # three trainings of 06's network (15 min on a CPU each)
)


def by_file(name):
    for notebook in NOTEBOOKS:
        if notebook.file == name:
            return notebook
    raise KeyError(f"{name} is not in tools/catalogue.py")

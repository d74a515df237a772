"""Data to train on: built-in toy sets, generated digits and loaders for files.

* :mod:`.toy`     — circle, xor, two_gaussians, spiral, noisy_line; ``TOY_DATASETS``
* :mod:`.digits`  — ``digits(n, seed)``: MNIST-like 28×28 digits drawn on the fly
* :mod:`.idx`     — ``load_idx``, ``save_idx``, ``load_mnist_folder`` (MNIST, Fashion-MNIST)
* :mod:`.image_folder` — ``load_image_folder``: one subfolder of image files per class
* :mod:`.tabular` — ``load_csv``: a CSV file with a header, numeric features and a target
* :mod:`.splits`  — ``train_val_test_split``, ``standardize`` / ``Standardizer``
"""
from .digits import digits
from .image_folder import ImageFolderData, load_image_folder, read_image
from .idx import MnistData, load_idx, load_mnist_folder, save_idx
from .splits import Split, Standardizer, standardize, train_val_test_split
from .tabular import TabularData, load_csv
from .toy import TOY_DATASETS, ToyDataset, ToyParam, circle, noisy_line, spiral, two_gaussians, xor

__all__ = ["digits", "TOY_DATASETS", "ToyDataset", "ToyParam",
           "circle", "xor", "two_gaussians", "spiral", "noisy_line",
           "load_idx", "save_idx", "load_mnist_folder", "MnistData",
           "load_image_folder", "read_image", "ImageFolderData", "load_csv", "TabularData",
           "train_val_test_split", "Split", "standardize", "Standardizer"]

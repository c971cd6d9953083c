"""dlcore: the numpy kernels behind the neural-network fundamentals book.

This module is the public API and holds no logic. Importing it loads the numeric layers
only (``nn``, ``train``, ``data``: numpy); figures live in ``dlcore.viz`` (matplotlib),
panels in ``dlcore.ui`` (ipywidgets) and each chapter's own code in ``dlcore.chapters``.
"""
from .data import datasets
from .data.preprocessing import one_hot, range_normalize
from .nn import activations, conv, initializers, losses, lstm, pooling, recurrent
from .nn.activations import softmax
from .nn.conv import Conv2D, Flatten
from .nn.gradcheck import gradcheck, numerical_gradients
from .nn.layers import Dense, Dropout, Layer
from .nn.lstm import LSTM
from .nn.metrics import accuracy
from .nn.network import Grads, Network, Trace
from .nn.pooling import AvgPool2D, MaxPool2D
from .nn.recurrent import SimpleRNN
from .teaching import tutor
from .train import optim
from .train.fit import fit
from .train.optim import SGD
from .train.record import Recorder, Snapshot
from .train.stopping import History

__version__ = "0.2.0"

__all__ = ["activations", "conv", "datasets", "tutor", "initializers", "losses", "lstm", "optim",
           "pooling", "recurrent", "softmax", "gradcheck", "numerical_gradients", "accuracy",
           "Dense", "Dropout", "Layer", "Conv2D", "Flatten", "MaxPool2D", "AvgPool2D",
           "SimpleRNN", "LSTM", "Grads", "Network", "Trace", "SGD", "one_hot",
           "range_normalize", "Recorder", "Snapshot", "History", "fit"]

"""dlcore: the numpy kernels behind the neural-network fundamentals book.

The numeric core (everything imported here) depends on numpy only; plots live in
``dlcore.plots`` (matplotlib) and interactive panels in ``dlcore.widgets`` (ipywidgets).
"""
from . import activations, datasets, initializers, losses, optim
from .activations import softmax
from .gradcheck import gradcheck, numerical_gradients
from .layers import Dense, Dropout, Layer
from .network import Grads, Network, Trace
from .optim import SGD
from .preprocessing import one_hot, range_normalize
from .record import Recorder, Snapshot
from .train import History, fit

__version__ = "0.1.0"

__all__ = ["activations", "datasets", "initializers", "losses", "optim", "softmax",
           "gradcheck", "numerical_gradients", "Dense", "Dropout", "Layer", "Recorder", "Snapshot", "Grads", "Network", "Trace",
           "SGD", "one_hot", "range_normalize", "History", "fit"]

# Convolutional and recurrent layers (chapters 14-16)
from . import conv, lstm, pooling, recurrent  # noqa: E402
from .conv import Conv2D, Flatten  # noqa: E402
from .lstm import LSTM  # noqa: E402
from .pooling import AvgPool2D, MaxPool2D  # noqa: E402
from .recurrent import SimpleRNN  # noqa: E402

__all__ += ["conv", "lstm", "pooling", "recurrent", "Conv2D", "Flatten", "MaxPool2D",
            "AvgPool2D", "SimpleRNN", "LSTM"]

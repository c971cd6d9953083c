# JupyterLab configuration installed into the virtual environment by site/lab/install.py
# (`make lab` runs it): workspaces live inside the environment, where install.py has put
# the book's default workspace (a file browser wide enough for every chapter's name).
import os
import sys

c.LabApp.workspaces_dir = os.path.join(sys.prefix, "share", "jupyter", "lab", "workspaces")  # noqa: F821

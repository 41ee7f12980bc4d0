"""classify: sort and brief Turkish news about social services.

Stages (each a module, each a CLI command):
read (``classify.io``) -> parse (``classify.articles``) -> label (``classify.labeling``)
-> dataset (``classify.dataset``) -> train/evaluate/predict (``classify.models``, ``classify.evaluation``,
``classify.predict``) -> summarize (``classify.summarize``) -> publish (``classify.hub``).
"""

__version__ = "0.1.0"

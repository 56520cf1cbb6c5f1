"""The oracle's block families, one module per family (or per small group of related ones). Every
module in this folder is imported here, so a new file registers its families without being listed
anywhere."""
import importlib
import pkgutil

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    importlib.import_module("." + _info.name, __name__)

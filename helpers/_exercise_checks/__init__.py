"""The book's own exercise checks: one module per chapter, ``chNN_<topic>.py``.

Every module in this package is imported when the first check runs, so a new
chapter's checks need no registration beyond their ``@exercise`` decorators.
"""

import importlib
import pkgutil

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("ch")):
    importlib.import_module(f"{__name__}.{_module}")

"""Typed contracts between the layers: what one layer hands another, and nothing else.

Every layer may import this package; it imports only :mod:`wattprint.errors` and the standard library
(dataclasses, no pydantic), so it stays light. Modules:

* :mod:`~wattprint.contracts.registry`: :class:`Registry` (names, aliases, one normalisation, public
  lookup and iteration, entry points) for the task catalogue.
* :mod:`~wattprint.contracts.meters`: :class:`MeterDescription`, what ``Meter.describe()`` returns.
"""

"""The version of NEURON that Patch runs on, comparable with plain strings:
``get_neuron_version() >= "9.0"``. (nrn-patch 8's ``patch.version``; glia uses it.)"""

import re

import packaging.version

__all__ = ["NeuronVersion", "get_neuron_version"]

# The release part of a NEURON version: "9.0.2", or "9.0a" of "9.0a-1422-g8b0b34549".
_RELEASE = re.compile(r"\d+(\.\d+)*([ab]\d*)?")


class NeuronVersion(packaging.version.Version):
    """A NEURON version. ``full_version`` is what NEURON reports, ``semantic_version``
    the release part compared by ``<``, ``==``, ... (also against strings)."""

    def __init__(self, version: str | None = None):
        if version is None:
            import neuron

            version = str(neuron.__version__)
        release = _RELEASE.match(version)
        if release is None:
            raise packaging.version.InvalidVersion(f"not a NEURON version: {version!r}")
        self.full_version = version
        self.semantic_version = release.group(0)
        super().__init__(self.semantic_version)

    def _compare(self, other, compare):
        if isinstance(other, str):
            other = packaging.version.Version(other)
        return compare(packaging.version.Version(str(self)), other)

    def __lt__(self, other):
        return self._compare(other, lambda a, b: a < b)

    def __le__(self, other):
        return self._compare(other, lambda a, b: a <= b)

    def __gt__(self, other):
        return self._compare(other, lambda a, b: a > b)

    def __ge__(self, other):
        return self._compare(other, lambda a, b: a >= b)

    def __eq__(self, other):
        return self._compare(other, lambda a, b: a == b)

    def __ne__(self, other):
        return self._compare(other, lambda a, b: a != b)

    def __hash__(self):
        return super().__hash__()


def get_neuron_version() -> NeuronVersion:
    """The version of the NEURON that is installed."""
    return NeuronVersion()

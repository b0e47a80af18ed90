"""Patch's NMODL mechanisms as a glia package (``glia.package`` entry point), as nrn-patch
8 provided them: glia users (BSB, arborize) find ``VecStim`` under the same name,
``glia__patch_extensions__VecStim__0``. Only glia imports this module; Patch itself
compiles its mechanisms without glia (``p.VecStim``)."""

from pathlib import Path

from glia import Mod, Package

__all__ = ["package"]

package = Package(
    "patch_extensions",
    Path(__file__).resolve().parent,
    mods=[Mod("mod/VecStim.mod", "VecStim", variant="0", is_artificial_cell=True)],
)

"""The bad-input table: each public call, each kind of bad input, and the exception users
get. tests/test_bad_inputs.py asserts every row against real NEURON, and
docs/bad-inputs.md is generated from it: `python tests/support/bad_inputs.py > docs/bad-inputs.md`.
"""

from dataclasses import dataclass

# Made fresh for every row: a section with hh, its middle segment, a synapse on it, a
# NetStim, and a section deleted through plain NEURON (with a segment and a synapse on it);
# `swc(text)` writes an SWC file, and `cell` is built from one.
SETUP = """
import os, tempfile
def swc(text):
    handle, path = tempfile.mkstemp(suffix=".swc")
    os.write(handle, text.encode())
    os.close(handle)
    return path
cell = p.load_morphology(swc("1 1 0 0 0 5 -1\\n2 3 0 9 0 1 1\\n3 3 0 30 0 1 2\\n")).instantiate()
s = p.Section(name="soma")
s.insert("hh")
seg = s(0.5)
syn = p.ExpSyn(s)
stim = p.NetStim()
gone = p.Section(name="gone")
gone_segment = gone(0.5)
gone_synapse = p.ExpSyn(gone)
h.delete_section(sec=gone.__neuron__())
"""


@dataclass(frozen=True)
class BadInput:
    call: str
    kind: str
    code: str
    exception: str


def rows(call, exception, **kinds):
    return [BadInput(call, kind, code, exception) for kind, code in kinds.items()]


BAD_INPUTS = [
    # The interpreter
    *rows("p.<name>", "AttributeError", **{"a typo": "p.celcius = 37", "unknown name": "p.nosuch"}),
    *rows(
        "p(code)",
        "HocError",
        **{"HOC syntax error": 'p("x = = 1")', "undefined function": 'p("nosuch_function()")'},
    ),
    *rows("p(code)", "TypeError", **{"not a string": "p(42)"}),
    # Sections
    *rows("p.Section", "TypeError", **{"a number as name": "p.Section(name=3)"}),
    *rows(
        "section.L, .diam, .Ra",
        "ValueError",
        **{
            "zero": "s.L = 0",
            "negative": "s.diam = -1",
            "NaN": "s.Ra = float('nan')",
            "infinite": "s.L = float('inf')",
        },
    ),
    *rows("section.L", "TypeError", **{"a string": "s.L = 'long'"}),
    *rows(
        "section.nseg",
        "ValueError",
        **{"zero": "s.nseg = 0", "a fraction": "s.nseg = 2.5", "huge": "s.nseg = 10**9"},
    ),
    *rows(
        "section.<name> = value",
        "AttributeError",
        **{"a typo of a NEURON name": "s.nseq = 5", "a swapped letter": "s.daim = 2"},
    ),
    *rows(
        "section(x)",
        "ValueError",
        **{"x above 1": "s(1.5)", "x below 0": "s(-0.1)", "NaN": "s(float('nan'))"},
    ),
    *rows("section(x)", "TypeError", **{"a string": "s('middle')"}),
    *rows(
        "section.insert",
        "ValueError",
        **{
            "unknown mechanism": "s.insert('nosuch')",
            "a typo": "s.insert('hhh')",
            "a point process": "s.insert('ExpSyn')",
        },
    ),
    *rows(
        "mechanisms and their variables",
        "AttributeError",
        **{
            "a typo of a mechanism variable": "seg.hh.gnabr = 0.2",
            "a typo of a suffixed name": "s.gnabar_hhh = 0.2",
            "a mechanism not inserted": "seg.pas",
            "its variable on a segment": "seg.g_pas",
            "its variable on a section": "s.g_pas = 0.001",
            "a pointer to it": "p.Vector().record(seg._ref_i_pas)",
        },
    ),
    *rows("Class.many", "AttributeError", **{"a typo of a parameter": "p.ExpSyn.many([s], tua=2)"}),
    *rows("section.insert", "TypeError", **{"a number": "s.insert(3)"}),
    *rows("section.connect", "HocConnectError", **{"to itself": "s.connect(s(0.5))"}),
    *rows(
        "section.connect",
        "TypeError",
        **{"a number": "s.connect(3)", "a point process": "s.connect(syn)"},
    ),
    *rows(
        "section.set_dimensions",
        "ValueError",
        **{
            "negative length": "s.set_dimensions(-1, 1)",
            "NaN diameter": "s.set_dimensions(1, float('nan'))",
        },
    ),
    *rows(
        "section.set_segments",
        "ValueError",
        **{"zero": "s.set_segments(0)", "negative": "s.set_segments(-3)"},
    ),
    *rows(
        "section.add_3d",
        "ValueError",
        **{
            "not (n, 3)": "s.add_3d([[0, 0], [1, 1]])",
            "wrong number of diameters": "s.add_3d([[0, 0, 0], [1, 1, 1]], [1, 2, 3])",
        },
    ),
    *rows("section.pop", "HocSectionAccessError", **{"not pushed": "s.pop()"}),
    *rows("section.record", "ValueError", **{"x above 1": "s.record(2)"}),
    *rows(
        "section.iclamp",
        "ValueError",
        **{
            "x above 1": "s.iclamp(x=3)",
            "NEURON's order (delay, duration, amplitude)": "s.iclamp(5, 30, 0.3)",
            "the amplitude in the delay's place": "s.iclamp(0.5, 0.3, 5, 30)",
        },
    ),
    *rows("section.iclamp", "TypeError", **{"dur and duration": "s.iclamp(duration=3, dur=3)"}),
    *rows("section.iclamp", "TypeError", **{"unknown keyword": "s.iclamp(amplitdue=1)"}),
    *rows(
        "section.vclamp", "ValueError", **{"wrong number of voltages": "s.vclamp(voltage=[1, 2])"}
    ),
    *rows(
        "section.synapse", "HocError", **{"a class that is no point process": "s.synapse(p.Vector)"}
    ),
    # Point processes
    *rows(
        "p.ExpSyn and other point processes",
        "TypeError",
        **{
            "a vector as location": "p.ExpSyn(p.Vector())",
            "extra positional arguments": "p.ExpSyn(s, 0.3)",
        },
    ),
    *rows(
        "p.ExpSyn and other point processes",
        "ValueError",
        **{"x above 1": "p.ExpSyn(s, x=2)", "a number outside 0..1 as location": "p.ExpSyn(3)"},
    ),
    *rows(
        "point_process.<name>",
        "AttributeError",
        **{"a typo": "syn.taux", "a typo, set": "syn.tua = 3"},
    ),
    *rows("p.IClamp", "AttributeError", **{"unknown keyword": "p.IClamp(s, amplitdue=1)"}),
    *rows("p.<PointProcess>.many", "ValueError", **{"negative count": "p.ExpSyn.many(-1)"}),
    *rows(
        "p.<PointProcess>.many",
        "AttributeError",
        **{"unknown parameter": "p.ExpSyn.many([seg], tua=1)"},
    ),
    *rows("p.VecStim", "TypeError", **{"not numbers": "p.VecStim(pattern=['a'])"}),
    *rows(
        "p.VecStim",
        "ValueError",
        **{
            "NaN time": "p.VecStim(pattern=[float('nan')])",
            "negative time": "p.VecStim(pattern=[-1.0])",
            "times out of order": "p.VecStim(pattern=[3.0, 1.0])",
        },
    ),
    # Connections
    *rows(
        "p.NetCon",
        "HocConnectError",
        **{"a number as target": "p.NetCon(stim, 3)", "a section as target": "p.NetCon(stim, s)"},
    ),
    *rows("p.NetCon", "HocConnectError", **{"a string as source": "p.NetCon('soma', syn)"}),
    *rows(
        "p.NetCon",
        "ConnectionError",
        **{
            "a NEURON pointer outside the accessed section, without sec": (
                "s.push(); p.Section(name='elsewhere').push()\n"
                "try: p.NetCon(seg.__neuron__()._ref_v, syn)\n"
                "finally: p.pop_section(); p.pop_section()"
            )
        },
    ),
    *rows(
        "p.NetCon", "TypeError", **{"threshold given twice": "p.NetCon(s, syn, -10, threshold=0)"}
    ),
    *rows("p.NetCon", "ValueError", **{"too many weights": "p.NetCon(stim, syn, weight=[1, 2])"}),
    *rows(
        "p.NetCon",
        "HocConnectError",
        **{
            "NaN delay": "p.NetCon(stim, syn, delay=float('nan'))",
            "negative delay": "p.NetCon(stim, syn, delay=-1)",
        },
    ),
    *rows(
        "point_process.<name> = value, p.<name> = value, vector[i] = value",
        "TypeError",
        **{
            "a string for a number": "stim.interval = 'often'",
            "a string for a global": "p.celsius = 'hot'",
            "a string for an element": "p.Vector(3)[0] = 'x'",
        },
    ),
    *rows(
        "netcon.delay",
        "ValueError",
        **{
            "negative": "p.NetCon(stim, syn).delay = -1",
            "NaN": "p.NetCon(stim, syn).delay = float('nan')",
        },
    ),
    *rows(
        "collection.stimulate",
        "ValueError",
        **{
            "negative delay": "p.ExpSyn.many([s]).stimulate(delay=-1)",
            "weights do not fit": "p.ExpSyn.many([s]).stimulate(weight=[1, 2])",
        },
    ),
    *rows(
        "collection.stimulate",
        "AttributeError",
        **{"a typo": "p.ExpSyn.many([s]).stimulate(intervl=3)"},
    ),
    *rows(
        "collection.stimulate",
        "HocConnectError",
        **{"not a target": "p.IClamp.many([s]).stimulate()"},
    ),
    *rows(
        "p.NetCons",
        "ValueError",
        **{
            "lengths differ": "p.NetCons([stim, stim], [syn])",
            "weights do not fit": "p.NetCons([stim], [syn], weight=[1, 2])",
        },
    ),
    *rows("p.NetCons", "TypeError", **{"a number as target": "p.NetCons([stim], [3])"}),
    *rows(
        "p.NetCon, p.NetCons",
        "HocConnectError",
        **{
            "a target without NET_RECEIVE": "p.NetCon(s, p.IClamp(s))",
            "a target whose section was deleted": "p.NetCon(stim, gone_synapse)",
            "a source whose section was deleted": "p.NetCon(gone_synapse, syn)",
            "a target without NET_RECEIVE, in bulk": "p.NetCons([s], [p.IClamp(s)])",
        },
    ),
    *rows(
        "patch.connection",
        "NotConnectedError",
        **{"never connected": "patch.connection(stim, syn)"},
    ),
    *rows(
        "patch.assert_connectable",
        "NotConnectableError",
        **{"a number": "patch.assert_connectable(3)"},
    ),
    *rows(
        "p.ParallelCon",
        "ParallelConnectError",
        **{
            "two GIDs": "p.ParallelCon(1, 2)",
            "no GID": "p.ParallelCon(stim, syn)",
            "negative GID": "p.ParallelCon(stim, -1)",
        },
    ),
    # Recording
    *rows(
        "p.record, Vector.record",
        "HocRecordError",
        **{"a number": "p.record(3)", "a string": "p.Vector().record('v')"},
    ),
    # Running
    *rows(
        "p.run",
        "ValueError",
        **{"negative duration": "p.run(-5)", "NaN duration": "p.run(float('nan'))"},
    ),
    *rows(
        "p.run(engine=, threads=)",
        "ValueError",
        **{
            "an unknown engine": "p.run(1, engine='nest')",
            "zero threads": "p.run(1, threads=0)",
            "a fraction of threads": "p.run(1, threads=1.5)",
        },
    ),
    *rows(
        "p.run(engine=, threads=)",
        "EngineError",
        **{
            "CoreNEURON with a NetCon watching a section without a GID": (
                "c = p.NetCon(s, syn, delay=1); p.run(1, engine='coreneuron')"
            ),
            "threads with a NetCon delay of 0": (
                "c = p.NetCon(p.NetStim(), syn, delay=0); p.run(1, threads=2)"
            ),
        },
    ),
    *rows(
        "p.parallel.thread_busywait",
        "ParallelError",
        **{
            "turned on (NEURON 9 aborts at the next run on threads)": (
                "p.parallel.thread_busywait(1)"
            )
        },
    ),
    *rows("p.finitialize", "TypeError", **{"a string": "p.finitialize('rest')"}),
    *rows(
        "p.run, p.finitialize",
        "HocSectionAccessError",
        **{
            "a NetCon from a point process whose section was deleted since": (
                "c = p.NetCon(syn, p.ExpSyn(p.Section(name='u'))); "
                "h.delete_section(sec=s.__neuron__()); p.run(1)"
            ),
        },
    ),
    *rows(
        "p.continuerun, p.fadvance",
        "HocSectionAccessError",
        **{
            "a NetCon from a point process whose section was deleted since": (
                "c = p.NetCon(syn, p.ExpSyn(p.Section(name='u'))); p.finitialize(); "
                "h.delete_section(sec=s.__neuron__()); p.continuerun(1)"
            ),
        },
    ),
    *rows("p.finitialize", "ValueError", **{"NaN": "p.finitialize(float('nan'))"}),
    *rows("p.continuerun", "ValueError", **{"infinite time": "p.continuerun(float('inf'))"}),
    *rows(
        "p.continuerun",
        "UninitializedError",
        **{"a NetStim freed since finitialize": "p.finitialize(); del stim; p.continuerun(5)"},
    ),
    *rows(
        "p.load_mechanisms",
        "FileNotFoundError",
        **{"a missing folder": "p.load_mechanisms('/nonexistent/mechanisms')"},
    ),
    *rows(
        "p.parallel.broadcast",
        "BroadcastError",
        **{
            "not picklable": "p.parallel.broadcast(lambda: 1)",
            "a root that does not exist": "p.parallel.broadcast(1, root=5)",
        },
    ),
    # Objects whose section NEURON deleted (h.delete_section)
    *rows(
        "a section deleted through neuron.h",
        "DeletedSectionError",
        **{
            "read an attribute": "gone.L",
            "set an attribute": "gone.L = 10",
            "take a segment": "gone(0.5)",
            "iterate": "list(gone)",
            "insert": "gone.insert('pas')",
            "connect to it": "s.connect(gone)",
            "record it": "gone.record()",
            "place a synapse": "p.ExpSyn(gone)",
            "a NetCon from it": "p.NetCon(gone, syn)",
            "a NetCon from its 0 end": "p.NetCon(gone(0), syn)",
            "a NetCon from a segment taken before": "p.NetCon(gone_segment, syn)",
            "NetCons from its 0 end": "p.NetCons([gone(0)], [syn])",
            "NetCons from a segment taken before": "p.NetCons([gone_segment], [syn])",
            "push it": "gone.push()",
            "its SectionRef": "p.SectionRef(gone)",
            "a segment's voltage": "gone_segment.v",
            "record a segment": "p.Vector().record(gone_segment)",
        },
    ),
    *rows(
        "a point process whose section was deleted",
        "HocSectionAccessError",
        **{"read a parameter": "gone_synapse.tau", "set a parameter": "gone_synapse.tau = 3"},
    ),
    # Morphologies
    *rows(
        "p.load_morphology",
        "MorphologyError",
        **{
            "an empty file": 'p.load_morphology(swc(""))',
            "only comments": 'p.load_morphology(swc("# no points\\n"))',
            "a missing column": 'p.load_morphology(swc("1 1 0 0 0 5\\n"))',
            "an unknown column": 'p.load_morphology(swc("1 1 0 0 0 5 -1 7\\n"))',
            "a field that is not a number": 'p.load_morphology(swc("1 1 0 zero 0 5 -1\\n"))',
            "an id that is not whole": 'p.load_morphology(swc("1.5 1 0 0 0 5 -1\\n"))',
            "a zero radius": 'p.load_morphology(swc("1 1 0 0 0 0 -1\\n"))',
            "a negative radius": 'p.load_morphology(swc("1 1 0 0 0 -5 -1\\n"))',
            "an infinite coordinate": 'p.load_morphology(swc("1 1 inf 0 0 5 -1\\n"))',
            "a duplicate id": 'p.load_morphology(swc("1 1 0 0 0 5 -1\\n1 3 0 9 0 1 1\\n"))',
            "a missing parent": 'p.load_morphology(swc("1 1 0 0 0 5 -1\\n3 3 0 9 0 1 2\\n"))',
            "a forward parent": 'p.load_morphology(swc("1 1 0 0 0 5 -1\\n2 3 0 9 0 1 3\\n"))',
            "a point its own parent (cycle)": 'p.load_morphology(swc("1 1 0 0 0 5 1\\n"))',
            "a file that does not exist": 'p.load_morphology("no/such/cell.swc")',
            "an unknown format": 'p.load_morphology("cell.xyz")',
        },
    ),
    *rows(
        "morphology.instantiate",
        "ValueError",
        **{
            "no cells": "cell.morphology.instantiate(0)",
            "minus one": "cell.morphology.instantiate(-1)",
        },
    ),
    *rows(
        "cell.insert, cells.insert",
        "ValueError",
        **{"a mechanism typo": 'cell.insert("hhh")', "a point process": 'cell.insert("ExpSyn")'},
    ),
    *rows(
        "cell.insert, cells.insert",
        "AttributeError",
        **{"a parameter typo": 'cell.insert("hh", gnabr=0.1)'},
    ),
    *rows(
        "cell.set, cells.set",
        "AttributeError",
        **{
            "an unknown name": "cell.set(g_pass=1e-4)",
            "a mechanism not inserted": "cell.set(gnabar_hh=0.1)",
        },
    ),
    *rows(
        "cell.set, cells.set",
        "ValueError",
        **{
            "a negative Ra": "cell.set(Ra=-1)",
            "NaN": 'cell.set(cm=float("nan"))',
            "nseg (set_nseg sets it)": "cell.set(nseg=3)",
            "an unknown group": 'cell.set("dendrite", cm=1)',
        },
    ),
    *rows("cell.set, cells.set", "TypeError", **{"a string value": 'cell.set(cm="high")'}),
    *rows("cell.group", "TypeError", **{"a float": "cell.group(1.5)"}),
    *rows("cell.set_nseg", "ValueError", **{"zero d_lambda": "cell.set_nseg(d_lambda=0)"}),
]


def markdown() -> str:
    lines = [
        "# Bad inputs",
        "",
        "What each public call does with input it cannot use: a typed exception with a",
        "message that says what was wrong, never a crash. Every row is a test",
        "(`tests/test_bad_inputs.py`) run against real NEURON, and NEURON still simulates",
        "correctly after each one. Generated by `python tests/support/bad_inputs.py`.",
        "",
        "Exceptions from `patch.exceptions` are all `PatchError`s; `HocError` and its",
        "subclasses are also `RuntimeError`s, `DeletedSectionError` is also a",
        "`ReferenceError`.",
        "",
        "| call | bad input | example | exception |",
        "|---|---|---|---|",
    ]
    for row in BAD_INPUTS:
        example = row.code.replace("|", "\\|")
        lines.append(f"| `{row.call}` | {row.kind} | `{example}` | `{row.exception}` |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")

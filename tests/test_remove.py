"""What a section holds can be seen and taken away, so a notebook cell run again replaces
the inputs it made instead of stacking them (issue 16)."""

import pytest

from patch import p
from patch.exceptions import SimulationError


@pytest.fixture
def soma():
    section = p.Section(name="soma")
    section.L = section.diam = 20
    return section.insert("hh")


def rerun_cell(soma):
    """A notebook cell: take off what the last run placed, add a synapse, run."""
    for old in soma.point_processes():
        old.remove()
    synapse = p.ExpSyn(soma(0.5))
    synapse.stimulate(start=5, number=1, weight=0.004)
    voltage = soma.record()
    p.run(30)
    return max(voltage)


def test_a_cell_run_again_replaces_its_synapse(soma):
    peaks = [rerun_cell(soma) for _ in range(4)]
    assert peaks[0] > -64.9, "the synapse depolarises the cell"
    assert peaks == [peaks[0]] * 4, "the same input each time, not one more per run"
    assert len(soma.point_processes()) == 1


def test_point_processes_lists_what_is_placed(soma):
    synapse, clamp = p.ExpSyn(soma(0.2)), soma.iclamp(0.9)
    placed = soma.point_processes()
    assert len(placed) == 2 and {id(process) for process in placed} == {id(synapse), id(clamp)}
    assert p.Section(name="empty").point_processes() == []


def test_a_removed_point_process_is_gone_and_says_so(soma):
    clamp = soma.iclamp(delay=1, duration=5, amplitude=0.5)
    stimulus = p.ExpSyn(soma).stimulate()
    clamp.remove()
    assert clamp not in soma.point_processes()
    with pytest.raises(ReferenceError, match="removed"):
        _ = clamp.amplitude
    voltage = soma.record()
    p.run(10)
    assert max(voltage) < -60, "no current injected any more"
    assert stimulus is not None


def test_removing_a_target_stops_its_netcons_and_a_run_must_start_again(soma):
    synapse = p.ExpSyn(soma)
    stimulus = synapse.stimulate(start=1, interval=1, number=100)
    p.finitialize(-65)
    p.continuerun(2)
    synapse.remove()
    assert stimulus._connections == {}, "the NetStim lets go of the NetCon"
    with pytest.raises(SimulationError):
        p.continuerun(4)
    p.run(4)

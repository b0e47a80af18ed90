"""The MPI fault matrix: a failure on one rank ends the whole job quickly, with a non-zero
exit status and a message naming the rank and the cause, and leaves no process behind."""

import pytest
from mpi_faults import FAULTS, MPIEXEC, TIMEOUT, run

pytestmark = [
    pytest.mark.mpi,
    pytest.mark.skipif(MPIEXEC is None, reason="no mpiexec (pip install mpich, Patch's mpi extra)"),
]


@pytest.mark.parametrize("fault", FAULTS, ids=[fault.name for fault in FAULTS])
def test_a_fault_on_one_rank_ends_the_job(fault, tmp_path):
    outcome = run(fault, tmp_path)
    assert outcome.seconds < TIMEOUT, f"the job hung:\n{outcome.output}"
    assert outcome.leftover == "", "no rank is left behind"
    if fault.fails:
        assert outcome.exit_status != 0, outcome.output
    else:
        assert outcome.exit_status == 0, outcome.output
    for text in fault.expected:
        assert text in outcome.output, outcome.output

COMMENT
A gap junction for the tests: a current g * (v - vgap), vgap written from another cell's
v by ParallelContext.source_var/target_var.
ENDCOMMENT

NEURON {
    POINT_PROCESS PatchTestGap
    RANGE g, i, vgap
    NONSPECIFIC_CURRENT i
}

PARAMETER { g = 0.01 (uS) }

ASSIGNED {
    v (mV)
    vgap (mV)
    i (nA)
}

BREAKPOINT { i = g * (v - vgap) }

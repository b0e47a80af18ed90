COMMENT
VecStim: an artificial cell that fires at the times stored in a Vector.

play(vector) hands it the Vector of spike times (ms, ascending); the cell keeps its own
HOC reference to the Vector, so the pattern cannot be freed while the cell may still
need it. Times before the start of the simulation are skipped. Written for Patch.
ENDCOMMENT

NEURON {
    THREADSAFE
    ARTIFICIAL_CELL VecStim
    BBCOREPOINTER ptr
    RANGE index, etime
}

ASSIGNED {
    index
    etime (ms)
    ptr
}

VERBATIM
#define PATCH_VECSTIM_TIMES (*reinterpret_cast<Object**>(&(_p_ptr)))
ENDVERBATIM

INITIAL {
    index = 0
    next_time()
    if (etime >= t) {
        net_send(etime - t, 1)
    }
}

NET_RECEIVE (w) {
    if (flag == 1) {
        net_event(t)
        next_time()
        if (etime >= t) {
            net_send(etime - t, 1)
        }
    }
}

: Sets etime to the next time at or after t, or to t - 1 when there is none.
PROCEDURE next_time() {
VERBATIM
    etime = t - 1.0;
#if !NRNBBCORE
    Object* times = PATCH_VECSTIM_TIMES;
    if (times) {
        double* values = nullptr;
        int count = vector_instance_px(times->u.this_pointer, &values);
        while (index < count && values[static_cast<int>(index)] < t) {
            index += 1;
        }
        if (index < count) {
            etime = values[static_cast<int>(index)];
            index += 1;
        }
    }
#endif
ENDVERBATIM
}

: play(vector) fires at the vector's times; play() with no argument stops firing.
PROCEDURE play() {
VERBATIM
#if !NRNBBCORE
    Object* replacement = nullptr;
    if (ifarg(1)) {
        vector_arg(1);
        replacement = *hoc_objgetarg(1);
        hoc_obj_ref(replacement);
    }
    if (PATCH_VECSTIM_TIMES) {
        hoc_obj_unref(PATCH_VECSTIM_TIMES);
    }
    PATCH_VECSTIM_TIMES = replacement;
#endif
ENDVERBATIM
}

DESTRUCTOR {
VERBATIM
#if !NRNBBCORE
    if (PATCH_VECSTIM_TIMES) {
        hoc_obj_unref(PATCH_VECSTIM_TIMES);
        PATCH_VECSTIM_TIMES = nullptr;
    }
#endif
ENDVERBATIM
}

VERBATIM
static void bbcore_write(double*, int*, int*, int*, _threadargsproto_) {}
static void bbcore_read(double*, int*, int*, int*, _threadargsproto_) {}
ENDVERBATIM

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
#if !NRNBBCORE
#define PATCH_VECSTIM_TIMES (*reinterpret_cast<Object**>(&(_p_ptr)))
#endif
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

: Sets etime to the next time at or after t, or to t - 1 when there is none. NEURON keeps
: the times in the user's Vector; CoreNEURON in its own copy, made by bbcore_read.
PROCEDURE next_time() {
VERBATIM
    etime = t - 1.0;
    double* values = nullptr;
    int count = 0;
#if NRNBBCORE
    if (_p_ptr) {
        count = vector_capacity(_p_ptr);
        values = vector_vec(_p_ptr);
    }
#else
    if (PATCH_VECSTIM_TIMES) {
        count = vector_instance_px(PATCH_VECSTIM_TIMES->u.this_pointer, &values);
    }
#endif
    while (index < count && values[static_cast<int>(index)] < t) {
        index += 1;
    }
    if (index < count) {
        etime = values[static_cast<int>(index)];
        index += 1;
    }
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
/* CoreNEURON takes the times over in two calls: the first (iarray null) only counts the
 * space, one int for the count and one double per time; the second copies them. */
static void bbcore_write(double* xarray, int* iarray, int* xoffset, int* ioffset, _threadargsproto_) {
#if !NRNBBCORE
    double* values = nullptr;
    int count = 0;
    if (PATCH_VECSTIM_TIMES) {
        count = vector_instance_px(PATCH_VECSTIM_TIMES->u.this_pointer, &values);
    }
    if (iarray) {
        iarray[*ioffset] = count;
        for (int i = 0; i < count; ++i) {
            xarray[*xoffset + i] = values[i];
        }
    }
    *ioffset += 1;
    *xoffset += count;
#endif
}

/* CoreNEURON's side: a Vector of its own holding the times. */
static void bbcore_read(double* xarray, int* iarray, int* xoffset, int* ioffset, _threadargsproto_) {
#if NRNBBCORE
    int count = iarray[*ioffset];
    if (!_p_ptr) {
        _p_ptr = vector_new1(count);
    }
    double* values = vector_vec(_p_ptr);
    for (int i = 0; i < count; ++i) {
        values[i] = xarray[*xoffset + i];
    }
    *ioffset += 1;
    *xoffset += count;
#endif
}
ENDVERBATIM

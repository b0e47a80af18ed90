COMMENT
PatchRelay: an artificial cell that fires the moment it receives an event. Patch puts one
between a spike source and a second GID, because NEURON lets each spike source carry one
GID only; the relayed spike keeps the source's spike time.
ENDCOMMENT

NEURON {
    THREADSAFE
    ARTIFICIAL_CELL PatchRelay
}

NET_RECEIVE (w) {
    net_event(t)
}

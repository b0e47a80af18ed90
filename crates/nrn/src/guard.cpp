// The C++ exception firewall between Rust and NEURON.
//
// NEURON 9 reports HOC errors by throwing a C++ exception. Letting it unwind through
// Rust is undefined behaviour (or an abort), so every call sequence into NEURON runs
// as a Rust body called from here. When NEURON's OcJump::fpycall is available the
// body runs inside it, exactly as NEURON's own Python binding does: it snapshots the
// HOC interpreter state and restores it if the body throws.
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>

namespace {

using body_fn = void (*)(void*);
using fpycall_fn = void* (*)(void* (*)(void*, void*), void*, void*);

// A Rust panic in the body (a bug) is foreign to C++ and must not reach NEURON's
// handlers (OcJump::fpycall crashes on it) or be swallowed: the process ends, loudly.
// NEURON's own exceptions go on to the handlers.
void* call_body(void* body, void* context) {
    try {
        reinterpret_cast<body_fn>(body)(context);
    } catch (...) {
        // libstdc++ gives no exception_ptr for a foreign (non-C++) exception.
        if (!std::current_exception()) {
            std::fputs("nrn-rs: a Rust panic inside a guarded NEURON call; aborting\n", stderr);
            std::abort();
        }
        throw;
    }
    return nullptr;
}

void store_message(char* buffer, std::size_t capacity, const char* message) {
    if (buffer == nullptr || capacity == 0) {
        return;
    }
    std::strncpy(buffer, message, capacity - 1);
    buffer[capacity - 1] = '\0';
}

}  // namespace

// Returns 0 when the body completed, 1 when it threw a std::exception (message copied),
// 2 for any other exception.
extern "C" int nrn_rs_guard(void* fpycall, void* body, void* context, char* message,
                            std::size_t capacity) {
    store_message(message, capacity, "");
    try {
        if (fpycall != nullptr) {
            reinterpret_cast<fpycall_fn>(fpycall)(&call_body, body, context);
        } else {
            call_body(body, context);
        }
        return 0;
    } catch (const std::exception& error) {
        store_message(message, capacity, error.what());
        return 1;
    } catch (...) {
        store_message(message, capacity, "an exception that is not a std::exception");
        return 2;
    }
}

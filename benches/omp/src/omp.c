/*
 * OpenMP constructs timed EPCC style: each function runs `reps` repetitions of one construct in
 * a loop inside C and returns the elapsed nanoseconds of the whole loop (clock_gettime,
 * CLOCK_MONOTONIC), so no call across the Rust/C boundary falls inside the timed repetitions.
 * Constructs that live inside a parallel region (barrier, single, for) run all `reps` inside one
 * region, whose fork and join are then shared by the `reps` repetitions, as workshare's
 * counterparts are timed.
 *
 * Every function returns a negative value when it cannot measure: -1 when this file was built
 * without OpenMP, -2 when the runtime gave a team of another size than asked for, -3 when a
 * reduction got a wrong result.
 */
#include <stdint.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

/* Consumes a value without a store to memory (no shared cache line between threads). */
#if defined(__GNUC__) || defined(__clang__)
#define SINK(x) __asm__ __volatile__("" : : "r"(x) : "memory")
#else
#define SINK(x)                                                                                \
    do {                                                                                       \
        volatile long sink_ = (long)(x);                                                       \
        (void)sink_;                                                                           \
    } while (0)
#endif

int ws_omp_available(void) {
#ifdef _OPENMP
    return 1;
#else
    return 0;
#endif
}

#ifdef _OPENMP

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* -2 unless a parallel region of `threads` threads really has `threads` threads. */
static double check_team(int threads) {
    int size = 0;
    omp_set_dynamic(0);
#pragma omp parallel num_threads(threads)
    {
#pragma omp single
        size = omp_get_num_threads();
    }
    return size == threads ? 0.0 : -2.0;
}

/* `#pragma text`, from inside a macro. */
#define PRAGMA(text) _Pragma(#text)

/* `reps` repetitions, inside one parallel region of `threads` threads, of `statement` (which may
 * use the repetition number `r`) under the directive `#pragma omp directive`: the constructs
 * that live inside a region, whose fork and join the repetitions share. */
#define REPS_IN_ONE_REGION(threads, reps, directive, statement)                                \
    PRAGMA(omp parallel num_threads(threads))                                                  \
    for (uint64_t r = 0; r < (reps); r++) {                                                    \
        PRAGMA(omp directive)                                                                  \
        statement;                                                                             \
    }

double ws_omp_parallel(uint64_t reps, int threads) {
    if (check_team(threads) < 0) return -2.0;
    double start = now_ns();
    for (uint64_t r = 0; r < reps; r++) {
#pragma omp parallel num_threads(threads)
        SINK(omp_get_thread_num());
    }
    return now_ns() - start;
}

double ws_omp_barrier(uint64_t reps, int threads) {
    if (check_team(threads) < 0) return -2.0;
    double start = now_ns();
    REPS_IN_ONE_REGION(threads, reps, barrier, /* no statement: a stand-alone directive */)
    return now_ns() - start;
}

double ws_omp_single(uint64_t reps, int threads) {
    if (check_team(threads) < 0) return -2.0;
    double start = now_ns();
    REPS_IN_ONE_REGION(threads, reps, single, SINK(r))
    return now_ns() - start;
}

/* `for` inside one running region: `reps` loops of `n` iterations, each ending in its
 * implicit barrier. */
double ws_omp_for(uint64_t reps, int threads, int64_t n, int dynamic) {
    if (check_team(threads) < 0) return -2.0;
    double start = now_ns();
    if (dynamic) {
        REPS_IN_ONE_REGION(threads, reps, for schedule(dynamic, 1),
                           for (int64_t i = 0; i < n; i++) SINK(i))
    } else {
        REPS_IN_ONE_REGION(threads, reps, for schedule(static),
                           for (int64_t i = 0; i < n; i++) SINK(i))
    }
    return now_ns() - start;
}

/* `parallel for`: `reps` forks, each sharing a loop of `n` iterations. */
double ws_omp_parallel_for(uint64_t reps, int threads, int64_t n, int dynamic) {
    if (check_team(threads) < 0) return -2.0;
    double start = now_ns();
    if (dynamic) {
        for (uint64_t r = 0; r < reps; r++) {
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
            for (int64_t i = 0; i < n; i++) SINK(i);
        }
    } else {
        for (uint64_t r = 0; r < reps; r++) {
#pragma omp parallel for num_threads(threads) schedule(static)
            for (int64_t i = 0; i < n; i++) SINK(i);
        }
    }
    return now_ns() - start;
}

/* `parallel for reduction(+:sum)` over 0..n: `reps` forks, each with its reduction. */
double ws_omp_reduction(uint64_t reps, int threads, int64_t n) {
    if (check_team(threads) < 0) return -2.0;
    int ok = 1;
    double start = now_ns();
    for (uint64_t r = 0; r < reps; r++) {
        int64_t sum = 0;
#pragma omp parallel for num_threads(threads) schedule(static) reduction(+ : sum)
        for (int64_t i = 0; i < n; i++) sum += i;
        SINK(sum);
        ok &= sum == n * (n - 1) / 2;
    }
    double elapsed = now_ns() - start;
    return ok ? elapsed : -3.0;
}

/* One `parallel for` writing `out[i] = i`; returns the sum of `out` (the idle benchmark's
 * "one loop" before it sleeps), or -1 without OpenMP. */
int64_t ws_omp_run_loop(int threads, int64_t *out, int64_t n) {
    omp_set_dynamic(0);
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int64_t i = 0; i < n; i++) out[i] = i;
    int64_t sum = 0;
    for (int64_t i = 0; i < n; i++) sum += out[i];
    return sum;
}

#else /* no OpenMP: stubs */

double ws_omp_parallel(uint64_t reps, int threads) {
    (void)reps, (void)threads;
    return -1.0;
}
double ws_omp_barrier(uint64_t reps, int threads) {
    (void)reps, (void)threads;
    return -1.0;
}
double ws_omp_single(uint64_t reps, int threads) {
    (void)reps, (void)threads;
    return -1.0;
}
double ws_omp_for(uint64_t reps, int threads, int64_t n, int dynamic) {
    (void)reps, (void)threads, (void)n, (void)dynamic;
    return -1.0;
}
double ws_omp_parallel_for(uint64_t reps, int threads, int64_t n, int dynamic) {
    (void)reps, (void)threads, (void)n, (void)dynamic;
    return -1.0;
}
double ws_omp_reduction(uint64_t reps, int threads, int64_t n) {
    (void)reps, (void)threads, (void)n;
    return -1.0;
}
int64_t ws_omp_run_loop(int threads, int64_t *out, int64_t n) {
    (void)threads, (void)out, (void)n;
    return -1;
}

#endif

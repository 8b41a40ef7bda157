/*
 * The workloads of the speed targets (benches/WORKLOADS.md: W1-W6, W9) written as a C
 * programmer ports them to OpenMP: one `parallel for` per call, with the default `static`
 * schedule, `reduction` clauses for sums, and `schedule(dynamic)` for the imbalanced W5.
 * `benches/targets.rs` times each call beside a serial loop, as it times workshare and rayon.
 *
 * Each function runs the loop serially, without any OpenMP construct, when `threads` is 0 (the
 * baseline the OpenMP ratio is taken against: the same C code, the same compiler), and as a
 * `parallel for` of `threads` threads otherwise (the macro `LOOP` writes both loops from one
 * statement). Every function returns 0, or -1 when this file was built without OpenMP;
 * results go through the pointer arguments. They do not check the team size: the caller asks
 * `ws_omp_team_ok` once before timing.
 */
#include <math.h>
#include <stdint.h>

#ifdef _OPENMP
#include <omp.h>

/* 1 if a region of `threads` threads really has `threads` threads, with dynamic adjustment
 * turned off for every later region of the calling thread. */
int ws_omp_team_ok(int threads) {
    int size = 0;
    omp_set_dynamic(0);
#pragma omp parallel num_threads(threads)
    {
#pragma omp single
        size = omp_get_num_threads();
    }
    return size == threads;
}

/* Runs `statement` for every `i` in `0..n`: as a plain loop when `threads` is 0, else as a
 * `parallel for` of `threads` threads with the OpenMP `clauses` (which may be empty). */
#define PRAGMA(text) _Pragma(#text)
#define LOOP(threads, n, clauses, statement)                                                   \
    do {                                                                                       \
        if ((threads) == 0) {                                                                  \
            for (int64_t i = 0; i < (n); i++) statement;                                       \
        } else {                                                                               \
            PRAGMA(omp parallel for num_threads(threads) clauses)                              \
            for (int64_t i = 0; i < (n); i++) statement;                                       \
        }                                                                                      \
    } while (0)

/* W1: out[i] = sqrt(x[i]). */
int ws_omp_w1_sqrt(int threads, const float *x, float *out, int64_t n) {
    LOOP(threads, n, , out[i] = sqrtf(x[i]));
    return 0;
}

/* W2: sum of (a[i] - b[i])^2, exact in i64. */
int ws_omp_w2_sqdiff(int threads, const int64_t *a, const int64_t *b, int64_t n, int64_t *sum) {
    int64_t s = 0;
    LOOP(threads, n, reduction(+ : s), s += (a[i] - b[i]) * (a[i] - b[i]));
    *sum = s;
    return 0;
}

static inline float w3(const float *x, int64_t n) {
    double s = 0.0;
    for (int64_t j = 0; j < n; j++) s += (double)sqrtf(x[j]);
    return (float)s;
}

/* W3: out[i] = sum over j of sqrt(x[j]), accumulated in double in index order. */
int ws_omp_w3_roots(int threads, const float *x, float *out, int64_t n) {
    LOOP(threads, n, , out[i] = w3(x, n));
    return 0;
}

/* SplitMix64, as workshare_reductions::SplitMix64 (same streams, same floats). */
#define GAMMA 0x9E3779B97F4A7C15ULL
static inline uint64_t mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}
static inline double next_f64(uint64_t *state) {
    *state += GAMMA;
    return (double)(mix(*state) >> 11) * (1.0 / 9007199254740992.0);
}

/* Hits inside the unit circle of `per_block` samples from stream `block` of `seed`. */
static inline uint64_t w4(uint64_t seed, int64_t block, int64_t per_block) {
    uint64_t state = mix(seed ^ mix((uint64_t)block + GAMMA)), h = 0;
    for (int64_t k = 0; k < per_block; k++) {
        double x = next_f64(&state);
        double y = next_f64(&state);
        h += x * x + y * y < 1.0;
    }
    return h;
}

/* W4: Monte Carlo pi, the hits of `blocks` blocks of `per_block` samples. */
int ws_omp_w4_pi(int threads, uint64_t seed, int64_t blocks, int64_t per_block, uint64_t *hits) {
    uint64_t h = 0;
    LOOP(threads, blocks, reduction(+ : h), h += w4(seed, i, per_block));
    *hits = h;
    return 0;
}

/* i steps of an integer hash from i: iteration i costs i steps. */
static inline uint64_t w5(int64_t i) {
    uint64_t h = (uint64_t)i;
    for (int64_t k = 0; k < i; k++) h = (h ^ (h >> 29)) * 0xBF58476D1CE4E5B9ULL;
    return h;
}

/* W5: out[i] = w5(i), with the `dynamic` schedule an imbalanced loop asks for. */
int ws_omp_w5_imbalanced(int threads, uint64_t *out, int64_t n) {
    LOOP(threads, n, schedule(dynamic), out[i] = w5(i));
    return 0;
}

/* W6: the index of the largest score, ties to the lowest index (-1 for an empty array). */
int ws_omp_w6_argmax(int threads, const int32_t *scores, int64_t n, int64_t *best) {
    int64_t result = -1;
    if (threads == 0) {
        for (int64_t i = 0; i < n; i++)
            if (result < 0 || scores[i] > scores[result]) result = i;
        *best = result;
        return 0;
    }
#pragma omp parallel num_threads(threads)
    {
        int64_t mine = -1;
#pragma omp for nowait
        for (int64_t i = 0; i < n; i++)
            if (mine < 0 || scores[i] > scores[mine]) mine = i;
#pragma omp critical
        if (mine >= 0 && (result < 0 || scores[mine] > scores[result] ||
                          (scores[mine] == scores[result] && mine < result)))
            result = mine;
    }
    *best = result;
    return 0;
}

static inline double w9(const double *means, const double *widths, int64_t i, double at) {
    double z = (at - means[i]) / widths[i];
    return exp(-0.5 * (z * z)) / widths[i];
}

/* W9: Gaussian kernel density at `at`: the sum of exp(-(at - m)^2 / (2 w^2)) / w. */
int ws_omp_w9_kde(int threads, const double *means, const double *widths, int64_t n, double at,
                  double *density) {
    double s = 0.0;
    LOOP(threads, n, reduction(+ : s), s += w9(means, widths, i, at));
    *density = s;
    return 0;
}

#else /* no OpenMP: stubs */

int ws_omp_team_ok(int threads) {
    (void)threads;
    return 0;
}
int ws_omp_w1_sqrt(int threads, const float *x, float *out, int64_t n) {
    (void)threads, (void)x, (void)out, (void)n;
    return -1;
}
int ws_omp_w2_sqdiff(int threads, const int64_t *a, const int64_t *b, int64_t n, int64_t *sum) {
    (void)threads, (void)a, (void)b, (void)n, (void)sum;
    return -1;
}
int ws_omp_w3_roots(int threads, const float *x, float *out, int64_t n) {
    (void)threads, (void)x, (void)out, (void)n;
    return -1;
}
int ws_omp_w4_pi(int threads, uint64_t seed, int64_t blocks, int64_t per_block, uint64_t *hits) {
    (void)threads, (void)seed, (void)blocks, (void)per_block, (void)hits;
    return -1;
}
int ws_omp_w5_imbalanced(int threads, uint64_t *out, int64_t n) {
    (void)threads, (void)out, (void)n;
    return -1;
}
int ws_omp_w6_argmax(int threads, const int32_t *scores, int64_t n, int64_t *best) {
    (void)threads, (void)scores, (void)n, (void)best;
    return -1;
}
int ws_omp_w9_kde(int threads, const double *means, const double *widths, int64_t n, double at,
                  double *density) {
    (void)threads, (void)means, (void)widths, (void)n, (void)at, (void)density;
    return -1;
}

#endif

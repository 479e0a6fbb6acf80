/* The benchmark programs' one line of results: the median of their
 * samples and the quartiles, which scripts/watch-bench.sh reads. */
#include <stdio.h>
#include <stdlib.h>

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorts `samples` and prints `BENCH name size median q1 q3 unit`. */
static void report(const char *name, long size, double *samples, int n, const char *unit) {
    qsort(samples, n, sizeof(double), by_value);
    printf("BENCH %s %ld %.4f %.4f %.4f %s\n", name, size, samples[n / 2], samples[n / 4],
           samples[(3 * n) / 4], unit);
    fflush(stdout);
}

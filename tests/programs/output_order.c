/* Each rank prints through every path C offers (a child process's output
 * too), each line followed at once by an MPI call: the log must show each
 * line before that call, however it was written. Rounds repeat it, calls
 * without output between. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ROUNDS 20

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, value = 1, sum = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    char line[64];
    for (int round = 0; round < ROUNDS; round++) {
        printf("%d: printf %d\n", rank, round);
        MPI_Barrier(MPI_COMM_WORLD);
        fprintf(stderr, "%d: stderr %d\n", rank, round);
        MPI_Bcast(&value, 1, MPI_INT, 0, MPI_COMM_WORLD);
        int length = snprintf(line, sizeof line, "%d: write %d\n", rank, round);
        if (write(1, line, length) != length) return 1;
        MPI_Allreduce(&value, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
        snprintf(line, sizeof line, "echo %d: child %d", rank, round);
        if (system(line) != 0) return 1;
        MPI_Barrier(MPI_COMM_WORLD);
        printf("%d: half a line %d", rank, round);
        MPI_Barrier(MPI_COMM_WORLD);
        printf(", ended\n");
        for (int quiet = 0; quiet < 5; quiet++) MPI_Barrier(MPI_COMM_WORLD);
    }
    /* The program's own choice of a full buffer: flushed before the call. */
    setvbuf(stdout, NULL, _IOFBF, 4096);
    printf("%d: fully buffered\n", rank);
    MPI_Reduce(&value, &sum, 1, MPI_INT, MPI_SUM, 0, MPI_COMM_WORLD);
    MPI_Finalize();
    return 0;
}

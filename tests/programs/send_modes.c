/* The send modes: rank 0 sends to rank 1 with MPI_Bsend (through an
 * attached buffer), MPI_Ssend, MPI_Issend and MPI_Rsend (rank 1's receive
 * is posted first, as a ready send needs: a barrier says so); then both
 * swap a value in place with MPI_Sendrecv_replace. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, ok = 1, value;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rank == 0) {
        int size = 64 + MPI_BSEND_OVERHEAD;
        void *buffer = malloc(size);
        MPI_Buffer_attach(buffer, size);
        value = 1;
        MPI_Bsend(&value, 1, MPI_INT, 1, 1, MPI_COMM_WORLD);
        value = 2;
        MPI_Ssend(&value, 1, MPI_INT, 1, 2, MPI_COMM_WORLD);
        MPI_Request request;
        value = 3;
        MPI_Issend(&value, 1, MPI_INT, 1, 3, MPI_COMM_WORLD, &request);
        MPI_Wait(&request, MPI_STATUS_IGNORE);
        MPI_Barrier(MPI_COMM_WORLD);
        value = 4;
        MPI_Rsend(&value, 1, MPI_INT, 1, 4, MPI_COMM_WORLD);
        MPI_Buffer_detach(&buffer, &size);
        free(buffer);
    } else if (rank == 1) {
        for (int tag = 1; tag <= 3; tag++) {
            MPI_Recv(&value, 1, MPI_INT, 0, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            ok &= value == tag;
        }
        MPI_Request request;
        MPI_Irecv(&value, 1, MPI_INT, 0, 4, MPI_COMM_WORLD, &request);
        MPI_Barrier(MPI_COMM_WORLD);
        MPI_Wait(&request, MPI_STATUS_IGNORE);
        ok &= value == 4;
    } else {
        MPI_Barrier(MPI_COMM_WORLD);
    }
    if (rank < 2) {
        value = rank;
        MPI_Sendrecv_replace(&value, 1, MPI_INT, 1 - rank, 5, 1 - rank, 5, MPI_COMM_WORLD,
                             MPI_STATUS_IGNORE);
        ok &= value == 1 - rank;
    }
    printf("%d: %s\n", rank, ok ? "right" : "WRONG");
    MPI_Finalize();
    return ok ? 0 : 1;
}

/* A line of ranks as a grid (cart_create, cart_shift with nobody past
 * the ends), the even ranks' own communicator (comm_create), and the
 * even and odd ranks joined by an intercommunicator, across which each
 * even rank sends to its odd partner. */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    MPI_Comm line;
    int dims[1] = {size}, periods[1] = {0};
    MPI_Cart_create(MPI_COMM_WORLD, 1, dims, periods, 0, &line);
    int left, right;
    MPI_Cart_shift(line, 0, 1, &left, &right);
    int from_left = -1;
    MPI_Sendrecv(&rank, 1, MPI_INT, right, 0, &from_left, 1, MPI_INT, left, 0, line,
                 MPI_STATUS_IGNORE);

    MPI_Group world_group, even_group;
    MPI_Comm_group(MPI_COMM_WORLD, &world_group);
    int evens[8], count = 0;
    for (int r = 0; r < size; r += 2) {
        evens[count++] = r;
    }
    MPI_Group_incl(world_group, count, evens, &even_group);
    MPI_Comm even;
    MPI_Comm_create(MPI_COMM_WORLD, even_group, &even);
    int even_sum = 0;
    if (even != MPI_COMM_NULL) {
        MPI_Allreduce(&rank, &even_sum, 1, MPI_INT, MPI_SUM, even);
        MPI_Comm_free(&even);
    }

    MPI_Comm side, across;
    MPI_Comm_split(MPI_COMM_WORLD, rank % 2, rank, &side);
    MPI_Intercomm_create(side, 0, MPI_COMM_WORLD, rank % 2 == 0 ? 1 : 0, 7, &across);
    int partner = rank / 2, got = -1;
    if (rank % 2 == 0) {
        MPI_Send(&rank, 1, MPI_INT, partner, 3, across);
    } else {
        MPI_Recv(&got, 1, MPI_INT, partner, 3, across, MPI_STATUS_IGNORE);
    }
    printf("rank %d: left %d, even sum %d, across got %d\n", rank, from_left, even_sum, got);
    MPI_Comm_free(&across);
    MPI_Comm_free(&side);
    MPI_Comm_free(&line);
    MPI_Group_free(&even_group);
    MPI_Group_free(&world_group);
    MPI_Finalize();
    return 0;
}

// A 1-D halo exchange in C++ with the C API, as courses teach it: every
// rank owns a few cells, swaps its edge cells with its neighbours
// (MPI_PROC_NULL at the ends), then all agree on the total.
#include <mpi.h>

#include <iostream>
#include <numeric>
#include <vector>

namespace halo {

// Sends the first and last owned cells to the left and right neighbours
// and fills the ghost cells at both ends from them.
void exchange(double *cells, int owned) {
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int left = rank > 0 ? rank - 1 : MPI_PROC_NULL;
    int right = rank < size - 1 ? rank + 1 : MPI_PROC_NULL;
    MPI_Sendrecv(&cells[1], 1, MPI_DOUBLE, left, 0, &cells[owned + 1], 1, MPI_DOUBLE, right, 0,
                 MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    MPI_Sendrecv(&cells[owned], 1, MPI_DOUBLE, right, 1, &cells[0], 1, MPI_DOUBLE, left, 1,
                 MPI_COMM_WORLD, MPI_STATUS_IGNORE);
}

}  // namespace halo

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    const int owned = 4;
    std::vector<double> cells(owned + 2, 0.0);
    for (int i = 1; i <= owned; i++) cells[i] = rank * owned + i;
    halo::exchange(cells.data(), owned);
    std::cout << rank << ": ghosts " << cells[0] << " and " << cells[owned + 1] << std::endl;
    double mine = std::accumulate(cells.begin() + 1, cells.end() - 1, 0.0), total = 0;
    MPI_Allreduce(&mine, &total, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    if (rank == 0) std::cout << "total " << total << std::endl;
    MPI_Finalize();
    return 0;
}

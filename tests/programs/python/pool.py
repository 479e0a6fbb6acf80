# A futures pool: the master hands out tasks of uneven length to the
# workers and collects the results in order.
import time

from mpi4py.futures import MPIPoolExecutor


def slow_square(x):
    time.sleep(0.01 * (x % 3))
    return x * x


if __name__ == "__main__":
    with MPIPoolExecutor() as pool:
        print(f"squares {list(pool.map(slow_square, range(8)))}")

/* Baseline for JnaCallBench: read(2) of 8 bytes from /dev/zero in a loop, from C.
 * Prints the mean nanoseconds a call over about `seconds`. Build: gcc -O2. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
	double seconds = argc > 1 ? atof(argv[1]) : 3.0;
	int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	char buf[8];
	long calls = 0;
	double t0 = now(), t;
	for (int i = 0; i < 100000; i++)
		if (read(fd, buf, 8) != 8)
			return 1;
	t0 = now();
	do {
		for (int i = 0; i < 10000; i++)
			if (read(fd, buf, 8) != 8)
				return 1;
		calls += 10000;
		t = now();
	} while (t - t0 < seconds);
	printf("calls=%ld ns_per_call=%.1f\n", calls, (t - t0) / calls * 1e9);
	return 0;
}

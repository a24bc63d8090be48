/* Baseline for DirtyBitmapBench: count the set bits of a 64 MiB bitmap, the same words
 * (xorshift64* from the same seed). Prints the count and the mean microseconds a pass over
 * about `seconds` of passes. Build: gcc -O2 -mpopcnt. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define WORDS (64u * 1024 * 1024 / 8)

static double now(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static uint64_t count(const uint64_t *w, size_t n) {
	uint64_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += __builtin_popcountll(w[i]);
	return c;
}

int main(int argc, char **argv) {
	double seconds = argc > 1 ? atof(argv[1]) : 3.0;
	uint64_t *w = malloc(WORDS * sizeof *w);
	uint64_t x = 0x9E3779B97F4A7C15ull;
	for (size_t i = 0; i < WORDS; i++) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		w[i] = x * 0x2545F4914F6CDD1Dull;
	}
	volatile uint64_t sink = 0;
	/* warm-up pass: faults the pages in, like JMH's warm-up iterations */
	sink = count(w, WORDS);
	uint64_t first = sink;
	long passes = 0;
	double t0 = now(), t;
	do {
		/* the barrier keeps gcc from hoisting the pure loop out of the repeat */
		__asm__ volatile("" : : "r"(w) : "memory");
		sink += count(w, WORDS);
		passes++;
		t = now();
	} while (t - t0 < seconds);
	printf("dirty_pages=%llu passes=%ld us_per_pass=%.1f\n", (unsigned long long)first, passes,
	       (t - t0) / passes * 1e6);
	return 0;
}

/* tcprr: TCP round-trip latency, for tests/bench/net.
 *   tcprr -l PORT          serve: echo every byte back, one client at a time
 *   tcprr ADDR PORT [N]    N round trips (default 2000) of one byte after
 *                          100 unmeasured ones; prints "MEDIAN P99" in µs
 * Built static so it runs in a busybox rootfs. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int fail(const char *what)
{
	perror(what);
	return 1;
}

static void nodelay(int fd)
{
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static int serve(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int one = 1, s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0)
		return fail("socket");
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 4) < 0)
		return fail("bind");
	for (;;) {
		int c = accept(s, NULL, NULL);
		if (c < 0)
			continue;
		nodelay(c);
		char buf[256];
		ssize_t n;
		while ((n = read(c, buf, sizeof(buf))) > 0)
			if (write(c, buf, (size_t)n) != n)
				break;
		close(c);
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int measure(const char *addr, int port, int n)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	if (inet_pton(AF_INET, addr, &a.sin_addr) != 1) {
		fprintf(stderr, "tcprr: not an IPv4 address: %s\n", addr);
		return 2;
	}
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) < 0)
		return fail("connect");
	nodelay(s);
	double *t = calloc((size_t)n, sizeof(*t));
	if (t == NULL)
		return fail("calloc");
	for (int i = -100; i < n; i++) {
		char b = 'x';
		double start = now_us();
		if (write(s, &b, 1) != 1 || read(s, &b, 1) != 1)
			return fail("round trip");
		if (i >= 0)
			t[i] = now_us() - start;
	}
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	printf("%.1f %.1f\n", t[n / 2], t[(n * 99) / 100]);
	free(t);
	close(s);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "-l") == 0)
		return serve(atoi(argv[2]));
	if (argc == 3 || argc == 4) {
		int n = argc == 4 ? atoi(argv[3]) : 2000;
		if (n < 1) {
			fprintf(stderr, "tcprr: N must be at least 1\n");
			return 2;
		}
		return measure(argv[1], atoi(argv[2]), n);
	}
	fprintf(stderr, "usage: tcprr -l PORT | tcprr ADDR PORT [N]\n");
	return 2;
}

/* RFC 3339 timestamps in UTC. */
#include "common/timefmt.h"

#include <stdio.h>

void timefmt_rfc3339(const struct timespec *ts, bool nanos, char buf[TIMEFMT_SIZE])
{
	struct tm tm;
	char date[24];

	gmtime_r(&ts->tv_sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	if (nanos)
		snprintf(buf, TIMEFMT_SIZE, "%s.%09ldZ", date, ts->tv_nsec);
	else
		snprintf(buf, TIMEFMT_SIZE, "%sZ", date);
}

void timefmt_now(bool nanos, char buf[TIMEFMT_SIZE])
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	timefmt_rfc3339(&ts, nanos, buf);
}

long timefmt_ms_since(const struct timespec *since)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

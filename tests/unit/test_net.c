/* netns/: in a network namespace of the test's own, a veth as a container
 * runtime would leave it (address, MAC, MTU, routes, the peer in another
 * namespace); what net_discover finds, the tap and the tc redirects
 * net_tap_redirect makes (a frame sent to the veth comes out of the tap),
 * and what is left after the tap's fd closes and net_unredirect. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <unistd.h>

#include <cmocka.h>

#include "netns/net.h"

#define PEER_NS "vrun-test-peer"

static int sh(const char *cmd)
{
	return system(cmd);
}

/* What a command prints, whole. */
static char *output(const char *cmd)
{
	static char buf[8192];
	FILE *p = popen(cmd, "r");
	size_t n = p != NULL ? fread(buf, 1, sizeof(buf) - 1, p) : 0;
	if (p != NULL)
		pclose(p);
	buf[n] = '\0';
	return buf;
}

static bool ready; /* root, veth and tc here: else every test skips */

static int setup(void **state)
{
	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "# test_net: needs root (a network namespace of its own)\n");
		return 0;
	}
	sh("ip netns del " PEER_NS " 2>/dev/null");
	ready = sh("ip netns add " PEER_NS " && ip link set lo up && "
		   "ip link add eth0 type veth peer name peer0 && "
		   "ip link set peer0 netns " PEER_NS " && "
		   "ip link set eth0 address 02:00:0a:58:00:05 mtu 1400 up && "
		   "ip addr add 10.88.0.5/16 dev eth0 && "
		   "ip -6 addr add fd00::5/64 dev eth0 nodad && "
		   "ip route add default via 10.88.0.1 dev eth0 && "
		   "ip route add 192.168.7.0/24 via 10.88.0.2 dev eth0 metric 50 && "
		   "ip -6 route add default via fd00::1 dev eth0 && "
		   "ip -n " PEER_NS " link set peer0 up && "
		   "ip -n " PEER_NS " addr add 10.88.0.1/16 dev peer0") == 0;
	if (!ready)
		fprintf(stderr, "# test_net: no veth here (ip link add ... type veth failed)\n");
	return 0;
}

static int teardown(void **state)
{
	sh("ip netns del " PEER_NS " 2>/dev/null");
	return 0;
}

static const struct net_iface *find(const struct net_config *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->ifaces[i].name, name) == 0)
			return &c->ifaces[i];
	return NULL;
}

static void test_discover(void **state)
{
	if (!ready)
		skip();
	struct net_config c;
	struct error *err = NULL;
	assert_int_equal(net_discover(&c, &err), 0);
	assert_int_equal(c.n, 1); /* eth0; not lo, not the peer elsewhere */
	const struct net_iface *i = find(&c, "eth0");
	assert_non_null(i);
	const uint8_t mac[6] = {0x02, 0x00, 0x0a, 0x58, 0x00, 0x05};
	assert_memory_equal(i->mac, mac, 6);
	assert_int_equal(i->mtu, 1400);
	assert_int_equal(i->index, (int)if_nametoindex("eth0"));
	/* 10.88.0.5/16 and fd00::5/64; not the fe80:: the kernel made. */
	assert_int_equal(i->naddrs, 2);
	char text[64];
	bool v4 = false, v6 = false;
	for (size_t k = 0; k < i->naddrs; k++) {
		const struct net_addr *a = &i->addrs[k];
		inet_ntop(a->family, a->addr, text, sizeof(text));
		v4 |= a->family == AF_INET && strcmp(text, "10.88.0.5") == 0 && a->prefixlen == 16;
		v6 |= a->family == AF_INET6 && strcmp(text, "fd00::5") == 0 && a->prefixlen == 64;
	}
	assert_true(v4 && v6);
	/* Three routes (two defaults and the /24); the kernel's own ones for
	 * the addresses' prefixes are left out. */
	assert_int_equal(i->nroutes, 3);
	int defaults = 0, via2 = 0;
	for (size_t k = 0; k < i->nroutes; k++) {
		const struct net_route *r = &i->routes[k];
		assert_true(r->has_gateway);
		inet_ntop(r->family, r->gateway, text, sizeof(text));
		if (r->dst_len == 0)
			defaults +=
				strcmp(text, r->family == AF_INET ? "10.88.0.1" : "fd00::1") == 0;
		if (r->dst_len == 24) {
			char dst[64];
			inet_ntop(AF_INET, r->dst, dst, sizeof(dst));
			via2 += strcmp(dst, "192.168.7.0") == 0 && strcmp(text, "10.88.0.2") == 0 &&
				r->metric == 50;
		}
	}
	assert_int_equal(defaults, 2);
	assert_int_equal(via2, 1);
}

static void test_tap_redirect(void **state)
{
	if (!ready)
		skip();
	struct net_config c;
	struct error *err = NULL;
	int fd = -1;
	assert_int_equal(net_discover(&c, &err), 0);
	const struct net_iface *eth0 = find(&c, "eth0");
	if (net_tap_redirect(eth0, &fd, &err) < 0)
		fail_msg("net_tap_redirect: %s", err->msg);
	char tap[IFNAMSIZ], cmd[256];
	snprintf(tap, sizeof(tap), "vtap%d", eth0->index);
	assert_true(if_nametoindex(tap) > 0);
	snprintf(cmd, sizeof(cmd), "ip -o link show %s", tap);
	char *link = output(cmd);
	assert_non_null(strstr(link, "mtu 1400"));
	assert_non_null(strstr(link, ",UP"));
	/* vrun's own taps are not the container's interfaces. */
	struct net_config again;
	assert_int_equal(net_discover(&again, &err), 0);
	assert_int_equal(again.n, 1);
	assert_string_equal(again.ifaces[0].name, "eth0");
	snprintf(cmd, sizeof(cmd), "tc filter show dev eth0 ingress");
	assert_non_null(strstr(output(cmd), "Egress Redirect to device vtap"));
	snprintf(cmd, sizeof(cmd), "tc filter show dev %s ingress", tap);
	assert_non_null(strstr(output(cmd), "Egress Redirect to device eth0"));

	/* The peer's ARP request for 10.88.0.5 arrives on eth0 and leaves
	 * through the tap: there, after the vnet header, a broadcast frame. */
	sh("ip netns exec " PEER_NS " bash -c 'echo x >/dev/udp/10.88.0.5/9' 2>/dev/null");
	uint8_t frame[2048];
	const size_t vnet = 10; /* struct virtio_net_hdr, the tap's default */
	const uint8_t broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	bool arp = false;
	/* Other frames come first now and then (the peer's IPv6 MLD). */
	for (int tries = 0; tries < 20 && !arp; tries++) {
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, 3000) != 1)
			break;
		ssize_t n = read(fd, frame, sizeof(frame));
		arp = n > (ssize_t)(vnet + 14) && memcmp(frame + vnet, broadcast, 6) == 0 &&
		      ((frame[vnet + 12] << 8) | frame[vnet + 13]) == 0x0806;
	}
	assert_true(arp);

	/* The tap goes with its fd; the veth keeps its ingress qdisc until
	 * net_unredirect, and nothing else of it changes. */
	close(fd);
	assert_int_equal(if_nametoindex(tap), 0);
	assert_non_null(strstr(output("tc qdisc show dev eth0"), "ingress"));
	assert_int_equal(net_unredirect("eth0", &err), 0);
	assert_null(strstr(output("tc qdisc show dev eth0"), "ingress"));
	assert_int_equal(net_unredirect("eth0", &err), 0); /* again: nothing to do */
	assert_int_equal(net_unredirect("no-such-if", &err), 0);
	assert_non_null(strstr(output("ip -o addr show dev eth0"), "10.88.0.5/16"));
}

/* A VMM killed before it could clean up: net_release (what delete does)
 * takes the ingress qdisc off; a namespace that is gone is no error. */
static void test_release_after_a_killed_vmm(void **state)
{
	if (!ready)
		skip();
	struct net_config c;
	struct error *err = NULL;
	int fd = -1;
	assert_int_equal(net_discover(&c, &err), 0);
	assert_int_equal(net_tap_redirect(find(&c, "eth0"), &fd, &err), 0);
	close(fd); /* the VMM's end: gone with it */
	assert_non_null(strstr(output("tc qdisc show dev eth0"), "ingress"));
	net_release("/proc/self/ns/net");
	assert_null(strstr(output("tc qdisc show dev eth0"), "ingress"));
	net_release("/nonexistent/netns");
	assert_non_null(strstr(output("ip -o addr show dev eth0"), "10.88.0.5/16"));
}

/* A failure halfway (an ingress qdisc is there already) leaves no tap. */
static void test_failure_leaves_nothing(void **state)
{
	if (!ready)
		skip();
	struct net_config c;
	struct error *err = NULL;
	int fd = -1;
	sh("tc qdisc del dev eth0 ingress 2>/dev/null");
	assert_int_equal(sh("tc qdisc add dev eth0 ingress"), 0);
	assert_int_equal(net_discover(&c, &err), 0);
	const struct net_iface *eth0 = find(&c, "eth0");
	assert_int_equal(net_tap_redirect(eth0, &fd, &err), -1);
	assert_non_null(strstr(err->msg, "ingress qdisc on eth0"));
	error_release(&err);
	assert_int_equal(fd, -1);
	char tap[IFNAMSIZ];
	snprintf(tap, sizeof(tap), "vtap%d", eth0->index);
	assert_int_equal(if_nametoindex(tap), 0);
	/* The caller's qdisc is the caller's: still there. */
	assert_non_null(strstr(output("tc qdisc show dev eth0"), "ingress"));
	sh("tc qdisc del dev eth0 ingress");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_discover),
		cmocka_unit_test(test_tap_redirect),
		cmocka_unit_test(test_release_after_a_killed_vmm),
		cmocka_unit_test(test_failure_leaves_nothing),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

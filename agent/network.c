/* The guest's interfaces, configured through rtnetlink as the host found
 * the container's (netns/net.h): raw netlink requests, each acknowledged. */
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "netns/net.h"

struct request {
	struct nlmsghdr h;
	char buf[1024];
};

static void *put(struct request *r, size_t len)
{
	void *at = (char *)&r->h + NLMSG_ALIGN(r->h.nlmsg_len);
	r->h.nlmsg_len = NLMSG_ALIGN(r->h.nlmsg_len) + (uint32_t)len;
	return at;
}

static void attr(struct request *r, uint16_t type, const void *data, size_t len)
{
	struct rtattr *a = put(r, RTA_SPACE(len));
	a->rta_type = type;
	a->rta_len = (uint16_t)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
}

static void start(struct request *r, uint16_t type, uint16_t flags)
{
	memset(r, 0, sizeof(*r));
	r->h.nlmsg_len = NLMSG_HDRLEN;
	r->h.nlmsg_type = type;
	r->h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
}

/* Sends the request; the kernel's answer as an errno (0: done). */
static int talk(int sock, struct request *r)
{
	static uint32_t seq;
	char answer[4096];
	r->h.nlmsg_seq = ++seq;
	if (send(sock, r, r->h.nlmsg_len, 0) < 0)
		return errno;
	for (;;) {
		ssize_t n = recv(sock, answer, sizeof(answer), 0);
		if (n < 0)
			return errno;
		for (struct nlmsghdr *h = (struct nlmsghdr *)answer; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq || h->nlmsg_type != NLMSG_ERROR)
				continue;
			const struct nlmsgerr *e = NLMSG_DATA(h);
			return -e->error;
		}
	}
}

static int set_link(int sock, int index, const char *name, uint32_t mtu, const uint8_t *mac,
		    bool up)
{
	struct request r;
	start(&r, RTM_NEWLINK, 0);
	struct ifinfomsg *i = put(&r, sizeof(*i));
	memset(i, 0, sizeof(*i));
	i->ifi_family = AF_UNSPEC;
	i->ifi_index = index;
	i->ifi_change = IFF_UP;
	i->ifi_flags = up ? IFF_UP : 0;
	if (name != NULL)
		attr(&r, IFLA_IFNAME, name, strlen(name) + 1);
	if (mtu > 0)
		attr(&r, IFLA_MTU, &mtu, sizeof(mtu));
	if (mac != NULL)
		attr(&r, IFLA_ADDRESS, mac, 6);
	return talk(sock, &r);
}

static int add_addr(int sock, int index, const struct net_addr *a)
{
	struct request r;
	size_t len = a->family == AF_INET ? 4 : 16;
	start(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE);
	struct ifaddrmsg *m = put(&r, sizeof(*m));
	memset(m, 0, sizeof(*m));
	m->ifa_family = a->family;
	m->ifa_prefixlen = a->prefixlen;
	m->ifa_index = (uint32_t)index;
	m->ifa_flags = a->family == AF_INET6 ? IFA_F_NODAD : 0; /* no DAD wait */
	attr(&r, IFA_LOCAL, a->addr, len);
	attr(&r, IFA_ADDRESS, a->addr, len);
	return talk(sock, &r);
}

static int add_route(int sock, int index, const struct net_route *rt)
{
	struct request r;
	size_t len = rt->family == AF_INET ? 4 : 16;
	start(&r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE);
	struct rtmsg *m = put(&r, sizeof(*m));
	memset(m, 0, sizeof(*m));
	m->rtm_family = rt->family;
	m->rtm_dst_len = rt->dst_len;
	m->rtm_table = RT_TABLE_MAIN;
	m->rtm_protocol = RTPROT_BOOT;
	m->rtm_scope = rt->has_gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	m->rtm_type = RTN_UNICAST;
	if (rt->dst_len > 0)
		attr(&r, RTA_DST, rt->dst, len);
	if (rt->has_gateway)
		attr(&r, RTA_GATEWAY, rt->gateway, len);
	uint32_t oif = (uint32_t)index;
	attr(&r, RTA_OIF, &oif, sizeof(oif));
	if (rt->metric > 0)
		attr(&r, RTA_PRIORITY, &rt->metric, sizeof(rt->metric));
	return talk(sock, &r);
}

/* The guest interface with this MAC: virtio_net probes as it loads, but
 * give it a moment (up to 10 s: a nested, emulated guest is slow). */
static int find_by_mac(const uint8_t mac[6])
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int found = 0;
	for (int tries = 0; tries < 1000 && found == 0 && s >= 0; tries++) {
		struct if_nameindex *all = if_nameindex();
		for (struct if_nameindex *i = all; i != NULL && i->if_index != 0; i++) {
			struct ifreq ifr = {0};
			snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", i->if_name);
			if (ioctl(s, SIOCGIFHWADDR, &ifr) == 0 &&
			    memcmp(ifr.ifr_hwaddr.sa_data, mac, 6) == 0)
				found = (int)i->if_index;
		}
		if (all != NULL)
			if_freenameindex(all);
		if (found == 0) {
			struct timespec ts = {0, 10 * 1000000};
			nanosleep(&ts, NULL);
		}
	}
	if (s >= 0)
		close(s);
	return found;
}

int network_loopback_up(void)
{
	int sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (sock < 0)
		return errno;
	int e = set_link(sock, (int)if_nametoindex("lo"), NULL, 0, NULL, true);
	close(sock);
	return e;
}

int network_configure(const struct net_iface *ifaces, size_t n, struct agent_failure *f)
{
	int sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	int ret = 0, e;
	if (sock < 0) {
		failure_set(f, 1, "network: netlink: %s", strerror(errno));
		return -1;
	}
	if ((e = set_link(sock, (int)if_nametoindex("lo"), NULL, 0, NULL, true)) != 0)
		report("network: lo up: %s", strerror(e));
	int modules = n > 0 ? load_modules("/modules/later") : 0;
	for (size_t k = 0; k < n && ret == 0; k++) {
		const struct net_iface *i = &ifaces[k];
		int index = find_by_mac(i->guest_mac);
		if (index == 0) {
			char seen[256] = "";
			struct if_nameindex *all = if_nameindex();
			for (struct if_nameindex *x = all; x != NULL && x->if_index != 0; x++)
				snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen), " %s",
					 x->if_name);
			if (all != NULL)
				if_freenameindex(all);
			failure_set(f, 1,
				    "network: no guest interface has the MAC of %s "
				    "(%02x:%02x:%02x:%02x:%02x:%02x; the guest has:%s; %d modules "
				    "loaded for it)",
				    i->name, i->guest_mac[0], i->guest_mac[1], i->guest_mac[2],
				    i->guest_mac[3], i->guest_mac[4], i->guest_mac[5], seen,
				    modules);
			ret = -1;
			break;
		}
		/* The container's name and MTU while down, then up. */
		char name[IF_NAMESIZE];
		bool rename = if_indextoname((unsigned)index, name) != NULL &&
			      strcmp(name, i->name) != 0 && if_nametoindex(i->name) == 0;
		const uint8_t *mac = memcmp(i->mac, i->guest_mac, 6) != 0 ? i->mac : NULL;
		if ((e = set_link(sock, index, rename ? i->name : NULL, i->mtu, mac, false)) != 0 ||
		    (e = set_link(sock, index, NULL, 0, NULL, true)) != 0) {
			failure_set(f, 1, "network: %s: set up: %s", i->name, strerror(e));
			ret = -1;
		}
		for (size_t a = 0; a < i->naddrs && a < NET_MAX_ADDRS && ret == 0; a++)
			if ((e = add_addr(sock, index, &i->addrs[a])) != 0) {
				failure_set(f, 1, "network: %s: address: %s", i->name, strerror(e));
				ret = -1;
			}
		for (size_t r = 0; r < i->nroutes && r < NET_MAX_ROUTES && ret == 0; r++)
			if ((e = add_route(sock, index, &i->routes[r])) != 0) {
				failure_set(f, 1, "network: %s: route: %s", i->name, strerror(e));
				ret = -1;
			}
		debug("network: %s: %zu addresses, %zu routes", i->name, i->naddrs, i->nroutes);
	}
	close(sock);
	return ret;
}

/* Finding the container's interfaces, addresses and routes with
 * libnl-route-3; entering a network namespace. */
#include "netns/net.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_arp.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>

int net_enter(const char *path, int *old, struct error **err)
{
	*old = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*old < 0)
		return error_set(err, errno, "network namespace: /proc/thread-self/ns/net");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
		int saved = errno;
		if (fd >= 0)
			close(fd);
		close(*old);
		*old = -1;
		return error_set(err, saved, "network namespace %s", path);
	}
	close(fd);
	return 0;
}

void net_leave(int old)
{
	if (old < 0)
		return;
	setns(old, CLONE_NEWNET);
	close(old);
}

static struct net_iface *iface_of(struct net_config *c, int index)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->ifaces[i].index == index)
			return &c->ifaces[i];
	return NULL;
}

/* An nl_addr into a fixed buffer; false when it does not fit the family. */
static bool copy_addr(struct nl_addr *a, int family, uint8_t *out)
{
	size_t want = family == AF_INET ? 4 : 16;
	if (a == NULL || nl_addr_get_len(a) != want)
		return false;
	memcpy(out, nl_addr_get_binary_addr(a), want);
	return true;
}

static void take_link(struct nl_object *o, void *arg)
{
	struct net_config *c = arg;
	struct rtnl_link *l = (struct rtnl_link *)o;
	struct nl_addr *mac = rtnl_link_get_addr(l);
	const char *name = rtnl_link_get_name(l);
	if (rtnl_link_get_arptype(l) != ARPHRD_ETHER || c->n == NET_MAX_IFACES || mac == NULL ||
	    nl_addr_get_len(mac) != 6 || name == NULL || strncmp(name, "vtap", 4) == 0)
		return;
	struct net_iface *i = &c->ifaces[c->n++];
	memset(i, 0, sizeof(*i));
	snprintf(i->name, sizeof(i->name), "%s", name);
	i->index = rtnl_link_get_ifindex(l);
	i->mtu = rtnl_link_get_mtu(l);
	memcpy(i->mac, nl_addr_get_binary_addr(mac), 6);
	memcpy(i->guest_mac, i->mac, 6);
}

static void take_addr(struct nl_object *o, void *arg)
{
	struct net_config *c = arg;
	struct rtnl_addr *a = (struct rtnl_addr *)o;
	struct net_iface *i = iface_of(c, rtnl_addr_get_ifindex(a));
	int family = rtnl_addr_get_family(a);
	if (i == NULL || i->naddrs == NET_MAX_ADDRS || (family != AF_INET && family != AF_INET6) ||
	    (family == AF_INET6 && rtnl_addr_get_scope(a) == RT_SCOPE_LINK))
		return;
	struct net_addr *out = &i->addrs[i->naddrs];
	out->family = (uint8_t)family;
	out->prefixlen = (uint8_t)rtnl_addr_get_prefixlen(a);
	if (copy_addr(rtnl_addr_get_local(a), family, out->addr))
		i->naddrs++;
}

static void take_route(struct nl_object *o, void *arg)
{
	struct net_config *c = arg;
	struct rtnl_route *r = (struct rtnl_route *)o;
	int family = rtnl_route_get_family(r);
	if (rtnl_route_get_table(r) != RT_TABLE_MAIN || rtnl_route_get_type(r) != RTN_UNICAST ||
	    rtnl_route_get_protocol(r) == RTPROT_KERNEL || rtnl_route_get_nnexthops(r) != 1 ||
	    (family != AF_INET && family != AF_INET6))
		return;
	struct rtnl_nexthop *nh = rtnl_route_nexthop_n(r, 0);
	struct net_iface *i = iface_of(c, rtnl_route_nh_get_ifindex(nh));
	if (i == NULL || i->nroutes == NET_MAX_ROUTES)
		return;
	struct net_route *out = &i->routes[i->nroutes];
	memset(out, 0, sizeof(*out));
	out->family = (uint8_t)family;
	struct nl_addr *dst = rtnl_route_get_dst(r);
	out->dst_len = dst != NULL ? (uint8_t)nl_addr_get_prefixlen(dst) : 0;
	if (out->dst_len > 0 && !copy_addr(dst, family, out->dst))
		return;
	out->has_gateway = copy_addr(rtnl_route_nh_get_gateway(nh), family, out->gateway);
	out->metric = rtnl_route_get_priority(r);
	i->nroutes++;
}

int net_discover(struct net_config *out, struct error **err)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_cache *links = NULL, *addrs = NULL, *routes = NULL;
	int r, ret = -1;
	memset(out, 0, sizeof(*out));
	if (sk == NULL)
		return error_set(err, ENOMEM, "netlink socket");
	if ((r = nl_connect(sk, NETLINK_ROUTE)) < 0) {
		error_set_kind(err, EIO, "netlink: %s", nl_geterror(r));
	} else if ((r = rtnl_link_alloc_cache(sk, AF_UNSPEC, &links)) < 0 ||
		   (r = rtnl_addr_alloc_cache(sk, &addrs)) < 0 ||
		   (r = rtnl_route_alloc_cache(sk, AF_UNSPEC, 0, &routes)) < 0) {
		error_set_kind(err, EIO, "netlink: list links, addresses and routes: %s",
			       nl_geterror(r));
	} else {
		nl_cache_foreach(links, take_link, out);
		nl_cache_foreach(addrs, take_addr, out);
		nl_cache_foreach(routes, take_route, out);
		ret = 0;
	}
	if (routes != NULL)
		nl_cache_free(routes);
	if (addrs != NULL)
		nl_cache_free(addrs);
	if (links != NULL)
		nl_cache_free(links);
	nl_socket_free(sk);
	return ret;
}

/* A tap beside the container's interface, and tc redirects joining them:
 * an ingress qdisc on each and a u32 filter matching everything with a
 * mirred egress redirect to the other (Kata's "tcfilter" model).  The
 * guest's virtio-net is the tap's other end. */
#include "netns/net.h"

#include "common/host_module.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_tun.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/route/act/mirred.h>
#include <netlink/route/action.h>
#include <netlink/route/classifier.h>
#include <netlink/route/cls/u32.h>
#include <netlink/route/link.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/tc.h>

#define INGRESS_HANDLE TC_H_MAKE(TC_H_INGRESS, 0) /* ffff:0 */
#define INGRESS_PARENT TC_H_MAKE(TC_H_INGRESS, 0)

static int nl_fail(struct error **err, int r, const char *what, const char *dev)
{
	return error_set_kind(err, EIO, "%s on %s: %s", what, dev, nl_geterror(r));
}

int net_tap_open(const char *name, uint32_t mtu, int *fd, struct error **err)
{
	struct ifreq ifr = {0};
	*fd = host_open_device("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC, "tun");
	if (*fd < 0)
		return error_set(err, errno, "tap %s: /dev/net/tun", name);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int ret = 0;
	if (ioctl(*fd, TUNSETIFF, &ifr) < 0)
		ret = error_set(err, errno, "tap %s", name);
	else if (sock < 0)
		ret = error_set(err, errno, "tap %s: socket", name);
	else {
		struct ifreq m = {.ifr_mtu = (int)mtu};
		struct ifreq up = {0};
		snprintf(m.ifr_name, sizeof(m.ifr_name), "%s", name);
		snprintf(up.ifr_name, sizeof(up.ifr_name), "%s", name);
		if (ioctl(sock, SIOCSIFMTU, &m) < 0 || ioctl(sock, SIOCGIFFLAGS, &up) < 0)
			ret = error_set(err, errno, "tap %s: mtu %u", name, mtu);
		up.ifr_flags |= IFF_UP;
		if (ret == 0 && ioctl(sock, SIOCSIFFLAGS, &up) < 0)
			ret = error_set(err, errno, "tap %s: up", name);
	}
	if (sock >= 0)
		close(sock);
	if (ret < 0) {
		close(*fd);
		*fd = -1;
	}
	return ret;
}

static int add_ingress(struct nl_sock *sk, int ifindex, const char *dev, struct error **err)
{
	struct rtnl_qdisc *q = rtnl_qdisc_alloc();
	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), TC_H_INGRESS);
	rtnl_tc_set_handle(TC_CAST(q), INGRESS_HANDLE);
	int r = rtnl_tc_set_kind(TC_CAST(q), "ingress");
	if (r == 0)
		r = rtnl_qdisc_add(sk, q, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_qdisc_put(q);
	return r < 0 ? nl_fail(err, r, "ingress qdisc", dev) : 0;
}

/* Everything arriving on `from` leaves through `to`. */
static int add_redirect(struct nl_sock *sk, int from, int to, const char *dev, struct error **err)
{
	struct rtnl_cls *c = rtnl_cls_alloc();
	struct rtnl_act *a = rtnl_act_alloc();
	int r;
	rtnl_tc_set_ifindex(TC_CAST(c), from);
	rtnl_tc_set_parent(TC_CAST(c), INGRESS_PARENT);
	rtnl_cls_set_protocol(c, ETH_P_ALL);
	rtnl_cls_set_prio(c, 1);
	if ((r = rtnl_tc_set_kind(TC_CAST(c), "u32")) == 0 &&
	    (r = rtnl_tc_set_kind(TC_CAST(a), "mirred")) == 0) {
		rtnl_mirred_set_action(a, TCA_EGRESS_REDIR);
		rtnl_mirred_set_policy(a, TC_ACT_STOLEN);
		rtnl_mirred_set_ifindex(a, (uint32_t)to);
		/* u32: one key that matches every packet. */
		if ((r = rtnl_u32_add_key_uint32(c, 0, 0, 0, 0)) == 0 &&
		    (r = rtnl_u32_set_cls_terminal(c)) == 0 && (r = rtnl_u32_add_action(c, a)) == 0)
			r = rtnl_cls_add(sk, c, NLM_F_CREATE | NLM_F_EXCL);
	}
	rtnl_act_put(a);
	rtnl_cls_put(c);
	return r < 0 ? nl_fail(err, r, "redirect filter", dev) : 0;
}

static int del_ingress(struct nl_sock *sk, int ifindex)
{
	struct rtnl_qdisc *q = rtnl_qdisc_alloc();
	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), TC_H_INGRESS);
	rtnl_tc_set_handle(TC_CAST(q), INGRESS_HANDLE);
	rtnl_tc_set_kind(TC_CAST(q), "ingress");
	int r = rtnl_qdisc_delete(sk, q);
	rtnl_qdisc_put(q);
	return r;
}

int net_redirect(const struct net_iface *iface, const char *tap, struct error **err)
{
	struct nl_sock *sk = nl_socket_alloc();
	int r, ret = -1;
	if (sk == NULL)
		return error_set(err, ENOMEM, "netlink socket");
	if ((r = nl_connect(sk, NETLINK_ROUTE)) < 0) {
		nl_socket_free(sk);
		return error_set_kind(err, EIO, "netlink: %s", nl_geterror(r));
	}
	int tap_index = (int)if_nametoindex(tap);
	if (tap_index == 0)
		error_set(err, errno, "tap %s", tap);
	else if (add_ingress(sk, iface->index, iface->name, err) == 0) {
		if (add_redirect(sk, iface->index, tap_index, iface->name, err) == 0 &&
		    add_ingress(sk, tap_index, tap, err) == 0 &&
		    add_redirect(sk, tap_index, iface->index, tap, err) == 0)
			ret = 0;
		else {
			del_ingress(sk, iface->index);
			del_ingress(sk, tap_index);
		}
	}
	nl_socket_free(sk);
	return ret;
}

int net_tap_redirect(const struct net_iface *iface, int *fd, struct error **err)
{
	char tap[IFNAMSIZ];
	snprintf(tap, sizeof(tap), "vtap%d", iface->index);
	if (net_tap_open(tap, iface->mtu, fd, err) < 0)
		return error_wrap(err, "tap for %s", iface->name);
	if (net_redirect(iface, tap, err) < 0) {
		close(*fd); /* the tap, its qdisc and filter with it */
		*fd = -1;
		return -1;
	}
	return 0;
}

int net_unredirect(const char *iface, struct error **err)
{
	int index = (int)if_nametoindex(iface);
	if (index == 0)
		return 0; /* gone with its namespace */
	struct nl_sock *sk = nl_socket_alloc();
	if (sk == NULL)
		return error_set(err, ENOMEM, "netlink socket");
	int r = nl_connect(sk, NETLINK_ROUTE);
	if (r == 0)
		r = del_ingress(sk, index);
	nl_socket_free(sk);
	if (r < 0 && r != -NLE_OBJ_NOTFOUND && r != -NLE_NOADDR && r != -NLE_INVAL)
		return error_set_kind(err, EIO, "remove the ingress qdisc of %s: %s", iface,
				      nl_geterror(r));
	return 0;
}

void net_release_fd(int fd, int home)
{
	struct net_config c;
	struct error *err = NULL;
	if (setns(fd, CLONE_NEWNET) < 0) {
		log_warning("network namespace: %s (its redirects stay)", strerror(errno));
		return;
	}
	if (net_discover(&c, &err) == 0)
		for (size_t i = 0; i < c.n; i++)
			if (net_unredirect(c.ifaces[i].name, &err) < 0)
				break;
	if (err != NULL)
		log_warning("%s", err->msg);
	error_release(&err);
	if (setns(home, CLONE_NEWNET) < 0)
		log_warning("back to our network namespace: %s", strerror(errno));
}

void net_release(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && home >= 0)
		net_release_fd(fd, home);
	if (fd >= 0)
		close(fd);
	if (home >= 0)
		close(home);
}

/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "xen/xenbus_dev.h"

static const char *sysfs(void)
{
	const char *s = getenv("XENNET_SYSFS");

	return s && *s ? s : "/sys";
}

int xenbus_dev_driver(unsigned int vif, char *drv, size_t size)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/bus/xen/devices/vif-%u", sysfs(), vif);
	if (access(path, F_OK) < 0)
		return -errno;
	snprintf(path, sizeof(path), "%s/bus/xen/devices/vif-%u/driver", sysfs(), vif);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return errno == ENOENT ? 0 : -errno;
	target[n] = '\0';
	snprintf(drv, size, "%s", strrchr(target, '/') ? strrchr(target, '/') + 1 : target);
	return 1;
}

void xenbus_dev_netif(unsigned int vif, char *ifname, size_t size)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d;

	ifname[0] = '\0';
	snprintf(path, sizeof(path), "%s/bus/xen/devices/vif-%u/net", sysfs(), vif);
	d = opendir(path);
	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(ifname, size, "%s", e->d_name);
			break;
		}
	closedir(d);
}

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		err = -errno;
	close(fd);
	return err;
}

int xenbus_dev_unbind(unsigned int vif)
{
	char path[PATH_MAX], dev[32];

	snprintf(path, sizeof(path), "%s/bus/xen/devices/vif-%u/driver/unbind", sysfs(), vif);
	snprintf(dev, sizeof(dev), "vif-%u", vif);
	return write_file(path, dev);
}

int xenbus_dev_bind(unsigned int vif, const char *drv)
{
	char path[PATH_MAX], dev[32];

	if (strchr(drv, '/') || !*drv)
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/bus/xen/drivers/%s/bind", sysfs(), drv);
	snprintf(dev, sizeof(dev), "vif-%u", vif);
	return write_file(path, dev);
}

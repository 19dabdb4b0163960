#!/bin/sh
# The vif hotplug script libxl runs in dom0 (xl.conf: run_hotplug_scripts=1)
# for the domU's vif, as   vif-test online|offline|add|remove
# with XENBUS_PATH=[/local/domain/0/]backend/vif/DOMID/DEVID in the
# environment.  It addresses the backend interface vifDOMID.DEVID directly
# (no bridge: traffic is dom0 <-> domU only) and reports success to libxl by
# writing hotplug-status=connected.
PATH=/bin:/usr/bin:/usr/lib/xen-4.17/bin
DOM0_IP=198.18.0.1/24
id=${XENBUS_PATH##*backend/vif/}        # "DOMID/DEVID"
dev=vif${id%%/*}.${id##*/}
echo "vif-hotplug: $1 $dev ($XENBUS_PATH)" >/dev/console
case $1 in
online | add)
	ip link set "$dev" up
	ip addr add "$DOM0_IP" dev "$dev" 2>/dev/null
	xenstore-write "$XENBUS_PATH/hotplug-status" connected
	;;
offline | remove)
	ip link set "$dev" down 2>/dev/null
	;;
esac
exit 0

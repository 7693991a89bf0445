#!/usr/bin/env bash
# A Debian 12 guest running Debian's own kernel under qemu TCG, where Jool and
# kernel WireGuard load: the hosts here cannot load modules and nested KVM hangs.
#
#   kernel-guest.sh build              # cached image; rebuilds only when this script changed
#   kernel-guest.sh start NAME PORT    # boot a throw-away copy, sshd on 127.0.0.1:PORT
#   kernel-guest.sh stop NAME          # power it off
#   kernel-guest.sh dir                # the cached image's directory (vmlinuz, initrd, root.img, ssh key)
#
# Nothing but Debian's archive goes in: the kernel, its headers and jool-dkms are
# downloaded (never installed on the host) and Jool is built against those headers.
# The cache is keyed by this script's hash, machine-wide, so a fresh clone reuses it.
set -euo pipefail

CACHE_ROOT=${KERNEL_GUEST_CACHE:-/var/cache/v6only/kernel-guest}
RUN_DIR=/run/v6only-kernel-guest
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
MEM=${KERNEL_GUEST_MEM:-1024}
HASH=$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)
IMAGE=$CACHE_ROOT/$HASH

HOST_PACKAGES=(qemu-system-x86 debootstrap e2fsprogs busybox-static cpio kmod gcc-12 make
               libc6-dev libelf1 binutils openssh-client)
# What the roles' apt tasks install (jool_nat64, wireguard_vpn) plus the test and bench
# tools, so the guest never needs the network.
GUEST_PACKAGES=(systemd-sysv udev kmod procps netbase iproute2 openssh-server python3 python3-apt
                jool-tools nftables wireguard-tools wireguard-go tayga iputils-ping curl
                dnsutils netcat-openbsd conntrack iperf3 unbound)
# Started by the tests themselves, or not needed by a throw-away guest; each costs
# seconds of boot under TCG. Modules load on demand, so no modprobe@ units either.
GUEST_MASKED=(systemd-firstboot unbound unbound-resolvconf tayga iperf3 apt-daily.timer
              apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap fstrim.timer
              getty-static serial-getty@ttyS0 systemd-binfmt systemd-random-seed
              systemd-update-utmp systemd-update-utmp-runlevel systemd-journal-flush systemd-networkd
              modprobe@ dev-hugepages.mount dev-mqueue.mount sys-kernel-debug.mount
              sys-kernel-tracing.mount sys-fs-fuse-connections.mount)

log() { printf '[%(%H:%M:%S)T] kernel-guest: %s\n' -1 "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }

host_packages() {
  local missing=() p
  for p in "${HOST_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return
  log "apt-get install ${missing[*]}"
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
}

# Debian's current kernel ABI (e.g. 6.1.0-57-amd64), its headers and Jool: downloaded, unpacked.
fetch() {
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  KV=$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: linux-image-//p' | head -n1)
  [ -n "$KV" ] || die "apt-cache cannot tell which kernel linux-image-amd64 depends on"
  mkdir -p debs x
  (cd debs && apt-get download -qq -o APT::Sandbox::User=root "linux-image-$KV" "linux-headers-$KV" \
     "linux-headers-${KV%-amd64}-common" "linux-kbuild-${KV%%.0-*}" jool-dkms jool-tools)
  local d; for d in debs/*.deb; do dpkg-deb -x "$d" x; done
  IMAGE_VERSION=$(dpkg-deb -f debs/linux-image-"$KV"_*.deb Version)
  HEADERS_VERSION=$(dpkg-deb -f debs/linux-headers-"$KV"_*.deb Version)
  JOOL_VERSION=$(dpkg-deb -f debs/jool-dkms_*.deb Version)
  [ "$IMAGE_VERSION" = "$HEADERS_VERSION" ] ||
    die "linux-headers-$KV is $HEADERS_VERSION but linux-image-$KV is $IMAGE_VERSION"
  local release
  release=$(sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' "x/usr/src/linux-headers-$KV/include/generated/utsrelease.h")
  [ "$release" = "$KV" ] || die "the headers build for kernel $release, the guest runs $KV"
  # The headers' Makefile includes the -common one by absolute path; point it at the unpacked copy.
  echo "include $PWD/x/usr/src/linux-headers-${KV%-amd64}-common/Makefile" > "x/usr/src/linux-headers-$KV/Makefile"
}

build_jool() {
  log "build Jool $JOOL_VERSION against linux-headers-$KV $HEADERS_VERSION (nice, -j1)"
  cp -a x/usr/src/jool-dkms-* jool
  local headers=$PWD/x/usr/src/linux-headers-$KV m
  for m in common nat64; do
    nice make -s -j1 -C "$headers" M="$PWD/jool/src/mod/$m" modules >jool-build.log 2>&1 ||
      { tail -n 20 jool-build.log >&2; die "Jool $JOOL_VERSION did not build against linux-headers-$KV $HEADERS_VERSION"; }
  done
  strip --strip-debug jool/src/mod/common/jool_common.ko jool/src/mod/nat64/jool.ko
  local vermagic; vermagic=$(modinfo -F vermagic jool/src/mod/nat64/jool.ko | cut -d' ' -f1)
  [ "$vermagic" = "$KV" ] || die "jool.ko has vermagic $vermagic but the guest kernel is $KV"
}

make_rootfs() {
  log "debootstrap bookworm with ${GUEST_PACKAGES[*]}"
  nice debootstrap --variant=minbase --include="$(IFS=,; echo "${GUEST_PACKAGES[*]}")" \
    bookworm rootfs "$MIRROR" >debootstrap.log 2>&1 || { tail -n 20 debootstrap.log >&2; die "debootstrap failed"; }
  # Debian's kernel has no sound, GPU or radio here; the rest is loaded on demand.
  mkdir -p rootfs/lib/modules
  tar -C x/lib/modules -c --exclude=build --exclude=source --exclude=sound --exclude=gpu \
    --exclude=media --exclude=wireless --exclude=infiniband "$KV" | tar -C rootfs/lib/modules -x
  install -D -m 0644 -t "rootfs/lib/modules/$KV/extra" jool/src/mod/common/jool_common.ko jool/src/mod/nat64/jool.ko
  depmod -b "$PWD/rootfs" "$KV"
  echo kernel-guest > rootfs/etc/hostname
  printf '127.0.0.1 localhost\n::1 localhost\n127.0.1.1 kernel-guest\n' > rootfs/etc/hosts
  echo 'nameserver 198.51.100.99' > rootfs/etc/resolv.conf
  chroot rootfs systemctl enable -q ssh
  chroot rootfs systemctl mask -q "${GUEST_MASKED[@]}"
  chroot rootfs systemctl set-default -q multi-user.target
  # The journal lives as long as the guest: in memory.
  mkdir -p rootfs/etc/systemd/journald.conf.d
  printf '[Journal]\nStorage=volatile\n' > rootfs/etc/systemd/journald.conf.d/volatile.conf
  [ -s rootfs/etc/machine-id ] || chroot rootfs systemd-machine-id-setup >/dev/null
  ssh-keygen -q -t ed25519 -N '' -C kernel-guest -f id_ed25519
  install -D -m 0600 id_ed25519.pub rootfs/root/.ssh/authorized_keys
  chmod 0700 rootfs/root/.ssh
}

make_images() {
  mkfs.ext4 -q -F -L kernel-guest -d rootfs root.img 2G >/dev/null
  # virtio and ext4 are modules in Debian's kernel: a busybox initramfs loads them and switches root.
  mkdir -p initramfs/bin initramfs/mods
  cp /bin/busybox initramfs/bin/busybox
  local m ko
  for m in virtio_pci virtio_blk virtio_net ext4; do modprobe -d "$PWD/rootfs" -S "$KV" --show-depends "$m"; done |
    awk '$1 == "insmod" && !seen[$2]++ {print $2}' | while read -r ko; do
      cp "$ko" initramfs/mods/; basename "$ko" >> initramfs/order
    done
  cat > initramfs/init <<'EOF'
#!/bin/busybox sh
/bin/busybox mkdir -p /proc /dev /newroot
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs devtmpfs /dev
for m in $(/bin/busybox cat /order); do /bin/busybox insmod /mods/$m 2>/dev/null; done
i=0; while [ ! -b /dev/vda ] && [ $i -lt 200 ]; do /bin/busybox sleep 0.05; i=$((i+1)); done
# slirp's side of the link (net=198.51.100.96/27 below; restrict=on leaves only the ssh
# forward), set here: systemd-networkd took 15 s of a TCG boot to do the same.
/bin/busybox ip addr add 198.51.100.110/27 dev eth0
/bin/busybox ip link set eth0 up
/bin/busybox ip route add default via 198.51.100.97
/bin/busybox mount -t ext4 /dev/vda /newroot || { echo "initramfs: cannot mount /dev/vda"; exec /bin/busybox sh; }
/bin/busybox umount /proc
/bin/busybox mount --move /dev /newroot/dev
exec /bin/busybox switch_root /newroot /lib/systemd/systemd
EOF
  chmod 0755 initramfs/init
  (cd initramfs && find . | cpio -o -H newc --quiet | gzip -1) > initrd.gz
  cp "x/boot/vmlinuz-$KV" vmlinuz
}

build() {
  mkdir -p "$CACHE_ROOT"
  exec 8>"$CACHE_ROOT/.lock"
  flock 8
  if [ -f "$IMAGE/versions" ]; then log "image $IMAGE is up to date"; cat "$IMAGE/versions"; return; fi
  host_packages
  local t0=$SECONDS work="$IMAGE.build"
  rm -rf "$work"; mkdir -p "$work"; cd "$work"
  fetch; build_jool; make_rootfs; make_images
  printf 'kernel linux-image-%s %s\nheaders linux-headers-%s %s\njool %s (vermagic %s)\nguest %s\n' \
    "$KV" "$IMAGE_VERSION" "$KV" "$HEADERS_VERSION" "$JOOL_VERSION" "$KV" \
    "$(chroot rootfs dpkg-query -W -f='${Package}=${Version} ' jool-tools wireguard-tools systemd python3)" > versions
  rm -rf rootfs x debs jool initramfs
  cd "$CACHE_ROOT"; rm -rf "$IMAGE"; mv "$work" "$IMAGE"
  log "image $IMAGE built in $((SECONDS - t0)) s"; cat "$IMAGE/versions"
  # Older recipes' images are dead weight once this one exists.
  find "$CACHE_ROOT" -mindepth 1 -maxdepth 1 -type d ! -name "$HASH" -exec rm -rf {} +
}

ssh_guest() {
  local port=$1; shift
  ssh -q -i "$IMAGE/id_ed25519" -p "$port" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o ConnectTimeout=5 -o BatchMode=yes root@127.0.0.1 "$@"
}

start() {
  local name=$1 port=$2 pidfile="$RUN_DIR/$1.pid" t0=$SECONDS
  [ -f "$IMAGE/versions" ] || die "no image for recipe $HASH: run '$0 build' (make kernel-guest)"
  [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null && die "guest $name is already running (pid $(cat "$pidfile"))"
  ss -Hltn "sport = :$port" | grep -q . && die "127.0.0.1:$port is already in use"
  mkdir -p "$RUN_DIR"
  # TCG only (nested KVM hangs); snapshot=on: every boot starts from the same image.
  qemu-system-x86_64 -name "v6only-kernel-guest-$name" -accel tcg -m "$MEM" -smp 1 \
    -display none -nodefaults -no-reboot \
    -kernel "$IMAGE/vmlinuz" -initrd "$IMAGE/initrd.gz" \
    -append "console=ttyS0 panic=-1 quiet loglevel=4 net.ifnames=0" \
    -drive "file=$IMAGE/root.img,if=virtio,format=raw,snapshot=on" \
    -netdev "user,id=n0,net=198.51.100.96/27,host=198.51.100.97,dns=198.51.100.99,dhcpstart=198.51.100.110,ipv6=off,restrict=on,hostfwd=tcp:127.0.0.1:$port-:22" \
    -device virtio-net-pci,netdev=n0 -serial "file:$RUN_DIR/$name.console" \
    -daemonize -pidfile "$pidfile"
  until ssh_guest "$port" true 2>/dev/null; do
    if [ $((SECONDS - t0)) -gt 240 ]; then
      tail -n 30 "$RUN_DIR/$name.console" >&2; stop "$name"
      die "guest $name: no ssh on 127.0.0.1:$port after 240 s"
    fi
    sleep 1
  done
  log "guest $name (pid $(cat "$pidfile")) answers ssh on 127.0.0.1:$port after $((SECONDS - t0)) s"
}

stop() {
  local name=$1 pidfile="$RUN_DIR/$1.pid" pid i
  [ -f "$pidfile" ] || { log "guest $name is not running"; return 0; }
  pid=$(cat "$pidfile")
  # Only a qemu that this script started under this name.
  if tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -- "-name v6only-kernel-guest-$name "; then
    kill "$pid"
    for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    log "guest $name (pid $pid) stopped"
  fi
  rm -f "$pidfile"
}

case "${1:-}" in
  build) build ;;
  start) [ $# -eq 3 ] || die "usage: $0 start NAME SSH_PORT"; start "$2" "$3" ;;
  stop) [ $# -eq 2 ] || die "usage: $0 stop NAME"; stop "$2" ;;
  dir) echo "$IMAGE" ;;
  *) echo "usage: $0 build | start NAME SSH_PORT | stop NAME | dir" >&2; exit 2 ;;
esac

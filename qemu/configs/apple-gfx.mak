# SPDX-License-Identifier: GPL-2.0-or-later
# Minimal x86_64 device set for apple-gfx-pci (scripts/build-qemu copies this file to
# configs/devices/x86_64-softmmu/apple-gfx.mak). Machine: q35 only.
CONFIG_Q35=y
CONFIG_APPLE_GFX_LINUX=y
# what a macOS guest needs besides the GPU: input, disk (AHCI comes with q35), network
CONFIG_USB_XHCI=y
CONFIG_USB_XHCI_PCI=y
CONFIG_E1000E_PCI_EXPRESS=y
CONFIG_VIRTIO_PCI=y
CONFIG_VIRTIO_BLK=y
CONFIG_VIRTIO_NET=y
# macOS refuses to boot without the SMC; a plain VGA (or ramfb) shows OpenCore's picker
CONFIG_APPLESMC=y
CONFIG_VGA_PCI=y

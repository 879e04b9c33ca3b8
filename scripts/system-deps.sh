#!/usr/bin/env bash
# System packages some tests need (docs/backends.md, docs/browser.md): Debian's chromium (headless browser for
# the Vite e2e test; it also ships SwiftShader, the CPU Vulkan driver the WebGPU conformance tests run on) and
# libvulkan1 (the Vulkan loader Dawn opens). Installed only when missing, and only where apt-get runs as root;
# otherwise this prints how to install them and the tests that need them fail with the same advice.
if [ -f /usr/lib/chromium/vk_swiftshader_icd.json ] && [ -x /usr/bin/chromium ] && ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1'; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing chromium and libvulkan1 (Debian packages) for the browser and WebGPU tests..."
  if { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium libvulkan1; } >/dev/null 2>&1; then
    exit 0
  fi
fi
echo "warning: chromium / libvulkan1 are missing: run 'apt-get update && apt-get install -y chromium libvulkan1' (as root)." >&2
echo "         The browser e2e test and the WebGPU conformance tests will fail until then." >&2
exit 0
